/**
 * The app's PostgreSQL store goes away in the middle of a job: the job's thread says so in a
 * sentence, with the way forward, and the app stays up (no unhandled rejection takes it down).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { postgresAvailable } from '../support/postgres.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
let server: PostgresServer | undefined;
afterEach(async () => {
  await h?.close();
  await server?.stop();
  h = server = undefined;
});

describe.skipIf(!postgresAvailable())('the store going away mid-job', () => {
  it('is told in the job\'s thread, and the app goes on answering', async () => {
    server = await startPostgres();
    const store = server;
    h = await startSlackApp({ dbPath: await store.createDatabase(), notion: { rateLimit: { requestsPerSecond: 60 } }, env: { NOTION_REQUESTS_PER_SECOND: '60' } });
    const harness = h;
    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'outage.csv', content: recordsToCsv(makeQuoteRecords(150, 95)) });
    await harness.driver.event(upload.message);
    await harness.slack.waitFor(() => /\(\d{2}\/150\)/.test(harness.slack.thread(CHANNEL, upload.message.ts)[1]?.text ?? ''), 'some progress');
    await store.stop();
    const thread = () => harness.slack.thread(CHANNEL, upload.message.ts);
    await harness.slack.waitFor(() => thread().some((m) => m.text.includes(':x: The job store stopped answering')), 'the outage in the thread');
    const said = thread().find((m) => m.text.includes(':x: The job store stopped answering'))!.text;
    expect(said).toMatch(/Resume the job once the store answers again\. The job is kept: `\/sync-quotes retry [0-9a-f]{10}` goes on from where it stopped\.$/);
    expect(said).not.toMatch(/ {4}at /);
    const health = await fetch(`${harness.driver.appUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
