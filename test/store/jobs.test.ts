import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath, parsed, target } from '../support/store.js';

describe('store.jobs', () => {
  it('creates its file and folder on first use and records a job with every row', () => {
    const store = new JobStore(freshStorePath());
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(job.state).toBe('running');
    expect(job.target).toEqual(target);
    expect(store.quotes.counts(job.id)).toEqual({
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
    expect(store.quotes.toWrite(job.id).map((q) => q.quote.id)).toEqual(['q1', 'q2', 'q3']);
    expect(store.quotes.toWrite(job.id)[1]!.quote.category).toBe('Pricing');
    store.close();
  });

  it('records a job and its rows in one transaction: an input that cannot be stored leaves nothing behind', () => {
    const path = freshStorePath();
    const store = new JobStore(path);
    const twice = { ...parsed, quotes: [...parsed.quotes, parsed.quotes[0]!] };
    expect(() => store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed: twice })).toThrow(/UNIQUE/);
    store.close();
    const file = new Database(path, { readonly: true });
    for (const table of ['jobs', 'job_quotes', 'job_rejects', 'job_duplicates']) {
      expect((file.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n, table).toBe(0);
    }
    file.close();
  });

  it('finds the unfinished job of the same input and target, not another target', () => {
    const store = new JobStore(freshStorePath());
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(store.jobs.findResumable('sha', target)?.id).toBe(job.id);
    expect(store.jobs.findResumable('sha', { kind: 'database', databaseId: 'd' })).toBeUndefined();
    store.jobs.setState(job.id, 'done');
    expect(store.jobs.findResumable('sha', target)).toBeUndefined();
    store.close();
  });

  it('lists jobs stopped before the end after a reopen (a killed process)', () => {
    const path = freshStorePath();
    const store = new JobStore(path);
    const running = store.jobs.create({ source: 'a.csv', sourceSha256: 'a', target, parsed });
    const done = store.jobs.create({ source: 'b.csv', sourceSha256: 'b', target, parsed });
    store.jobs.setState(done.id, 'done');
    store.close();
    const reopened = new JobStore(path);
    expect(reopened.jobs.unfinished().map((j) => j.id)).toEqual([running.id]);
    reopened.close();
  });

  it('adds up requests and time over several runs', () => {
    const store = new JobStore(freshStorePath());
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.jobs.addUsage(job.id, 10, 1000.4);
    store.jobs.addUsage(job.id, 5, 500);
    expect(store.jobs.get(job.id)).toMatchObject({ requests: 15, activeMs: 1500 });
    store.close();
  });
});
