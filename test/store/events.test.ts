import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath, parsed, target } from '../support/store.js';

describe('store.events', () => {
  it('counts a job\'s events by kind and the failures that may have been applied, across a reopen', () => {
    const path = freshStorePath();
    const store = new JobStore(path);
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.events.add(job.id, 'conflict', { quoteId: 'q2' });
    store.events.add(job.id, 'network', { quoteId: 'q2', ambiguous: true });
    store.close();
    const reopened = new JobStore(path);
    expect(reopened.events.counts(job.id)).toEqual({ conflict: 1, network: 1 });
    expect(reopened.events.ambiguousFailures(job.id)).toBe(1);
    reopened.close();
  });
});
