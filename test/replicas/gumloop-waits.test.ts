/**
 * Gumloop through the app as people run it, processes of their own (`commands/main.ts`), against
 * the local Slack, Notion and Gumloop answering as documented:
 * - a flow at the plan's concurrency limit waits, with a line in its thread, and starts once a
 *   slot frees; a start whose answer is lost is never sent again;
 * - two replicas on one PostgreSQL store: the one polling a run is killed (SIGKILL); the other
 *   takes the wait over and syncs the run once, in the same thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuotes } from '../../src/quotes/parse/index.js';
import { JobStore } from '../../src/store/index.js';
import { startGumloopServer, type LocalGumloop } from '../fakes/local-gumloop.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { startSlackServer, type LocalSlack, type SlackMessage } from '../fakes/local-slack.js';
import { startAppProcess, stopAppProcess, type AppProcess, killAppProcesses } from '../support/app-process.js';
import { exited } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { makeQuoteRecords } from '../support/quote-factory.js';
import { CHANNEL, SIGNING_SECRET } from '../support/slack-app.js';

const LEASE_MS = 1500;

let notion: LocalNotion | undefined;
let slack: LocalSlack | undefined;
let gumloop: LocalGumloop | undefined;
const apps: AppProcess[] = [];
afterEach(async () => {
  await killAppProcesses(apps);
  await Promise.all([notion?.close(), slack?.close(), gumloop?.close()]);
  notion = slack = gumloop = undefined;
});

/** The local servers, and the environment of an app process on `store` that uses them. */
async function servers(store: string): Promise<Record<string, string>> {
  notion = await startNotionServer({ seed: 91 });
  slack = await startSlackServer();
  gumloop = await startGumloopServer();
  gumloop.defineFlow('busy-elsewhere', { outputs: {}, finishesWhenTold: true });
  return fastEnv(notion, store, {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    JOB_LEASE_MS: String(LEASE_MS),
    GUMLOOP_API_KEY: gumloop.apiKey,
    GUMLOOP_USER_ID: gumloop.userId,
    GUMLOOP_API_URL: gumloop.url,
    GUMLOOP_POLL_MS: '10',
    GUMLOOP_POLL_MAX_MS: '40',
    GUMLOOP_RUN_TIMEOUT_MS: '30000',
  });
}

async function launch(name: string, env: Record<string, string>): Promise<AppProcess> {
  const app = await startAppProcess(name, env, slack!);
  apps.push(app);
  return app;
}

/** The thread a command opened: its first message names the flow. */
function threadOf(flow: string): SlackMessage[] {
  const root = slack!.messages.find((m) => m.channel === CHANNEL && !m.threadTs && m.history[0]!.includes(`flow ${flow}.`));
  return root ? slack!.thread(CHANNEL, root.ts) : [];
}
const rootText = (flow: string) => threadOf(flow)[0]?.text ?? '';

function pageIds(): string[] {
  return notion!.databaseIds().flatMap((id) => notion!.propertyTexts(notion!.dataSourceOf(id), 'Quote ID'));
}

function flowOf(count: number, seed: number): { outputs: Record<string, unknown>; ids: Set<string> } {
  const json = JSON.stringify(makeQuoteRecords(count, seed));
  return { outputs: { quotes: json }, ids: new Set(parseQuotes(json, { filename: 'q.json' }).quotes.map((q) => q.quote.id)) };
}

const statuses = (flow: string) => gumloop!.starts().filter((r) => (r.body as { saved_item_id?: string }).saved_item_id === flow).map((r) => r.status);

describe('the app as a process, at Gumloop\'s concurrency limit', () => {
  it('waits with a line in the thread, starts the flow once a slot frees and syncs it; a start whose answer was lost is not sent again', { timeout: 90_000 }, async () => {
    const env = await servers(tempDbPath());
    const quotes = flowOf(30, 91);
    gumloop!.defineFlow('flow-quotes', { outputs: quotes.outputs });
    gumloop!.defineFlow('flow-lost', { outputs: flowOf(5, 92).outputs });
    gumloop!.limitConcurrentRuns(2);
    const blockers = [gumloop!.startRun('busy-elsewhere'), gumloop!.startRun('busy-elsewhere')];
    const app = await launch('one', env);

    await app.driver.command('run flow-quotes');
    const waiting = 'Gumloop is running as many flows as the plan allows (Free 2 at once, Pro 5); the flow flow-quotes starts when one finishes, waiting up to 30 seconds.';
    await slack!.waitFor(() => threadOf('flow-quotes')[0]?.history.includes(waiting) === true, 'the waiting line');
    await gumloop!.waitFor(() => statuses('flow-quotes').length >= 2, 'a second rejected start');
    gumloop!.finishRun(blockers[0]!.runId);
    await slack!.waitFor(() => rootText('flow-quotes').includes(':white_check_mark: Done.'), 'the flow synced', 30_000);
    const sent = statuses('flow-quotes');
    // One start per rejection, then the one Gumloop took.
    expect(sent.at(-1)).toBe(200);
    expect(sent.slice(0, -1)).toEqual(sent.slice(0, -1).map(() => 429));
    expect(gumloop!.runs.filter((r) => r.savedItemId === 'flow-quotes')).toHaveLength(1);
    expect(rootText('flow-quotes')).toContain(':white_check_mark: Done. 30 written');
    expect(new Set(pageIds())).toEqual(quotes.ids);
    expect(multiplicity(pageIds()).duplicates).toEqual([]);

    // Busy again; then the start Gumloop takes loses its answer: the flow may run, so it is never sent twice.
    gumloop!.startRun('busy-elsewhere');
    await app.driver.command('run flow-lost');
    await gumloop!.waitFor(() => statuses('flow-lost').length === 1, 'the rejected start');
    gumloop!.finishRun(blockers[1]!.runId);
    gumloop!.injectNext('drop-after');
    await slack!.waitFor(() => rootText('flow-lost').startsWith(':x:'), 'the sentence about the lost answer');
    expect(rootText('flow-lost')).toMatch(/^:x: Gumloop did not confirm starting the flow flow-lost \(no answer came\), so it may have started\./);
    await stopAppProcess(app.child);
    expect(app.child.exitCode).toBe(0);
    expect(statuses('flow-lost')).toEqual([429, -1]);
    expect(gumloop!.runs.filter((r) => r.savedItemId === 'flow-lost')).toHaveLength(1);
    expect(app.lines.filter((l) => l.msg === 'job created')).toHaveLength(1);
  });
});

describe.skipIf(!postgresAvailable())('two replicas following a Gumloop run on one PostgreSQL store', () => {
  it('the survivor of a SIGKILL goes on polling the run and syncs it once, in the same thread', { timeout: 120_000 }, async () => {
    const store = await freshPostgresDatabase();
    const env = await servers(store);
    const quotes = flowOf(40, 93);
    gumloop!.defineFlow('flow-slow', { outputs: quotes.outputs, finishesWhenTold: true });
    const [one, two] = await Promise.all([launch('one', env), launch('two', env)]);

    await one.driver.command('run flow-slow');
    await gumloop!.waitFor(() => (gumloop!.runs.find((r) => r.savedItemId === 'flow-slow')?.polls ?? 0) >= 2, 'replica one polling the run');
    const run = gumloop!.runs.find((r) => r.savedItemId === 'flow-slow')!;
    one.child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited(one.child);
    const polled = run.polls;
    await gumloop!.waitFor(() => run.polls > polled, 'the survivor polling the run', 30_000);
    const takeover = two.lines.find((l) => l.msg === 'following a Gumloop run no one follows');
    expect(takeover).toMatchObject({ runId: run.runId });
    gumloop!.finishRun(run.runId);
    await slack!.waitFor(() => rootText('flow-slow').includes(':white_check_mark: Done.'), 'the run synced', 60_000);

    expect(rootText('flow-slow')).toContain(':white_check_mark: Done. 40 written');
    expect(multiplicity(pageIds()).duplicates).toEqual([]);
    expect(new Set(pageIds())).toEqual(quotes.ids);
    expect(statuses('flow-slow')).toEqual([200]);
    // One job, made by the survivor, narrated in the thread the command opened on the killed replica.
    expect([...one.lines, ...two.lines].filter((l) => l.msg === 'job created')).toHaveLength(1);
    const roots = slack!.messages.filter((m) => m.channel === CHANNEL && !m.threadTs);
    expect(roots).toHaveLength(1);
    expect(slack!.messages.filter((m) => m.channel === CHANNEL).every((m) => m.ts === roots[0]!.ts || m.threadTs === roots[0]!.ts)).toBe(true);
    expect(threadOf('flow-slow').some((m) => m.history.some((t) => t.startsWith(':x:')))).toBe(false);
    const shared = await JobStore.open(store);
    try {
      const jobs = await shared.jobs.list();
      expect(jobs).toHaveLength(1);
      expect(await shared.gumloopWaits.ofRun(run.runId)).toEqual([expect.objectContaining({ state: 'synced', jobId: jobs[0]!.id })]);
      expect(await shared.gumloopWaits.waiting()).toEqual([]);
    } finally {
      await shared.close();
    }
    console.info(`gumloop wait: taken over ${Number(takeover!.time) - killedAt} ms after SIGKILL (lease ${LEASE_MS} ms), synced once`);
    await stopAppProcess(two.child);
    expect(two.child.exitCode).toBe(0);
  });
});
