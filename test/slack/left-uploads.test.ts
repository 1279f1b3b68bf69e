/**
 * An upload whose claim a stopped process left without a job is taken up again from the event kept
 * with the claim, with no redelivery from Slack: by the search for left-behind work (at start and
 * on the timer), in the file's thread, once. The real Bolt app, the local Slack and Notion; the
 * kept event's reading as a pure function.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readKeptUpload, uploadEvent, type Upload } from '../../commands/left-uploads.js';
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

const claimKey = (upload: UserUpload) => `slack-file:${CHANNEL}:${upload.file.id}`;

/** What the upload's delivery knew: the message event's (file and thread), or file_shared's (the file's id only). */
function delivered(harness: SlackAppHarness, upload: UserUpload, from: 'message' | 'fileShared'): Upload {
  return from === 'message'
    ? { channel: CHANNEL, user: USER, file: upload.file, threadTs: upload.message.ts, botUserId: harness.slack.botUserId }
    : { channel: CHANNEL, user: USER, file: { id: upload.file.id }, botUserId: harness.slack.botUserId };
}

/** A process claimed the upload `agoMs` ago, keeping what its delivery said, and died before the job existed. */
async function claimedAndDied(harness: SlackAppHarness, upload: UserUpload, kept: Upload, agoMs: number): Promise<void> {
  const died = await JobStore.open(harness.env.QUOTE_SYNC_DB!, { now: () => new Date(Date.now() - agoMs) });
  expect(await died.triggers.claim(claimKey(upload), { event: uploadEvent(kept) })).toBe(true);
  await died.close();
}

describe('the event kept with an upload claim', () => {
  it('reads back what the delivery said, and nothing it did not', () => {
    const upload: Upload = {
      channel: 'C1',
      user: 'U1',
      file: { id: 'F1', name: 'q.csv', filetype: 'csv', size: 10, url_private_download: 'https://files.slack.com/x' },
      threadTs: '1.2',
      botUserId: 'UBOT',
      update: true,
    };
    expect(readKeptUpload(JSON.parse(JSON.stringify(uploadEvent(upload).payload)))).toEqual(upload);
    const bare: Upload = { channel: 'C1', user: undefined, file: { id: 'F2' }, botUserId: undefined };
    expect(readKeptUpload(JSON.parse(JSON.stringify(bare)))).toEqual(bare);
    expect(readKeptUpload({ ...upload, file: { ...upload.file, pretty_type: 'CSV' } })).toEqual(upload);
  });

  it.each([null, 'F1', { channel: 'C1' }, { channel: 'C1', file: { id: 7 } }])('is none when it is not an upload: %j', (payload) => {
    expect(readKeptUpload(payload)).toBeUndefined();
  });
});

describe('an upload claim left without a job', () => {
  it.each(['message', 'fileShared'] as const)(
    'claimed from its %s event: the next search for left-behind work starts its job in the file thread, once',
    async (from) => {
      h = await startSlackApp();
      const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'left.csv', content: recordsToCsv(makeQuoteRecords(9, 51)) });
      await claimedAndDied(h, upload, delivered(h, upload, from), 120_000);
      const submitted = h.nextJob();
      // A second search while one runs shares it: one job.
      await Promise.all([h.app.context.jobs.resumeUnfinished({ onlyOrphans: true }), h.app.context.jobs.resumeUnfinished({ onlyOrphans: true })]);
      const job = await submitted;
      expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 9 });
      expect((await h.app.context.store.triggers.get(claimKey(upload)))?.jobId).toBe(job.id);
      const thread = h.slack.thread(CHANNEL, upload.message.ts);
      expect(thread).toHaveLength(2);
      expect(thread[1]!.text).toContain(':white_check_mark: Done. 9 written');
      const [databaseId] = h.notion.databaseIds();
      const ids = h.notion.propertyTexts(h.notion.dataSourceOf(databaseId!), 'Quote ID');
      expect(ids).toHaveLength(9);
      expect(multiplicity(ids).duplicates).toEqual([]);
      expect(h.slack.downloads).toEqual([{ fileId: upload.file.id, authorized: true }]);
      // Bound: the next search leaves it alone.
      expect(await h.app.context.store.triggers.leftUnbound('slack-upload', 0)).toEqual([]);
      await h.app.context.jobs.resumeUnfinished();
      expect(await h.app.context.store.jobs.list()).toHaveLength(1);
    },
  );

  it('is left to its claimant until the take-over timeout; settled without a job (not a quotes file), it is not taken up again', async () => {
    h = await startSlackApp({ env: { UPLOAD_CLAIM_TAKEOVER_MS: '600000' } });
    const fresh = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'busy.csv', content: recordsToCsv(makeQuoteRecords(3, 52)) });
    await claimedAndDied(h, fresh, delivered(h, fresh, 'message'), 120_000);
    await h.app.context.jobs.resumeUnfinished();
    expect(h.slack.thread(CHANNEL, fresh.message.ts)).toHaveLength(1);
    await h.close();

    h = await startSlackApp();
    const sheet = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'quotes.xlsx', content: 'PK' });
    await claimedAndDied(h, sheet, delivered(h, sheet, 'message'), 120_000);
    await h.app.context.jobs.resumeUnfinished();
    const asked = h.slack.thread(CHANNEL, sheet.message.ts);
    expect(asked.map((m) => m.text)).toEqual(['', expect.stringContaining('I can only read quotes from a CSV or JSON file')]);
    await h.app.context.jobs.resumeUnfinished();
    expect(h.slack.thread(CHANNEL, sheet.message.ts)).toHaveLength(2);
    expect(await h.app.context.store.jobs.list()).toEqual([]);
  });
});
