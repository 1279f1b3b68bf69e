/**
 * Replicas in Socket Mode: each instance of the app opens a connection of its own, and Slack
 * hands each envelope to one of them. An upload's two events land on different replicas and
 * make one job; a command reaching the other replica answers about it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { register, routes } from '../../commands/index.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startApp, type RunningApp } from '../../src/slack/app.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';
import { storeBackends } from '../support/store.js';

let h: SlackAppHarness | undefined;
let other: RunningApp | undefined;
afterEach(async () => {
  await other?.stop();
  await h?.close();
  h = other = undefined;
});

describe.each(storeBackends())('two Socket Mode replicas on one $name store', ({ fresh }) => {
  it('get an upload\'s two events one each and make one job; the other replica answers for it', async () => {
    const socket = { SLACK_APP_TOKEN: 'xapp-1-A0LOCAL-local-test-token', SLACK_SIGNING_SECRET: '' };
    h = await startSlackApp({ dbPath: await fresh(), env: socket, app: { fileSharedGraceMs: 30 } });
    const harness = h;
    other = await startApp({ config: loadConfig(harness.env), logger: silentLogger, register, routes, updateIntervalMs: 0, fileSharedGraceMs: 30 });
    await harness.slack.socketConnected(2);
    expect(harness.slack.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(2);

    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'socket.csv', content: recordsToCsv(makeQuoteRecords(12, 93)) });
    const acks = await Promise.all([
      harness.slack.deliverOverSocket('events_api', harness.driver.eventEnvelope(upload.message), { connection: 0 }),
      harness.slack.deliverOverSocket('events_api', harness.driver.eventEnvelope(upload.fileShared), { connection: 1 }),
    ]);
    expect(acks.every((a) => a.ms < 3000)).toBe(true);
    await harness.slack.waitFor(() => harness.slack.thread(CHANNEL, upload.message.ts).some((m) => m.text.includes(':white_check_mark: Done. 12 written')), 'the job done');
    const jobs = await harness.app.context.store.jobs.list();
    expect(jobs).toHaveLength(1);

    const status = await harness.slack.deliverOverSocket('slash_commands', harness.driver.commandFields(`status ${jobs[0]!.id}`), { connection: 1 });
    expect(status.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(jobs[0]!.id) });
  });
});
