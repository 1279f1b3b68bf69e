/**
 * `/sync-quotes run` at Gumloop's concurrency limit, and waits on runs that outlive the app that
 * started them: the real Bolt app against the local Slack, Notion and Gumloop, in this process.
 * (As processes, with a replica killed: test/replicas/gumloop-waits.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startGumloopServer, type LocalGumloop } from '../fakes/local-gumloop.js';
import { multiplicity } from '../support/harness.js';
import { makeQuoteRecords } from '../support/quote-factory.js';
import { CHANNEL, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
let gumloop: LocalGumloop | undefined;
afterEach(async () => {
  await h?.close();
  await gumloop?.close();
  h = gumloop = undefined;
});

async function start(env: Record<string, string> = {}): Promise<[SlackAppHarness, LocalGumloop]> {
  gumloop = await startGumloopServer();
  gumloop.defineFlow('busy-elsewhere', { outputs: {}, finishesWhenTold: true });
  h = await startSlackApp({
    env: {
      GUMLOOP_API_KEY: gumloop.apiKey,
      GUMLOOP_USER_ID: gumloop.userId,
      GUMLOOP_API_URL: gumloop.url,
      GUMLOOP_POLL_MS: '5',
      GUMLOOP_POLL_MAX_MS: '20',
      GUMLOOP_RUN_TIMEOUT_MS: '20000',
      ...env,
    },
  });
  return [h, gumloop];
}

/** The thread the command opened (its first message in the channel). */
function rootOf(harness: SlackAppHarness) {
  return harness.slack.messages.find((m) => m.channel === CHANNEL && !m.threadTs)!;
}

function pageIds(harness: SlackAppHarness): string[] {
  return harness.notion.databaseIds().flatMap((id) => harness.notion.propertyTexts(harness.notion.dataSourceOf(id), 'Quote ID'));
}

const WAITING_LINE = 'Gumloop is running as many flows as the plan allows (Free 2 at once, Pro 5); the flow flow-quotes starts when one finishes, waiting up to 20 seconds.';

describe('/sync-quotes run at the plan\'s concurrency limit', () => {
  it('says once that the flow waits, starts it when a slot frees, and syncs its quotes', async () => {
    const [app, gl] = await start();
    gl.defineFlow('flow-quotes', { outputs: { quotes: JSON.stringify(makeQuoteRecords(15, 81)) } });
    gl.limitConcurrentRuns(2);
    const blockers = [gl.startRun('busy-elsewhere'), gl.startRun('busy-elsewhere')];
    const submitted = app.nextJob();
    await app.driver.command('run flow-quotes');
    await app.slack.waitFor(() => rootOf(app)?.history.includes(WAITING_LINE) === true, 'the waiting line');
    await gl.waitFor(() => gl.starts().length >= 2, 'a second rejected start');
    gl.finishRun(blockers[0]!.runId);
    const report = await app.app.context.jobs.finished((await submitted).id);
    expect(report).toMatchObject({ state: 'done', written: 15 });
    const starts = gl.starts().map((r) => r.status);
    expect(starts.at(-1)).toBe(200);
    expect(starts.slice(0, -1).every((s) => s === 429)).toBe(true);
    expect(gl.runs.filter((r) => r.savedItemId === 'flow-quotes')).toHaveLength(1);
    expect(rootOf(app).history.filter((t) => t === WAITING_LINE)).toHaveLength(1);
    expect(rootOf(app).text).toContain(':white_check_mark: Done. 15 written');
    expect(multiplicity(pageIds(app)).duplicates).toEqual([]);
    expect(await app.app.context.store.gumloopWaits.waiting()).toEqual([]);
  });

  it('a start whose answer is lost is not sent again: the thread says the flow may have started', async () => {
    const [app, gl] = await start();
    gl.defineFlow('flow-quotes', { outputs: { quotes: '[]' } });
    gl.limitConcurrentRuns(1);
    const blocker = gl.startRun('busy-elsewhere');
    await app.driver.command('run flow-quotes');
    await gl.waitFor(() => gl.starts().length === 1, 'the rejected start');
    gl.finishRun(blocker.runId);
    gl.injectNext('drop-after');
    await app.slack.waitFor(() => rootOf(app)?.text.startsWith(':x:') === true, 'the sentence');
    expect(rootOf(app).text).toMatch(/^:x: Gumloop did not confirm starting the flow flow-quotes \(no answer came\), so it may have started\. Quote Sync does not start it again/);
    expect(gl.starts().map((r) => r.status)).toEqual([429, -1]);
    expect(await app.app.context.store.jobs.list()).toEqual([]);
  });

  it('ends with a sentence when no slot frees in GUMLOOP_RUN_TIMEOUT_MS; nothing ran', async () => {
    const [app, gl] = await start({ GUMLOOP_RUN_TIMEOUT_MS: '1000' });
    gl.defineFlow('flow-quotes', { outputs: { quotes: '[]' } });
    gl.limitConcurrentRuns(1);
    gl.startRun('busy-elsewhere');
    await app.driver.command('run flow-quotes');
    await app.slack.waitFor(() => rootOf(app)?.text.startsWith(':x:') === true, 'the sentence');
    expect(rootOf(app).text).toMatch(/^:x: Gumloop was still running as many flows as the plan allows after 1 second, so the flow flow-quotes did not start \(nothing ran\)\./);
    expect(gl.runs.filter((r) => r.savedItemId === 'flow-quotes')).toEqual([]);
  });
});

describe('a wait on a Gumloop run, kept in the store', () => {
  it('survives a clean restart without a word in the thread, and is synced there once by the next start', async () => {
    const [app, gl] = await start();
    gl.defineFlow('flow-slow', { outputs: { quotes: JSON.stringify(makeQuoteRecords(10, 82)) }, finishesWhenTold: true });
    await app.driver.command('run flow-slow');
    await gl.waitFor(() => (gl.runs.find((r) => r.savedItemId === 'flow-slow')?.polls ?? 0) >= 1, 'a poll of the run');
    const run = gl.runs.find((r) => r.savedItemId === 'flow-slow')!;
    const [wait] = await app.app.context.store.gumloopWaits.waiting();
    expect(wait).toMatchObject({ runId: run.runId, flow: 'flow-slow', state: 'waiting' });

    await app.restart();
    const before = rootOf(app).history.length;
    expect(rootOf(app).history.some((t) => t.startsWith(':x:'))).toBe(false);
    // The new app polls the run again: the wait was taken up at start.
    const polled = run.polls;
    await gl.waitFor(() => run.polls > polled, 'a poll from the new app');
    const submitted = app.nextJob();
    gl.finishRun(run.runId);
    const job = await submitted;
    expect(await app.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 10 });
    expect(rootOf(app).history.length).toBeGreaterThan(before);
    expect(rootOf(app).text).toContain(':white_check_mark: Done. 10 written');
    expect(await app.app.context.store.gumloopWaits.get(wait!.id)).toMatchObject({ state: 'synced', jobId: job.id });
    expect(await app.app.context.store.jobs.list()).toHaveLength(1);
    expect(pageIds(app)).toHaveLength(10);
    expect(rootOf(app).history.some((t) => t.startsWith(':x:'))).toBe(false);
  });

  it('a run that fails ends its wait with the log lines in the thread, once', async () => {
    const [app, gl] = await start();
    gl.defineFlow('flow-broken', { fail: { log: ['LLM node: out of credits'] }, pollsUntilDone: 2 });
    await app.driver.command('run flow-broken');
    await app.slack.waitFor(() => rootOf(app)?.text.startsWith(':x:') === true, 'the failure');
    expect(rootOf(app).text).toContain('> LLM node: out of credits');
    const waits = await app.app.context.store.gumloopWaits.waiting();
    expect(waits).toEqual([]);
  });
});
