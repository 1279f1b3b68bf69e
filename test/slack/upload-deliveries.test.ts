/**
 * No upload lost: Slack announces one upload twice (`file_shared`, and a `message` with subtype
 * `file_share`), in either order. Whichever delivery claims the file and then cannot take it up
 * for now gives the claim back, so the other one starts the job; a claim left without a job by
 * a process that stopped is taken over. The real Bolt app, the local Slack and the local Notion.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import type { UserUpload } from '../fakes/local-slack.js';
import { multiplicity } from '../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function claimKey(upload: UserUpload): string {
  return `slack-file:${CHANNEL}:${upload.file.id}`;
}

function pageIds(harness: SlackAppHarness): string[] {
  const [databaseId] = harness.notion.databaseIds();
  return harness.notion.propertyTexts(harness.notion.dataSourceOf(databaseId!), 'Quote ID');
}

function failedCall(harness: SlackAppHarness, method: string, error: string): () => boolean {
  return () => harness.slack.calls.some((c) => c.method === method && c.error === error);
}

/** The job the upload started ran to the end in the file's thread, every quote written once, the file fetched once. */
async function expectOneJob(harness: SlackAppHarness, upload: UserUpload, submitted: Promise<{ id: string }>, quotes: number): Promise<void> {
  const job = await submitted;
  expect(await harness.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: quotes });
  expect((await harness.app.context.store.jobs.list()).map((j) => j.id)).toEqual([job.id]);
  expect((await harness.app.context.store.triggers.get(claimKey(upload)))?.jobId).toBe(job.id);
  const thread = harness.slack.thread(CHANNEL, upload.message.ts);
  expect(thread).toHaveLength(2);
  expect(thread[1]!.text).toContain(`:white_check_mark: Done. ${quotes} written`);
  expect(pageIds(harness)).toHaveLength(quotes);
  expect(multiplicity(pageIds(harness)).duplicates).toEqual([]);
  expect(harness.slack.downloads).toEqual([{ fileId: upload.file.id, authorized: true }]);
}

describe('one upload, two deliveries', () => {
  it('file_shared first while files.info answers file_not_found once, then the message event: exactly one job, every quote once', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'fresh.csv', content: recordsToCsv(makeQuoteRecords(20, 7)) });
    h.slack.fileNotFoundNext(upload.file.id, 1);
    const submitted = h.nextJob();
    await h.driver.event(upload.fileShared);
    await h.slack.waitFor(failedCall(h, 'files.info', 'file_not_found'), 'files.info not finding the new file');
    await h.driver.event(upload.message);
    await expectOneJob(h, upload, submitted, 20);
    expect(h.slack.ephemerals).toEqual([]);
  });

  it('file_shared giving up on files.info hands the upload to the message event, which carries the file', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'slow.csv', content: recordsToCsv(makeQuoteRecords(12, 8)) });
    // More than the app's tries (4): file_shared cannot read the file at all.
    h.slack.fileNotFoundNext(upload.file.id, 10);
    const submitted = h.nextJob();
    await h.driver.event(upload.fileShared);
    await h.slack.waitFor(failedCall(h, 'files.info', 'file_not_found'), 'files.info not finding the new file');
    await h.driver.event(upload.message);
    await expectOneJob(h, upload, submitted, 12);
    expect(h.slack.ephemerals).toEqual([]);
  });

  it.each([
    ['the message event first, then file_shared', 'message' as const],
    ['file_shared first, then the message event', 'fileShared' as const],
  ])('the first chat.postMessage failing: %s still starts exactly one job', async (_name, first) => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'posted.csv', content: recordsToCsv(makeQuoteRecords(15, 9)) });
    h.slack.injectNext('chat.postMessage', 'service_unavailable');
    const submitted = h.nextJob();
    await h.driver.event(upload[first]);
    await h.slack.waitFor(failedCall(h, 'chat.postMessage', 'service_unavailable'), 'the first message failing');
    await h.driver.event(first === 'message' ? upload.fileShared : upload.message);
    await expectOneJob(h, upload, submitted, 15);
  });

  it('both deliveries at once with the first chat.postMessage failing: exactly one job', async () => {
    h = await startSlackApp({ app: { fileSharedGraceMs: 0 } });
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'both.csv', content: recordsToCsv(makeQuoteRecords(10, 10)) });
    h.slack.injectNext('chat.postMessage', 'service_unavailable');
    h.slack.fileNotFoundNext(upload.file.id, 1);
    const submitted = h.nextJob();
    await Promise.all([h.driver.event(upload.fileShared), h.driver.event(upload.message)]);
    await expectOneJob(h, upload, submitted, 10);
  });

  it('a claim left without a job by a process that stopped is taken over by the next delivery', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'orphan.csv', content: recordsToCsv(makeQuoteRecords(8, 11)) });
    // The process that claimed the file two minutes ago died before it recorded a job.
    const died = await JobStore.open(h.env.QUOTE_SYNC_DB!, { now: () => new Date(Date.now() - 120_000) });
    expect(await died.triggers.claim(claimKey(upload))).toBe(true);
    await died.close();
    const submitted = h.nextJob();
    await h.driver.event(upload.message);
    await expectOneJob(h, upload, submitted, 8);
  });

  it('a file gone before it could be read is told once, privately, and starts nothing', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'deleted.csv', content: recordsToCsv(makeQuoteRecords(3, 12)) });
    h.slack.files.delete(upload.file.id);
    await h.driver.event(upload.fileShared);
    await h.slack.waitFor(() => h!.slack.ephemerals.length > 0, 'the notice');
    expect(h.slack.ephemerals).toEqual([
      {
        channel: CHANNEL,
        user: USER,
        text: 'I could not find the file you just shared in Slack (was it deleted?), so it was not synced. Upload it again to sync it.',
      },
    ]);
    expect(h.slack.calls.filter((c) => c.method === 'files.info')).toHaveLength(4);
    expect(await h.app.context.store.jobs.list()).toEqual([]);
    // The claim stays (no job, not given back): a later delivery of this upload stops at it.
    expect(await h.app.context.store.triggers.get(claimKey(upload))).toEqual({ key: claimKey(upload), claimedAt: expect.any(String) });
  });
});
