import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends, parsed, target } from '../support/store.js';

describe.each(storeBackends())('store.quotes on $name', ({ fresh }) => {
  it('keeps every state change across a reopen (a killed process)', async () => {
    const path = await fresh();
    const store = await JobStore.open(path);
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.quotes.setState(job.id, 'q1', 'written', { pageId: 'page-1' });
    await store.quotes.setState(job.id, 'q2', 'in_flight', { attempt: true });
    await store.close();
    const reopened = await JobStore.open(path);
    expect((await reopened.quotes.toWrite(job.id)).map((q) => [q.quote.id, q.state])).toEqual([
      ['q2', 'in_flight'],
      ['q3', 'pending'],
    ]);
    expect((await reopened.quotes.list(job.id))[0]!.pageId).toBe('page-1');
    await reopened.close();
  });

  it('lists rejected rows by row, including quotes too large for Notion', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.quotes.setState(job.id, 'q3', 'rejected', { reason: 'too long' });
    expect((await store.quotes.rejected(job.id)).map((r) => [r.row, r.reason])).toEqual([
      [4, 'the text is empty'],
      [5, 'too long'],
    ]);
    await store.close();
  });

  it('puts failed quotes back for a retry', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.quotes.setState(job.id, 'q1', 'failed', { reason: 'revoked' });
    await store.quotes.setState(job.id, 'q2', 'failed', { reason: 'revoked' });
    expect((await store.quotes.failed(job.id)).map((f) => f.id)).toEqual(['q1', 'q2']);
    expect(await store.quotes.requeueFailed(job.id)).toBe(2);
    expect((await store.quotes.counts(job.id)).pending).toBe(3);
    await store.close();
  });
});
