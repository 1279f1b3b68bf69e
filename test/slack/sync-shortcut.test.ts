/**
 * The message shortcut "Sync to Notion": for a file shared before the bot was in the channel (no
 * upload event ever reached the app), or shared again on purpose. The job runs in the file's
 * thread, once, as an upload's would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { multiplicity } from '../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, startSlackApp, USER, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function pageIds(harness: SlackAppHarness): string[] {
  return harness.notion.databaseIds().flatMap((id) => harness.notion.propertyTexts(harness.notion.dataSourceOf(id), 'Quote ID'));
}

describe('the Sync to Notion shortcut', () => {
  it('syncs the file of a message no upload event announced, in its thread, once however often it is run', async () => {
    h = await startSlackApp();
    // Shared before the bot was invited: the app never heard of it.
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'old-batch.csv', content: recordsToCsv(makeQuoteRecords(15, 81)) });
    const submitted = h.nextJob();
    const ack = await h.driver.messageShortcut(upload.message, 'sync_to_notion');
    expect(ack.status).toBe(200);
    const job = await submitted;
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 15 });
    expect(h.slack.thread(CHANNEL, upload.message.ts)[1]!.text).toContain(':white_check_mark: Done. 15 written');

    // Run again on the same message: the file's claim holds; nothing new starts.
    await h.driver.messageShortcut(upload.message, 'sync_to_notion');
    await h.driver.event(upload.message);
    expect(await h.app.context.store.jobs.list()).toHaveLength(1);
    expect(multiplicity(pageIds(h)).duplicates).toEqual([]);
    expect(pageIds(h)).toHaveLength(15);
  });

  it('says privately that a message without a CSV or JSON file has nothing to sync', async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'photo.png', content: 'not quotes', mimetype: 'image/png' });
    const ack = await h.driver.messageShortcut(upload.message, 'sync_to_notion');
    const answer = await h.slack.commandResponse(ack.responseId);
    expect(answer).toMatchObject({ response_type: 'ephemeral', text: 'That message carries no CSV or JSON file to sync.' });
    expect(await h.app.context.store.jobs.list()).toEqual([]);
  });
});
