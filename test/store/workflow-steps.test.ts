/** Workflow steps in the store: one row per execution, one claimant at a time, tokens kept only while of use. */
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends } from '../support/store.js';

let stores: JobStore[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

async function open(location: string, now: () => Date): Promise<JobStore> {
  const store = await JobStore.open(location, { now });
  stores.push(store);
  return store;
}

describe.each(storeBackends())('workflow steps ($name)', (backend) => {
  it('records an execution once, binds it to its job, and lets one of two replicas claim it', async () => {
    let at = 1_000_000;
    const location = await backend.fresh();
    const one = await open(location, () => new Date(at));
    const two = await open(location, () => new Date(at));
    expect(await one.workflowSteps.begin('Fx1', 'xwfp-secret', at + 900_000)).toBe(true);
    // Slack's redelivery of the same event, to either replica.
    expect(await two.workflowSteps.begin('Fx1', 'xwfp-other', at + 900_000)).toBe(false);
    await one.workflowSteps.bindJob('Fx1', 'job-1');
    expect(await two.workflowSteps.openForJob('job-1')).toEqual([
      { executionId: 'Fx1', jobId: 'job-1', token: 'xwfp-secret', tokenExpiresAt: at + 900_000, state: 'waiting', outcome: undefined, createdAt: at },
    ]);
    expect(await two.workflowSteps.jobsWaitedOn()).toEqual(['job-1']);
    const claims = await Promise.all([one.workflowSteps.claim('Fx1', 60_000), two.workflowSteps.claim('Fx1', 60_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // A claim left by a process that stopped runs out.
    at += 60_000;
    expect(await two.workflowSteps.claim('Fx1', 60_000)).toBe(true);
    await two.workflowSteps.finish('Fx1', 'completed');
    expect(await one.workflowSteps.get('Fx1')).toMatchObject({ state: 'done', outcome: 'completed', token: undefined });
    expect(await one.workflowSteps.claim('Fx1', 0)).toBe(false);
    expect(await one.workflowSteps.openForJob('job-1')).toEqual([]);
  });

  it('forgets tokens past their lifetime, gives back a claim Slack could not be reached for, and finds steps stuck before their job', async () => {
    let at = 5_000_000;
    const store = await open(await backend.fresh(), () => new Date(at));
    await store.workflowSteps.begin('Fx2', 'xwfp-a', at + 1000);
    await store.workflowSteps.begin('Fx3', 'xwfp-b', at + 10_000);
    expect(await store.workflowSteps.claim('Fx2', 60_000)).toBe(true);
    await store.workflowSteps.unclaim('Fx2');
    expect((await store.workflowSteps.get('Fx2'))?.state).toBe('starting');
    at += 1000;
    expect(await store.workflowSteps.forgetExpiredTokens()).toBe(1);
    expect((await store.workflowSteps.get('Fx2'))?.token).toBeUndefined();
    expect((await store.workflowSteps.get('Fx3'))?.token).toBe('xwfp-b');
    expect((await store.workflowSteps.stuckStarting(1000)).map((s) => s.executionId).sort()).toEqual(['Fx2', 'Fx3']);
    expect(await store.workflowSteps.stuckStarting(5000)).toEqual([]);
  });
});
