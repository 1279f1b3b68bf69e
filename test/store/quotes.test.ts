import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath, parsed, target } from '../support/store.js';

describe('store.quotes', () => {
  it('keeps every state change across a reopen (a killed process)', () => {
    const path = freshStorePath();
    const store = new JobStore(path);
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.quotes.setState(job.id, 'q1', 'written', { pageId: 'page-1' });
    store.quotes.setState(job.id, 'q2', 'in_flight', { attempt: true });
    store.close();
    const reopened = new JobStore(path);
    expect(reopened.quotes.toWrite(job.id).map((q) => [q.quote.id, q.state])).toEqual([
      ['q2', 'in_flight'],
      ['q3', 'pending'],
    ]);
    expect(reopened.quotes.list(job.id)[0]!.pageId).toBe('page-1');
    reopened.close();
  });

  it('lists rejected rows by row, including quotes too large for Notion', () => {
    const store = new JobStore(freshStorePath());
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.quotes.setState(job.id, 'q3', 'rejected', { reason: 'too long' });
    expect(store.quotes.rejected(job.id).map((r) => [r.row, r.reason])).toEqual([
      [4, 'the text is empty'],
      [5, 'too long'],
    ]);
    store.close();
  });

  it('puts failed quotes back for a retry', () => {
    const store = new JobStore(freshStorePath());
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.quotes.setState(job.id, 'q1', 'failed', { reason: 'revoked' });
    store.quotes.setState(job.id, 'q2', 'failed', { reason: 'revoked' });
    expect(store.quotes.failed(job.id).map((f) => f.id)).toEqual(['q1', 'q2']);
    expect(store.quotes.requeueFailed(job.id)).toBe(2);
    expect(store.quotes.counts(job.id).pending).toBe(3);
    store.close();
  });
});
