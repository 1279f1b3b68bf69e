/**
 * The Slack app end to end: the real Bolt app in HTTP mode with the listeners from `commands/`,
 * signed requests as Slack sends them, the real WebClient talking to the local Slack, the real
 * Notion SDK talking to the local Notion.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncJob } from '../../src/store.js';
import { multiplicity } from '../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
let fileServer: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  fileServer?.close();
  fileServer = undefined;
});

/** A web server with one file, for `/sync-quotes <url>` (ALLOW_PRIVATE_URLS lets the app fetch from 127.0.0.1). */
async function serveFile(name: string, content: string, contentType = 'text/csv'): Promise<string> {
  fileServer = createServer((req, res) => {
    if (req.url === `/${name}`) res.writeHead(200, { 'content-type': contentType }).end(content);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => fileServer!.listen(0, '127.0.0.1', resolve));
  const address = fileServer.address() as { port: number };
  return `http://127.0.0.1:${address.port}/${name}`;
}

function nextJob(harness: SlackAppHarness): Promise<SyncJob> {
  return once(harness.app.context.jobs.events, 'submitted').then(([job]) => job as SyncJob);
}

function pageIds(harness: SlackAppHarness): string[] {
  const [databaseId] = harness.notion.databaseIds();
  return harness.notion.propertyTexts(harness.notion.dataSourceOf(databaseId!), 'Quote ID');
}

describe('the Slack app', () => {
  it('syncs a file from a /sync-quotes link, narrating it in a new thread', async () => {
    h = await startSlackApp();
    const records = makeQuoteRecords(40, 7);
    const url = await serveFile('reddit-quotes.csv', recordsToCsv(records));
    const submitted = nextJob(h);
    const ack = await h.driver.command(url);
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Fetching') });
    const job = await submitted;
    const report = await h.app.context.jobs.finished(job.id);
    expect(report).toMatchObject({ state: 'done', written: 40 });

    const root = h.slack.messages.find((m) => m.channel === CHANNEL && m.threadTs === undefined)!;
    expect(root.history[0]).toContain(`<@${USER}> asked for a sync of ${url}`);
    expect(root.text).toContain(`Job \`${job.id}\`: writing 40 quote(s) from *reddit-quotes.csv*`);
    expect(root.text).toContain(':white_check_mark: Done. 40 written');
    expect(root.text).toMatch(/Database: <http[^|]+\|Quotes>/);
    // Live progress went through chat.update on the same message.
    expect(root.history.some((t) => /`[█░]{20}` \d+% \(\d+\/40\)/.test(t))).toBe(true);
    expect(multiplicity(pageIds(h)).unique.size).toBe(40);
    expect(pageIds(h)).toHaveLength(40);
  });
});
