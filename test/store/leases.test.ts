import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath, parsed, target } from '../support/store.js';

describe('store.leases', () => {
  it('leases a job to one owner at a time across connections; a lease that is not renewed runs out', () => {
    const path = freshStorePath();
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
