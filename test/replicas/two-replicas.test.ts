/**
 * Two replicas of the app, as an operator runs them behind a load balancer: two processes
 * (`commands/main.ts`, HTTP mode) on one PostgreSQL store, against the local Slack and Notion.
 * Two uploads; Slack's two events for each reach different replicas. The replica running the
 * first job is killed (SIGKILL) mid-job; the other finishes its own job and the orphaned one, in
 * the orphan's own thread. Every quote of both batches is in Notion once, in one database, and
 * the two replicas together keep within Notion's budget although each is set to all of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuotes } from '../../src/quotes/parse/index.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { startSlackServer, type LocalSlack } from '../fakes/local-slack.js';
import { exited } from '../support/cli.js';
import { fastEnv, multiplicity } from '../support/harness.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { startAppProcess, type AppProcess, killAppProcesses } from '../support/app-process.js';
import { CHANNEL, SIGNING_SECRET, USER } from '../support/slack-app.js';


/** Notion's per-connection budget, scaled: 60 requests per 0.5 s window (an exact Retry-After). */
const BUDGET = 60;
const WINDOW_S = 0.5;
const QUOTES = 300;
const KILL_AT = 120;
const LEASE_MS = 1500;

type Replica = AppProcess;

/** What the replicas logged (warnings and up, and their job lines), for a failure's message. */
function logsOf(): string {
  return replicas
    .flatMap((r) => r.lines.filter((l) => Number(l.level) >= 40 || typeof l.jobId === 'string').map((l) => `${r.name}: ${JSON.stringify(l)}`))
    .slice(-40)
    .join('\n');
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logsOf()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let notion: LocalNotion | undefined;
let slack: LocalSlack | undefined;
const replicas: Replica[] = [];
afterEach(async () => {
  await killAppProcesses(replicas);
  await notion?.close();
  await slack?.close();
  notion = slack = undefined;
});

/** The local Notion and Slack, and two replicas on a new PostgreSQL database, each set to Notion's whole budget. */
async function startReplicas(seed: number): Promise<[Replica, Replica]> {
  notion = await startNotionServer({ seed, rateLimit: { model: 'window', requests: BUDGET, windowSeconds: WINDOW_S, retryAfter: 'exact' } });
  slack = await startSlackServer();
  const store = await freshPostgresDatabase();
  // Each replica is set to the whole budget's pace: only the shared ledger keeps the two within it.
  const env = fastEnv(notion, store, {
    NOTION_REQUESTS_PER_SECOND: String(BUDGET / WINDOW_S),
    NOTION_RATE_WINDOW_MS: String(WINDOW_S * 1000),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    JOB_LEASE_MS: String(LEASE_MS),
  });
  const started = await Promise.all([startAppProcess('one', env, slack), startAppProcess('two', env, slack)]);
  replicas.push(...started);
  return started as [Replica, Replica];
}

/** The Quote IDs in the (one) database that belong to `ids`. */
function writtenOf(ids: Set<string>): string[] {
  const [databaseId] = notion!.databaseIds();
  if (!databaseId) return [];
  return notion!.propertyTexts(notion!.dataSourceOf(databaseId), 'Quote ID').filter((id) => ids.has(id));
}

function idsOf(csv: string): Set<string> {
  return new Set(parseQuotes(csv, { filename: 'q.csv' }).quotes.map((q) => q.quote.id));
}

describe.skipIf(!postgresAvailable())('two replicas on one PostgreSQL store', () => {
  it('the survivor of a SIGKILL finishes the orphaned job in its thread: every quote once, one database, a handful of 429s', { timeout: 150_000 }, async () => {
    const [one, two] = await startReplicas(71);

    const csvA = recordsToCsv(makeQuoteRecords(QUOTES, 71));
    const csvB = recordsToCsv(makeQuoteRecords(QUOTES, 72));
    const idsA = idsOf(csvA);
    const idsB = idsOf(csvB);
    const uploadA = slack!.userUpload({ channel: CHANNEL, user: USER, name: 'a.csv', content: csvA });
    const uploadB = slack!.userUpload({ channel: CHANNEL, user: USER, name: 'b.csv', content: csvB });
    // The load balancer spreads Slack's deliveries: each upload's message event to one replica, its file_shared to the other.
    await one.driver.event(uploadA.message);
    await two.driver.event(uploadB.message);
    await Promise.all([two.driver.event(uploadA.fileShared), one.driver.event(uploadB.fileShared)]);

    const written = writtenOf;
    await until(() => written(idsA).length >= KILL_AT, `${KILL_AT} quotes of the first upload`, 40_000);
    one.child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited(one.child);

    const threadA = () => slack!.thread(CHANNEL, uploadA.message.ts);
    const threadB = () => slack!.thread(CHANNEL, uploadB.message.ts);
    const done = (thread: () => { text: string }[]) => thread().some((m) => m.text.includes(':white_check_mark: Done.'));
    await until(() => done(threadA) && done(threadB), `both jobs done (A: ${threadA().map((m) => m.text).join(' | ')})`, 90_000);

    const takenOver = two.lines.find((l) => l.msg === 'resuming a job no one holds');
    expect(takenOver).toBeDefined();
    const takeoverMs = Number(takenOver!.time) - killedAt;
    const ids = written(new Set([...idsA, ...idsB]));
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(new Set(ids)).toEqual(new Set([...idsA, ...idsB]));
    expect(notion!.databaseIds()).toHaveLength(1);
    // Four deliveries, two uploads: two jobs, one per upload, whichever replica each event reached.
    expect([...one.lines, ...two.lines].filter((l) => l.msg === 'job created')).toHaveLength(2);
    // The second delivery of each upload stopped at its claim, before any message of its own.
    expect(slack!.messages.filter((m) => m.text.includes('already being synced'))).toEqual([]);
    // Each job kept to its own thread: the orphan's ends in the thread of its upload, told by the survivor.
    expect(threadA().some((m) => /resuming, writing \d+ quote\(s\)/.test(m.text))).toBe(true);
    // B's, too, when the killed replica had taken B up as well (its file_shared won the claim): then B waited there, and was resumed.
    const createdOnKilled = one.lines.filter((l) => l.msg === 'job created').length;
    expect(threadB().some((m) => m.text.includes('resuming'))).toBe(createdOnKilled === 2);
    const refused = notion!.rateLimited().connection;
    const requests = notion!.stats().total;
    expect(refused).toBeLessThanOrEqual(2);
    console.info(
      `two replicas: take-over ${takeoverMs} ms after SIGKILL (lease ${LEASE_MS} ms), ${refused} rate-limit answer(s), ` +
        `${requests} requests for ${2 * QUOTES} quotes (${(requests / (2 * QUOTES)).toFixed(3)} per quote)`,
    );
    two.child.kill('SIGTERM');
    expect((await exited(two.child)).code).toBe(0);
  });

  it('a replica that stalls past its lease (SIGSTOP) loses its job to the other, which waits out the lease; woken, it writes nothing more', { timeout: 150_000 }, async () => {
    const [one, two] = await startReplicas(73);
    const csv = recordsToCsv(makeQuoteRecords(QUOTES, 73));
    const ids = idsOf(csv);
    const upload = slack!.userUpload({ channel: CHANNEL, user: USER, name: 'stalled.csv', content: csv });
    await one.driver.event(upload.message);
    await until(() => writtenOf(ids).length >= 60, '60 quotes written');
    // A stopped process still exists: only its lease running out hands the job over, as for a replica on another host.
    one.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await until(() => two.lines.some((l) => l.msg === 'resuming a job no one holds'), 'the take-over', 30_000);
    const takeoverMs = Number(two.lines.find((l) => l.msg === 'resuming a job no one holds')!.time) - stoppedAt;
    // The lease runs from its last renewal, which came up to a third of the lease before the SIGSTOP.
    expect(takeoverMs).toBeGreaterThanOrEqual((LEASE_MS * 2) / 3);
    one.child.kill('SIGCONT');
    const thread = () => slack!.thread(CHANNEL, upload.message.ts);
    await until(() => thread().some((m) => m.text.includes(':white_check_mark: Done.')), 'the job done', 90_000);
    await until(() => one.lines.some((l) => l.msg === 'the job went to another replica'), 'the stalled replica to stand down', 30_000);
    const written = writtenOf(ids);
    expect(multiplicity(written).duplicates).toEqual([]);
    expect(new Set(written)).toEqual(ids);
    // Only the holder speaks in the thread: no message of the stalled replica says the job stopped.
    expect(thread().some((m) => /:x:|Stopped before the end/.test(m.text))).toBe(false);
    console.info(`stalled replica: take-over ${takeoverMs} ms after SIGSTOP (lease ${LEASE_MS} ms); woken, it stood down, 0 duplicates`);
  });
});
