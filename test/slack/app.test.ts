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

/** The thread of a job started by an upload: the file's message and every reply. */
function uploadThread(harness: SlackAppHarness, fileTs: string) {
  return harness.slack.thread(CHANNEL, fileTs);
}

describe('file uploads', () => {
  it('one upload delivered as message + file_shared, and redelivered, starts exactly one job in the file thread', async () => {
    h = await startSlackApp();
    const records = makeQuoteRecords(30, 11);
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'gumloop-export.csv', content: recordsToCsv(records) });
    const submitted = nextJob(h);
    const deliveries = await Promise.all([
      h.driver.event(upload.message, { eventId: 'Ev0MESSAGE1' }),
      h.driver.event(upload.fileShared, { eventId: 'Ev0SHARED01' }),
      h.driver.event(upload.message, { eventId: 'Ev0MESSAGE1', retryNum: 1 }),
      h.driver.event(upload.fileShared, { eventId: 'Ev0SHARED01', retryNum: 2 }),
    ]);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    const job = await submitted;
    const report = await h.app.context.jobs.finished(job.id);
    expect(report).toMatchObject({ state: 'done', written: 30 });
    expect(h.app.context.store.listJobs()).toHaveLength(1);
    const fileTs = upload.message.ts as string;
    const thread = uploadThread(h, fileTs);
    expect(thread.map((m) => m.text)).toEqual(['', expect.stringMatching(/^Job `[0-9a-f]{10}`: writing 30 quote\(s\) from \*gumloop-export\.csv\*.*\n:white_check_mark: Done\. 30 written/s)]);
    expect(thread[1]!.history[0]).toBe('Reading *gumloop-export.csv*…');
    expect(pageIds(h)).toHaveLength(30);
    expect(multiplicity(pageIds(h)).duplicates).toEqual([]);
    // The file was fetched once, with the bot token.
    expect(h.slack.downloads).toEqual([{ fileId: upload.file.id, authorized: true }]);
  });

  it('a file_shared event alone (files.info for the details) starts the job in the file thread', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'quotes.json', content: JSON.stringify(makeQuoteRecords(5, 3)) });
    const submitted = nextJob(h);
    await h.driver.event(upload.fileShared);
    const job = await submitted;
    await h.app.context.jobs.finished(job.id);
    const thread = uploadThread(h, upload.message.ts as string);
    expect(thread).toHaveLength(2);
    expect(thread[1]!.text).toContain(':white_check_mark: Done. 5 written');
  });

  it('refuses a file over MAX_FILE_BYTES and a spreadsheet politely, ignores a picture, downloads nothing', async () => {
    h = await startSlackApp({ env: { MAX_FILE_BYTES: '2000' } });
    const big = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'big.csv', content: recordsToCsv(makeQuoteRecords(40, 5)) });
    const sheet = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'quotes.xlsx', content: 'PK\u0003\u0004', filetype: 'xlsx' });
    const picture = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'screenshot.png', content: '\u0089PNG', filetype: 'png' });
    for (const u of [big, sheet, picture]) await h.driver.event(u.message);
    await h.slack.waitFor(() => h!.slack.messages.filter((m) => m.threadTs).length >= 2, 'two replies');
    const replyTo = (u: typeof big) => uploadThread(h!, u.message.ts as string).slice(1).map((m) => m.text);
    expect(replyTo(big)).toEqual([expect.stringMatching(/^:x: big\.csv is \d+ KB; the most this app takes is 2 KB \(MAX_FILE_BYTES\)\.$/)]);
    expect(replyTo(sheet)).toEqual(['I can only read quotes from a CSV or JSON file; *quotes.xlsx* is neither. Export it as CSV and upload that.']);
    expect(replyTo(picture)).toEqual([]);
    expect(h.slack.downloads).toEqual([]);
    expect(h.app.context.store.listJobs()).toEqual([]);
  });

  it('stops a download that grows past MAX_FILE_BYTES even when Slack reported a small size', async () => {
    h = await startSlackApp({ env: { MAX_FILE_BYTES: '2000' } });
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'q.csv', content: recordsToCsv(makeQuoteRecords(40, 5)), size: 900 });
    await h.driver.event(upload.message);
    await h.slack.waitFor(() => uploadThread(h!, upload.message.ts as string)[1]?.text.startsWith(':x:') === true, 'the refusal');
    expect(uploadThread(h, upload.message.ts as string)[1]!.text).toBe(':x: q.csv is larger than 2 KB, the most this app takes (MAX_FILE_BYTES).');
    expect(h.app.context.store.listJobs()).toEqual([]);
  });

  it('says in the thread why a file has no usable quotes, and records no job', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'notes.csv', content: 'title,author\nHello,me\n' });
    await h.driver.event(upload.message);
    await h.slack.waitFor(() => uploadThread(h!, upload.message.ts as string)[1]?.text.startsWith(':x:') === true, 'the refusal');
    expect(uploadThread(h, upload.message.ts as string)[1]!.text).toMatch(/^:x: notes\.csv has no text column/);
    expect(h.app.context.store.listJobs()).toEqual([]);
  });

  it('never sends the bot token to a host other than Slack', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({
      channel: CHANNEL,
      user: USER,
      name: 'quotes.csv',
      content: recordsToCsv(makeQuoteRecords(3, 1)),
      downloadUrl: 'https://files.example.net/quotes.csv',
    });
    await h.driver.event(upload.message);
    await h.slack.waitFor(() => uploadThread(h!, upload.message.ts as string)[1]?.text.startsWith(':x:') === true, 'the refusal');
    expect(uploadThread(h, upload.message.ts as string)[1]!.text).toBe(
      ':x: quotes.csv is not hosted by Slack (files.example.net); the bot token is only sent to Slack, so it was not downloaded.',
    );
    expect(h.app.context.store.listJobs()).toEqual([]);
  });
});
