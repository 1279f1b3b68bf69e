/**
 * `npm run demo:slack`: the Slack app end to end without any account. It starts the bundled local
 * Notion (rate budget and faults on) and local Slack, runs the real app in HTTP mode, uploads the
 * sample quotes to a channel as a person would (Slack's two events for one upload, one of them
 * delivered twice), then prints the job's thread as text: the job message in its final state
 * (and how often it was edited live), the replies, the attached files.
 */
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import type { SyncJob } from '../src/store/index.js';
import { startSlackApp, CHANNEL, USER } from '../test/support/slack-app.js';

const sample = fileURLToPath(new URL('../test/fixtures/quotes/sample-gumloop.json', import.meta.url));
const RATE = 10;

const h = await startSlackApp({
  notion: { seed: 2026, rateLimit: { requestsPerSecond: RATE }, faults: { conflictRate: 0.1, lostResponseRate: 0.03, serverErrorRate: 0.02 } },
  env: {
    NOTION_REQUESTS_PER_SECOND: String(RATE),
    NOTION_RETRY_BASE_MS: '100',
    NOTION_RETRY_MAX_MS: '1000',
    NOTION_TIMEOUT_MS: '5000',
  },
  app: { updateIntervalMs: 1000 },
});
process.stderr.write(
  `local Notion on ${h.notion.url} (budget ${RATE} requests/s, 10% conflicts, 3% lost responses, 2% server errors)\n` +
    `local Slack on ${h.slack.url}; the app listens on ${h.driver.appUrl}\n` +
    `<@${USER}> uploads sample-gumloop.json to #quotes…\n\n`,
);

const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'sample-gumloop.json', content: readFileSync(sample) });
const submitted = once(h.app.context.jobs.events, 'submitted');
const acks = await Promise.all([
  h.driver.event(upload.message, { eventId: 'Ev0DEMO0001' }),
  h.driver.event(upload.fileShared, { eventId: 'Ev0DEMO0002' }),
  h.driver.event(upload.message, { eventId: 'Ev0DEMO0001', retryNum: 1 }),
]);
const [job] = (await submitted) as [SyncJob];
const report = await h.app.context.jobs.finished(job.id);

const fileTs = upload.message.ts as string;
const lines = [`#quotes · ${USER} shared a file: sample-gumloop.json`];
for (const m of h.slack.thread(CHANNEL, fileTs).slice(1)) {
  const edits = m.history.length - 1;
  lines.push(`  ↳ ${edits > 0 ? `(edited ${edits}×) ` : ''}${m.text.split('\n').join('\n    ')}`);
  for (const f of m.files) lines.push(`    📎 ${f.name} (${Papa.parse(f.content, { header: true, skipEmptyLines: true }).data.length} row(s))`);
}
const ids = h.notion.databaseIds().flatMap((id) => h.notion.propertyTexts(h.notion.dataSourceOf(id), 'Quote ID'));
process.stdout.write(
  `${lines.join('\n')}\n\n` +
    `3 deliveries of one upload (acked in ${acks.map((a) => `${a.ms.toFixed(0)} ms`).join(', ')}) started ${(await h.app.context.store.jobs.list()).length} job.\n` +
    `job ${job.id}: ${report?.state}; the local Notion holds ${ids.length} quote page(s), ${new Set(ids).size} distinct.\n`,
);
await h.close();
process.exitCode = report?.state === 'done' && ids.length === new Set(ids).size ? 0 : 1;
