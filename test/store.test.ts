import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ParsedQuotes } from '../src/quotes/model.js';
import { JobStore } from '../src/store/index.js';

const parsed: ParsedQuotes = {
  format: 'csv',
  quotes: [
    { row: 2, quote: { id: 'q1', text: 'first' } },
    { row: 3, quote: { id: 'q2', text: 'second', category: 'Pricing' } },
    { row: 5, quote: { id: 'q3', text: 'third' } },
  ],
  rejected: [{ row: 4, reason: 'the text is empty', raw: { text: '' } }],
  duplicates: [{ row: 6, id: 'q1', firstRow: 2 }],
  warnings: [],
};
const target = { kind: 'parent' as const, parentPageId: 'p', title: 'Quotes' };

function freshStore() {
  const dir = mkdtempSync(join(tmpdir(), 'quote-sync-store-'));
  return { path: join(dir, 'nested', 'jobs.db'), store: new JobStore(join(dir, 'nested', 'jobs.db')) };
}

describe('JobStore', () => {
  it('creates its file and folder on first use and records a job with every row', () => {
    const { store } = freshStore();
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(job.state).toBe('running');
    expect(job.target).toEqual(target);
    expect(store.quotes.counts(job.id)).toEqual({
      total: 5,
      pending: 3,
      written: 0,
      alreadyPresent: 0,
      duplicates: 1,
      rejected: 1,
      failed: 0,
    });
    expect(store.quotes.toWrite(job.id).map((q) => q.quote.id)).toEqual(['q1', 'q2', 'q3']);
    expect(store.quotes.toWrite(job.id)[1]!.quote.category).toBe('Pricing');
  });

  it('keeps every state change across a reopen (a killed process)', () => {
    const { store, path } = freshStore();
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.quotes.setState(job.id, 'q1', 'written', { pageId: 'page-1' });
    store.quotes.setState(job.id, 'q2', 'in_flight', { attempt: true });
    store.events.add(job.id, 'conflict', { quoteId: 'q2' });
    store.events.add(job.id, 'network', { quoteId: 'q2', ambiguous: true });
    store.close();
    const reopened = new JobStore(path);
    expect(reopened.quotes.toWrite(job.id).map((q) => [q.quote.id, q.state])).toEqual([
      ['q2', 'in_flight'],
      ['q3', 'pending'],
    ]);
    expect(reopened.quotes.list(job.id)[0]!.pageId).toBe('page-1');
    expect(reopened.events.counts(job.id)).toEqual({ conflict: 1, network: 1 });
    expect(reopened.events.ambiguousFailures(job.id)).toBe(1);
    expect(reopened.jobs.unfinished().map((j) => j.id)).toEqual([job.id]);
  });

  it('lists rejected rows by row, including quotes too large for Notion', () => {
    const { store } = freshStore();
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.quotes.setState(job.id, 'q3', 'rejected', { reason: 'too long' });
    expect(store.quotes.rejected(job.id).map((r) => [r.row, r.reason])).toEqual([
      [4, 'the text is empty'],
      [5, 'too long'],
    ]);
  });

  it('finds the unfinished job of the same input and target, not another target', () => {
    const { store } = freshStore();
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(store.jobs.findResumable('sha', target)?.id).toBe(job.id);
    expect(store.jobs.findResumable('sha', { kind: 'database', databaseId: 'd' })).toBeUndefined();
    store.jobs.setState(job.id, 'done');
    expect(store.jobs.findResumable('sha', target)).toBeUndefined();
  });

  it('puts failed quotes back for a retry', () => {
    const { store } = freshStore();
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.quotes.setState(job.id, 'q1', 'failed', { reason: 'revoked' });
    store.quotes.setState(job.id, 'q2', 'failed', { reason: 'revoked' });
    expect(store.quotes.failed(job.id).map((f) => f.id)).toEqual(['q1', 'q2']);
    expect(store.quotes.requeueFailed(job.id)).toBe(2);
    expect(store.quotes.counts(job.id).pending).toBe(3);
  });

  it('remembers databases it created under a page', () => {
    const { store } = freshStore();
    expect(store.databases.createdUnder('p', 'Quotes')).toBeUndefined();
    store.databases.rememberCreated('p', { databaseId: 'd1', dataSourceId: 's1', url: 'u', title: 'Quotes' });
    store.databases.rememberCreated('p', { databaseId: 'd2', dataSourceId: 's2', url: 'u2', title: 'Quotes' });
    expect(store.databases.createdUnder('p', 'Quotes')).toEqual({ databaseId: 'd2', dataSourceId: 's2', url: 'u2', title: 'Quotes' });
  });

  it('adds up requests and time over several runs', () => {
    const { store } = freshStore();
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    store.jobs.addUsage(job.id, 10, 1000.4);
    store.jobs.addUsage(job.id, 5, 500);
    expect(store.jobs.get(job.id)).toMatchObject({ requests: 15, activeMs: 1500 });
  });

  it('claims a trigger once, across two connections to the same file (two processes)', () => {
    const { store, path } = freshStore();
    const other = new JobStore(path);
    expect(store.triggers.claim('slack-file:F123')).toBe(true);
    expect(store.triggers.claim('slack-file:F123')).toBe(false);
    expect(other.triggers.claim('slack-file:F123')).toBe(false);
    expect(other.triggers.claim('slack-file:F456')).toBe(true);
    other.close();
  });

  it('leases a job to one owner at a time across connections; a lease that is not renewed runs out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quote-sync-store-'));
    const path = join(dir, 'jobs.db');
    let now = Date.parse('2026-11-30T12:00:00Z');
    const a = new JobStore(path, { now: () => new Date(now) });
    const b = new JobStore(path, { now: () => new Date(now) });
    const job = a.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(a.leases.acquire(job.id, 'instance-a', 60_000)).toEqual({ ok: true });
    expect(b.leases.acquire(job.id, 'instance-b', 60_000)).toEqual({ ok: false, expiresAt: now + 60_000 });
    now += 30_000;
    expect(a.leases.acquire(job.id, 'instance-a', 60_000)).toEqual({ ok: true }); // renewed
    now += 59_000;
    expect(b.leases.acquire(job.id, 'instance-b', 60_000).ok).toBe(false);
    now += 2_000; // instance-a stopped renewing (it crashed)
    expect(b.leases.acquire(job.id, 'instance-b', 60_000)).toEqual({ ok: true });
    expect(a.leases.acquire(job.id, 'instance-a', 60_000).ok).toBe(false);
    b.leases.release(job.id, 'instance-a'); // only the holder releases
    expect(a.leases.acquire(job.id, 'instance-a', 60_000).ok).toBe(false);
    b.leases.release(job.id, 'instance-b');
    expect(a.leases.acquire(job.id, 'instance-a', 60_000)).toEqual({ ok: true });
    a.close();
    b.close();
  });
});
