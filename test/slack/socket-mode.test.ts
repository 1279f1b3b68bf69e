/**
 * Socket Mode (SLACK_APP_TOKEN set): the app opens a connection with apps.connections.open, is
 * greeted with `hello`, and receives slash commands and events as envelopes it acknowledges on
 * the socket. No HTTP request from Slack reaches it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Socket Mode', () => {
  it('acks a slash command on the socket with its reply, and runs an upload delivered as an events_api envelope', async () => {
    h = await startSlackApp({ env: { SLACK_APP_TOKEN: 'xapp-1-A0LOCAL-local-test-token', SLACK_SIGNING_SECRET: '' } });
    await h.slack.socketConnected();
    expect(h.slack.calls.filter((c) => c.method === 'apps.connections.open').map((c) => c.error)).toEqual([undefined]);

    const help = await h.slack.deliverOverSocket('slash_commands', h.driver.commandFields('help'));
    expect(help.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('*/sync-quotes* moves quotes into Notion') });

    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'socket.csv', content: recordsToCsv(makeQuoteRecords(8, 71)) });
    const submitted = h.nextJob();
    const acks = await Promise.all([
      h.slack.deliverOverSocket('events_api', h.driver.eventEnvelope(upload.message)),
      h.slack.deliverOverSocket('events_api', h.driver.eventEnvelope(upload.fileShared)),
    ]);
    expect(acks.map((a) => a.ms).every((ms) => ms < 3000)).toBe(true);
    const job = await submitted;
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 8 });
    expect(h.slack.thread(CHANNEL, upload.message.ts)[1]!.text).toContain(':white_check_mark: Done. 8 written');
    expect(await h.app.context.store.jobs.list()).toHaveLength(1);
  });
});
