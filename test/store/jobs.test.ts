import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { parsed, rowCounts, storeBackends, target } from '../support/store.js';

describe.each(storeBackends())('store.jobs on $name', ({ fresh }) => {
  it('creates its store (a file and its folder, or the tables) on first use and records a job with every row', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(job.state).toBe('running');
    expect(job.target).toEqual(target);
    expect(await store.quotes.counts(job.id)).toEqual({
      total: 5,
      pending: 3,
      written: 0,
      alreadyPresent: 0,
      updated: 0,
      unchanged: 0,
      duplicates: 1,
      rejected: 1,
      failed: 0,
    });
    expect((await store.quotes.toWrite(job.id)).map((q) => q.quote.id)).toEqual(['q1', 'q2', 'q3']);
    expect((await store.quotes.toWrite(job.id))[1]!.quote.category).toBe('Pricing');
    await store.close();
  });

  it('records a job and its rows in one transaction: an input that cannot be stored leaves nothing behind', async () => {
    const path = await fresh();
    const store = await JobStore.open(path);
    const twice = { ...parsed, quotes: [...parsed.quotes, parsed.quotes[0]!] };
    // SQLite and PostgreSQL word it differently.
    await expect(store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed: twice })).rejects.toThrow(/UNIQUE|duplicate key/);
    await store.close();
    expect(await rowCounts(path, ['jobs', 'job_quotes', 'job_rejects', 'job_duplicates', 'job_leases'])).toEqual({
      jobs: 0,
      job_quotes: 0,
      job_rejects: 0,
      job_duplicates: 0,
      job_leases: 0,
    });
  });

  it('finds the unfinished job of the same input and target, not another target', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect((await store.jobs.findResumable('sha', target))?.id).toBe(job.id);
    expect(await store.jobs.findResumable('sha', { kind: 'database', databaseId: 'd' })).toBeUndefined();
    await store.jobs.setState(job.id, 'done');
    expect(await store.jobs.findResumable('sha', target)).toBeUndefined();
    await store.close();
  });

  it('lists jobs stopped before the end after a reopen (a killed process)', async () => {
    const path = await fresh();
    const store = await JobStore.open(path);
    const running = await store.jobs.create({ source: 'a.csv', sourceSha256: 'a', target, parsed });
    const done = await store.jobs.create({ source: 'b.csv', sourceSha256: 'b', target, parsed });
    await store.jobs.setState(done.id, 'done');
    await store.close();
    const reopened = await JobStore.open(path);
    expect((await reopened.jobs.unfinished()).map((j) => j.id)).toEqual([running.id]);
    await reopened.close();
  });

  it('adds up requests and time over several runs', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.jobs.addUsage(job.id, 10, 1000.4);
    await store.jobs.addUsage(job.id, 5, 500);
    expect(await store.jobs.get(job.id)).toMatchObject({ requests: 15, activeMs: 1500 });
    await store.close();
  });
});
