import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends, parsed, target } from '../support/store.js';

describe.each(storeBackends())('store.events on $name', ({ fresh }) => {
  it('counts a job\'s events by kind and the failures that may have been applied, across a reopen', async () => {
    const path = await fresh();
    const store = await JobStore.open(path);
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.events.add(job.id, 'conflict', { quoteId: 'q2' });
    await store.events.add(job.id, 'network', { quoteId: 'q2', ambiguous: true });
    await store.close();
    const reopened = await JobStore.open(path);
    expect(await reopened.events.counts(job.id)).toEqual({ conflict: 1, network: 1 });
    expect(await reopened.events.ambiguousFailures(job.id)).toBe(1);
    await reopened.close();
  });
});
