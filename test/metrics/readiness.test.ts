/**
 * `/readyz` of the real app, apart from `/healthz`: 503 naming what is not ready while the job
 * store does not answer (a PostgreSQL server stopped) and, in Socket Mode, until the connection
 * to Slack is open (before Slack's `hello`, and after the connection dropped, until it is back);
 * 200 otherwise.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { register, routes } from '../../commands/index.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startApp, type RunningApp } from '../../src/slack/app/app.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { startSlackServer, type LocalSlack } from '../fakes/local-slack.js';
import { fastEnv, tempDbPath } from '../support/harness.js';
import { postgresAvailable } from '../support/postgres.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { CHANNEL, SlackDriver, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
let server: PostgresServer | undefined;
let socketApp: { app: Promise<RunningApp>; notion: LocalNotion; slack: LocalSlack } | undefined;
afterEach(async () => {
  await h?.close();
  await server?.stop();
  if (socketApp) {
    await (await socketApp.app.catch(() => undefined))?.stop();
    await socketApp.slack.close();
    await socketApp.notion.close();
  }
  h = server = socketApp = undefined;
});

async function probe(appUrl: string, path = '/readyz'): Promise<{ status: number; body: { ok: boolean; notReady?: { check: string; reason: string }[] } }> {
  const res = await fetch(`${appUrl}${path}`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; notReady?: { check: string; reason: string }[] } };
}

/** A port free a moment ago: Socket Mode's HTTP server must be reached before the app says where it listens. */
async function freePort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return port;
}

describe('/readyz', () => {
  it('is 200 in HTTP mode with the store answering, as /healthz is', async () => {
    h = await startSlackApp();
    expect(await probe(h.driver.appUrl)).toEqual({ status: 200, body: { ok: true } });
    expect((await probe(h.driver.appUrl, '/healthz')).status).toBe(200);
  });

  it.skipIf(!postgresAvailable())('is 503 naming the store while the store does not answer; /healthz stays 200', async () => {
    server = await startPostgres();
    h = await startSlackApp({ dbPath: await server.createDatabase() });
    expect(await probe(h.driver.appUrl)).toEqual({ status: 200, body: { ok: true } });
    await server.stop();
    const down = await probe(h.driver.appUrl);
    expect(down.status).toBe(503);
    expect(down.body.ok).toBe(false);
    expect(down.body.notReady).toEqual([{ check: 'store', reason: expect.stringMatching(/^The job store does not answer \(.+\): check that its database \(QUOTE_SYNC_DB\) is up and reachable\.$/) }]);
    expect(down.body.notReady![0]!.reason).not.toContain('postgres://');
    expect((await probe(h.driver.appUrl, '/healthz')).status).toBe(200);
  });

  it('in Socket Mode, is 503 until Slack greets the connection, 200 once it is open, 503 again while it reconnects', async () => {
    const notion = await startNotionServer({ seed: 1 });
    const slack = await startSlackServer({ channels: [CHANNEL] });
    const port = await freePort();
    const env = {
      ...fastEnv(notion, tempDbPath()),
      SLACK_BOT_TOKEN: slack.token,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
    };
    const hello = slack.holdHello();
    socketApp = { app: startApp({ config: loadConfig(env), logger: silentLogger, register, routes }), notion, slack };
    const appUrl = `http://127.0.0.1:${port}`;
    await hello.reached;
    const connecting = await probe(appUrl);
    expect(connecting.status).toBe(503);
    expect(connecting.body.notReady).toEqual([{ check: 'slack_socket', reason: expect.stringContaining('The Socket Mode connection to Slack is not open') }]);

    hello.release();
    await socketApp.app;
    expect(await probe(appUrl)).toEqual({ status: 200, body: { ok: true } });

    // The connection drops: the app opens another (after the Socket Mode client's pause), greeted when the test lets it.
    const again = slack.holdHello();
    slack.dropSockets();
    await again.reached;
    expect((await probe(appUrl)).body.notReady?.map((n) => n.check)).toEqual(['slack_socket']);
    again.release();
    await slack.socketConnected();
    // Slack's envelopes come after its hello on the same socket: once one is acked, the app has seen the hello.
    await slack.deliverOverSocket('slash_commands', new SlackDriver(appUrl, slack).commandFields('help'));
    expect(await probe(appUrl)).toEqual({ status: 200, body: { ok: true } });
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(2);
  });
});
