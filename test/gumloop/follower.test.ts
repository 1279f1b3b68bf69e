/**
 * The follower's hand-overs, one decision each: against the real store (SQLite) and the local
 * Gumloop; the Slack side is a recorder of what the thread would be told and which jobs submitted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GumloopClient } from '../../src/gumloop/client.js';
import { GumloopFollower, waitTriggerKey, type GumloopFollowerDeps, type WaitOutcome } from '../../src/gumloop/follower.js';
import { silentLogger } from '../../src/logger.js';
import type { Submitted } from '../../src/slack/jobs/jobs.js';
import { JobStore, type GumloopWait } from '../../src/store/index.js';
import { newOwnerId } from '../../src/sync/run/lease.js';
import { startGumloopServer, type LocalGumloop } from '../fakes/local-gumloop.js';
import { freshStorePath } from '../support/store.js';

const message = { channel: 'C1', ts: '100.1', threadTs: '100.1' };
const quotes = JSON.stringify([{ text: 'A quote worth keeping', post: { url: 'https://reddit.com/r/x/1' } }]);

let gumloop: LocalGumloop;
let store: JobStore;
beforeEach(async () => {
  gumloop = await startGumloopServer();
  gumloop.defineFlow('flow-1', { outputs: { quotes }, pollsUntilDone: 1 });
  gumloop.defineFlow('flow-slow', { outputs: { quotes }, finishesWhenTold: true });
  store = await JobStore.open(freshStorePath());
});
afterEach(async () => {
  await store.close();
  await gumloop.close();
});

/** A follower (one replica) and what it told the thread and submitted. */
function replica(overrides: Partial<GumloopFollowerDeps['settings']> = {}) {
  const said: string[] = [];
  const submitted: string[] = [];
  const follower = new GumloopFollower({
    store,
    engine: {
      owner: newOwnerId(),
      leaseTtlMs: 60_000,
      claimTrigger: (key, options) => store.triggers.claim(key, options),
      bindTrigger: (key, jobId) => store.triggers.bind(key, jobId),
      releaseTrigger: (key) => store.triggers.release(key),
    },
    jobs: {
      say: async (_message, text) => void said.push(text),
      submit: async (source) => {
        submitted.push(source.name);
        return { job: { id: `job-${submitted.length}`, origin: undefined }, resumed: false, alreadyRunning: false } as unknown as Submitted;
      },
    },
    client: new GumloopClient({ apiUrl: gumloop.url, apiKey: gumloop.apiKey, userId: gumloop.userId }),
    settings: { runTimeoutMs: 10_000, pollMs: 2, pollMaxMs: 10, quotesOutput: 'quotes', ...overrides },
    logger: silentLogger,
  });
  const ended = () => new Promise<[GumloopWait, WaitOutcome]>((resolve) => follower.events.once('ended', (...e) => resolve(e)));
  return { follower, said, submitted, ended };
}

/** A wait left by a replica on another host whose lease ran out. */
function leftWait(runId: string, deadlineAt = Date.now() + 10_000): Promise<GumloopWait> {
  return store.gumloopWaits.create({ runId, flow: 'flow-1', message, deadlineAt, lease: { owner: 'gone-host:1:dead', ttlMs: -1 } });
}

describe('GumloopFollower', () => {
  it('takes up a left wait, polls its run and makes one job of it', async () => {
    const run = gumloop.startRun('flow-1');
    const wait = await leftWait(run.runId);
    const one = replica();
    const ended = one.ended();
    expect(await one.follower.adoptLeftWaits()).toBe(1);
    expect(await ended).toEqual([expect.objectContaining({ id: wait.id }), 'synced']);
    expect(one.submitted).toEqual([`gumloop run ${run.runId}`]);
    expect(await store.gumloopWaits.get(wait.id)).toMatchObject({ state: 'synced', jobId: 'job-1', heldBy: undefined });
    expect(await store.triggers.get(waitTriggerKey(wait.id))).toMatchObject({ jobId: 'job-1' });
  });

  it('two replicas reaching for the same left wait at once: one follows it, one job', async () => {
    const run = gumloop.startRun('flow-1');
    await leftWait(run.runId);
    const [a, b] = [replica(), replica()];
    const ended = Promise.race([a.ended(), b.ended()]);
    const adopted = await Promise.all([a.follower.adoptLeftWaits(), b.follower.adoptLeftWaits()]);
    expect([...adopted].sort()).toEqual([0, 1]);
    expect((await ended)[1]).toBe('synced');
    expect([...a.submitted, ...b.submitted]).toHaveLength(1);
  });

  it('a wait whose job an earlier holder made (it died before ending the wait) ends with that job; no second one', async () => {
    const run = gumloop.startRun('flow-1');
    const wait = await leftWait(run.runId);
    await store.triggers.claim(waitTriggerKey(wait.id));
    await store.triggers.bind(waitTriggerKey(wait.id), 'job-earlier');
    const one = replica();
    const ended = one.ended();
    await one.follower.adoptLeftWaits();
    expect((await ended)[1]).toBe('synced');
    expect(one.submitted).toEqual([]);
    expect(await store.gumloopWaits.get(wait.id)).toMatchObject({ state: 'synced', jobId: 'job-earlier' });
  });

  it('a claim an earlier holder left unbound (it died before the job) is taken over, and the job made', async () => {
    const run = gumloop.startRun('flow-1');
    const wait = await leftWait(run.runId);
    await store.triggers.claim(waitTriggerKey(wait.id));
    const one = replica();
    const ended = one.ended();
    await one.follower.adoptLeftWaits();
    expect((await ended)[1]).toBe('synced');
    expect(one.submitted).toHaveLength(1);
  });

  it('leaves alone a wait whose holder is alive, and one this replica follows', async () => {
    const run = gumloop.startRun('flow-slow');
    const a = replica();
    const following = a.follower.follow(run.runId, { message });
    await gumloop.waitFor(() => run.polls >= 1, 'a poll');
    const b = replica();
    expect(await b.follower.adoptLeftWaits()).toBe(0);
    expect(await a.follower.adoptLeftWaits()).toBe(0);
    gumloop.finishRun(run.runId);
    expect(await following).toBe('synced');
    expect(a.submitted).toHaveLength(1);
  });

  it('a stop leaves the wait waiting, its lease given back, and says nothing in the thread', async () => {
    const run = gumloop.startRun('flow-slow');
    const one = replica();
    const following = one.follower.follow(run.runId, { message });
    await gumloop.waitFor(() => run.polls >= 1, 'a poll');
    await one.follower.stop();
    expect(await following).toBe('left');
    const [wait] = await store.gumloopWaits.waiting();
    expect(wait).toMatchObject({ runId: run.runId, state: 'waiting', heldBy: undefined });
    expect(one.said.filter((t) => t.startsWith(':x:'))).toEqual([]);
    expect(one.submitted).toEqual([]);
  });

  it('a wait taken up after its deadline asks once: a run still going ends it with the whole wait in the sentence', async () => {
    const run = gumloop.startRun('flow-slow');
    const wait = await store.gumloopWaits.create({ runId: run.runId, message, deadlineAt: Date.now() - 1, lease: { owner: 'gone-host:1:dead', ttlMs: -1 } });
    const one = replica();
    const ended = one.ended();
    await one.follower.adoptLeftWaits();
    expect((await ended)[1]).toBe('failed');
    expect(run.polls).toBe(1);
    expect(one.said.at(-1)).toMatch(new RegExp(`^:x: The Gumloop run ${run.runId} was still RUNNING after 0 seconds, so Quote Sync stopped waiting\\.`));
    expect(await store.gumloopWaits.get(wait.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('stopped waiting') });
  });
});
