/**
 * Claims left behind by a process killed mid-way, the app running as processes (`commands/main.ts`,
 * HTTP mode) against the local Slack and Notion.
 *
 * An upload claimed by a process killed before its job existed, with no redelivery from Slack: the
 * local Slack holds the files.info call the claimant makes right after its claim, so the kill lands
 * between the claim and the job. The other replica (PostgreSQL store), or the same app started
 * again (SQLite file), takes the claim over from the event kept with it and runs the job in the
 * file's thread, once.
 *
 * A replica killed between Notion creating the database and recording it: the local Notion applies
 * `POST /v1/databases` and holds its answer. The other replica resumes the job, takes the creation
 * claim over and adopts that database: one database under the page, every quote in it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuotes } from '../../src/quotes/parse/index.js';
import { JobStore } from '../../src/store/index.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { startSlackServer, type LocalSlack, type UserUpload } from '../fakes/local-slack.js';
import { startAppProcess, type AppProcess, killAppProcesses } from '../support/app-process.js';
import { exited, until } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, SIGNING_SECRET, USER } from '../support/slack-app.js';

const QUOTES = 40;
const TAKEN_UP = 'taking up an upload whose claim was left without a job';

let notion: LocalNotion | undefined;
let slack: LocalSlack | undefined;
const apps: AppProcess[] = [];
afterEach(async () => {
  await killAppProcesses(apps);
  await notion?.close();
  await slack?.close();
  notion = slack = undefined;
});

async function servers(seed: number): Promise<{ notion: LocalNotion; slack: LocalSlack }> {
  notion = await startNotionServer({ seed });
  slack = await startSlackServer();
  return { notion, slack };
}

function appEnv(store: string, extra: Record<string, string>): Record<string, string> {
  return fastEnv(notion!, store, {
    SLACK_BOT_TOKEN: slack!.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack!.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  });
}

async function start(name: string, env: Record<string, string>): Promise<AppProcess> {
  const app = await startAppProcess(name, env, slack!);
  apps.push(app);
  return app;
}

/** A person uploads a CSV whose message event carries only a stub of the file: the app asks files.info after claiming it. */
function stubUpload(seed: number): { upload: UserUpload; ids: Set<string> } {
  const csv = recordsToCsv(makeQuoteRecords(QUOTES, seed));
  const upload = slack!.userUpload({ channel: CHANNEL, user: USER, name: 'left.csv', content: csv, stubInEvent: true });
  return { upload, ids: new Set(parseQuotes(csv, { filename: 'left.csv' }).quotes.map((q) => q.quote.id)) };
}

/** `app` gets the upload's one delivery, claims the file, and is killed while files.info is held. */
async function claimAndKill(app: AppProcess, upload: UserUpload): Promise<void> {
  const held = slack!.holdNext('files.info');
  await app.driver.event(upload.message);
  await held.reached;
  app.child.kill('SIGKILL');
  await exited(app.child);
  held.release();
}

async function expectOneJobInThread(upload: UserUpload, ids: Set<string>, store: string, lines: () => Record<string, unknown>[]): Promise<void> {
  const thread = () => slack!.thread(CHANNEL, upload.message.ts);
  await slack!.waitFor(() => thread().some((m) => m.text.includes(':white_check_mark: Done.')), 'the job done in the upload thread', 60_000);
  // The upload's message and the job's, nothing else: no second "Reading…", no "already being synced".
  expect(thread()).toHaveLength(2);
  expect(thread()[1]!.text).toContain(`:white_check_mark: Done. ${QUOTES} written`);
  expect(lines().filter((l) => l.msg === 'job created')).toHaveLength(1);
  const [databaseId] = notion!.databaseIds();
  const written = notion!.propertyTexts(notion!.dataSourceOf(databaseId!), 'Quote ID');
  expect(multiplicity(written).duplicates).toEqual([]);
  expect(new Set(written)).toEqual(ids);
  const reader = await JobStore.open(store);
  try {
    const [job] = await reader.jobs.list();
    expect((await reader.triggers.get(`slack-file:${CHANNEL}:${upload.file.id}`))?.jobId).toBe(job!.id);
  } finally {
    await reader.close();
  }
}

describe.skipIf(!postgresAvailable())('an upload claimed by a replica killed before its job existed (PostgreSQL)', () => {
  it('the other replica takes the claim over in its search for left-behind work, and runs the job once in the file thread', { timeout: 90_000 }, async () => {
    await servers(61);
    const store = await freshPostgresDatabase();
    // Left-behind work is looked for every 0.5 s (a third of the lease); a claim is stale after 1 s.
    const env = appEnv(store, { JOB_LEASE_MS: '1500', UPLOAD_CLAIM_TAKEOVER_MS: '1000' });
    const [one, two] = await Promise.all([start('one', env), start('two', env)]);
    const { upload, ids } = stubUpload(61);
    await claimAndKill(one, upload);
    await expectOneJobInThread(upload, ids, store, () => [...one.lines, ...two.lines]);
    expect(two.lines.filter((l) => l.msg === TAKEN_UP)).toHaveLength(1);
    expect(one.lines.some((l) => l.msg === 'job created')).toBe(false);
  });
});

describe('an upload claimed by an app killed before its job existed (SQLite)', () => {
  it('the next start takes the claim over and runs the job once in the file thread', { timeout: 90_000 }, async () => {
    await servers(62);
    const store = tempDbPath();
    // The timer's search comes only after minutes: what is taken up here, the start took up.
    const env = appEnv(store, { JOB_LEASE_MS: '600000', UPLOAD_CLAIM_TAKEOVER_MS: '1' });
    const first = await start('first', env);
    const { upload, ids } = stubUpload(62);
    await claimAndKill(first, upload);
    const again = await start('again', env);
    const takenUp = again.lines.findIndex((l) => l.msg === TAKEN_UP);
    expect(takenUp).toBeGreaterThanOrEqual(0);
    expect(takenUp).toBeLessThan(again.lines.findIndex((l) => l.msg === 'quote sync is running'));
    await expectOneJobInThread(upload, ids, store, () => [...first.lines, ...again.lines]);
  });
});

describe.skipIf(!postgresAvailable())('a replica killed between database creation and recording (PostgreSQL)', () => {
  it('the other replica resumes the job and adopts the database: one under the page, every quote in it once', { timeout: 90_000 }, async () => {
    await servers(63);
    const store = await freshPostgresDatabase();
    // The held answer never times out while the test kills the replica; the creation claim is stale after 1 s.
    const env = appEnv(store, { JOB_LEASE_MS: '1500', NOTION_TIMEOUT_MS: '30000', NOTION_CREATE_CLAIM_TAKEOVER_MS: '1000' });
    const [one, two] = await Promise.all([start('one', env), start('two', env)]);
    const csv = recordsToCsv(makeQuoteRecords(QUOTES, 63));
    const ids = new Set(parseQuotes(csv, { filename: 'made.csv' }).quotes.map((q) => q.quote.id));
    const upload = slack!.userUpload({ channel: CHANNEL, user: USER, name: 'made.csv', content: csv });
    notion!.injectNext('POST /v1/databases', 'hang');
    await one.driver.event(upload.message);
    await until(() => notion!.requests.some((r) => r.route === 'POST /v1/databases' && r.applied), 30_000);
    one.child.kill('SIGKILL');
    await exited(one.child);

    const thread = () => slack!.thread(CHANNEL, upload.message.ts);
    await slack!.waitFor(() => thread().some((m) => m.text.includes(':white_check_mark: Done.')), 'the job done in the upload thread', 60_000);
    expect(two.lines.some((l) => l.msg === 'resuming a job no one holds')).toBe(true);
    const [databaseId] = notion!.databaseIds();
    expect(notion!.databaseIds()).toEqual([databaseId]);
    expect(notion!.requests.filter((r) => r.route === 'POST /v1/databases')).toHaveLength(1);
    const written = notion!.propertyTexts(notion!.dataSourceOf(databaseId!), 'Quote ID');
    expect(multiplicity(written).duplicates).toEqual([]);
    expect(new Set(written)).toEqual(ids);
  });
});
