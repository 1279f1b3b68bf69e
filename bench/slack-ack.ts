/**
 * How fast the app answers Slack while a job writes: slash commands and event deliveries sent to
 * the real Bolt app over HTTP (signed, as Slack sends them) while a job writes into the local
 * Notion at its rate budget. Slack gives an app 3 s before it shows the person an error.
 */
import { once } from 'node:events';
import type { SyncJob } from '../src/store/index.js';
import { makeQuoteRecords, recordsToCsv } from '../test/support/quote-factory.js';
import { CHANNEL, USER, startSlackApp } from '../test/support/slack-app.js';

export interface AckFigures {
  quotes: number;
  rate: number;
  commands: number[];
  events: number[];
  jobsStarted: number;
  uploads: number;
}

export async function measureAcks(options: { quotes: number; rate: number; commands: number; uploads: number }): Promise<AckFigures> {
  const h = await startSlackApp({
    notion: { rateLimit: { requestsPerSecond: options.rate } },
    env: { NOTION_REQUESTS_PER_SECOND: String(options.rate) },
    app: { updateIntervalMs: 2000 },
  });
  try {
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'bench.csv', content: recordsToCsv(makeQuoteRecords(options.quotes, 7)) });
    const submitted = once(h.app.context.jobs.events, 'submitted');
    const events: number[] = [];
    events.push((await h.driver.event(upload.message)).ms);
    const [job] = (await submitted) as [SyncJob];
    const commands: number[] = [];
    const texts = ['status', `status ${job.id}`, 'help'];
    for (let i = 0; i < options.commands; i++) commands.push((await h.driver.command(texts[i % texts.length]!)).ms);
    // More uploads while the first job writes, each delivered twice (message + file_shared).
    for (let i = 0; i < options.uploads; i++) {
      const u = h.slack.userUpload({ channel: CHANNEL, user: USER, name: `more-${i}.csv`, content: recordsToCsv(makeQuoteRecords(5, 100 + i)) });
      events.push((await h.driver.event(u.message)).ms, (await h.driver.event(u.fileShared)).ms);
    }
    await h.app.context.jobs.finished(job.id);
    return { ...options, commands, events, jobsStarted: (await h.app.context.store.jobs.list(100)).length };
  } finally {
    await h.close();
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
