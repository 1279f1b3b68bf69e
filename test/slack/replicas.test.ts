/**
 * Two instances of the Slack app on one store (SQLite and PostgreSQL), in one process: what one
 * replica is asked about a job the other runs; and replicas in Socket Mode, where each instance
 * opens a connection of its own and Slack hands each envelope to one of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { register, routes } from '../../commands/index.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startApp, type AppOptions, type RunningApp } from '../../src/slack/app/app.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, SlackDriver, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';
import { storeBackends } from '../support/store.js';

let h: SlackAppHarness | undefined;
let other: RunningApp | undefined;
afterEach(async () => {
  await other?.stop();
  await h?.close();
  h = other = undefined;
});

/** A second instance of the harness's app, on the same store and settings. */
async function secondInstance(harness: SlackAppHarness, options: Partial<AppOptions> = {}): Promise<RunningApp> {
  other = await startApp({ config: loadConfig(harness.env), logger: silentLogger, register, routes, updateIntervalMs: 0, ...options });
  return other;
}

describe.each(storeBackends())('two app instances on one $name store', ({ fresh }) => {
  it('a cancel asked on one stops the job the other runs, within a third of the lease; the job ends cancelled, as if cancelled where it runs', async () => {
    const lease = { leaseTtlMs: 600 };
    h = await startSlackApp({ dbPath: await fresh(), notion: { rateLimit: { requestsPerSecond: 40 } }, env: { NOTION_REQUESTS_PER_SECOND: '40' }, app: lease });
    const harness = h;
    const otherDriver = new SlackDriver(`http://127.0.0.1:${(await secondInstance(harness, lease)).port}`, harness.slack);
    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'long.csv', content: recordsToCsv(makeQuoteRecords(200, 91)) });
    const submitted = harness.nextJob();
    await harness.driver.event(upload.message);
    const job = await submitted;
    await harness.slack.waitFor(() => /\(\d{2}\/200\)/.test(harness.slack.thread(CHANNEL, upload.message.ts)[1]?.text ?? ''), 'some progress');

    const ack = await otherDriver.command(`cancel ${job.id}`, { user: 'U0BOB' });
    expect(ack.reply().text).toMatch(new RegExp(`^Cancelling job \`${job.id}\`: another instance of the app runs it and stops it within 1 s`));
    const report = await harness.app.context.jobs.finished(job.id);
    expect(report?.state).toBe('cancelled');
    expect(report!.written).toBeLessThan(200);
    expect((await harness.app.context.store.jobs.get(job.id))?.state).toBe('cancelled');
    // The cancel reads in the thread as one asked where the job runs; the store keeps who asked.
    await harness.slack.waitFor(() => harness.slack.thread(CHANNEL, upload.message.ts).some((m) => m.text.includes(':no_entry_sign: Cancelled.')), 'the cancel in the thread');
    expect((await harness.app.context.store.jobs.get(job.id))?.error).toBe('Cancelled by <@U0BOB>.');
  });

  it('in Socket Mode, get an upload\'s two events one each and make one job; the other replica answers for it', async () => {
    const socket = { SLACK_APP_TOKEN: 'xapp-1-A0LOCAL-local-test-token', SLACK_SIGNING_SECRET: '' };
    h = await startSlackApp({ dbPath: await fresh(), env: socket, app: { fileSharedGraceMs: 30 } });
    const harness = h;
    await secondInstance(harness, { fileSharedGraceMs: 30 });
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
    // The second delivery stopped at the claim: no message of its own, not even "already being synced".
    expect(harness.slack.messages.filter((m) => m.text.includes('already being synced'))).toEqual([]);
    expect(harness.slack.messages.filter((m) => m.text.includes('writing 12 quote(s)'))).toHaveLength(1);

    const status = await harness.slack.deliverOverSocket('slash_commands', harness.driver.commandFields(`status ${jobs[0]!.id}`), { connection: 1 });
    expect(status.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining(jobs[0]!.id) });
  });
});
