import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends, parsed, target } from '../support/store.js';

describe.each(storeBackends())('store.leases on $name', ({ fresh }) => {
  it('leases a job to one owner at a time across connections; a lease that is not renewed runs out', async () => {
    const path = await fresh();
    let now = Date.parse('2026-11-30T12:00:00Z');
    const a = await JobStore.open(path, { now: () => new Date(now) });
    const b = await JobStore.open(path, { now: () => new Date(now) });
    const job = await a.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    expect(await a.leases.acquire(job.id, 'instance-a', 60_000)).toEqual({ ok: true });
    expect(await b.leases.acquire(job.id, 'instance-b', 60_000)).toEqual({ ok: false, expiresAt: now + 60_000 });
    now += 30_000;
    expect(await a.leases.acquire(job.id, 'instance-a', 60_000)).toEqual({ ok: true }); // renewed
    now += 59_000;
    expect((await b.leases.acquire(job.id, 'instance-b', 60_000)).ok).toBe(false);
    now += 2_000; // instance-a stopped renewing (it crashed)
    expect(await b.leases.acquire(job.id, 'instance-b', 60_000)).toEqual({ ok: true });
    expect((await a.leases.acquire(job.id, 'instance-a', 60_000)).ok).toBe(false);
    await b.leases.release(job.id, 'instance-a'); // only the holder releases
    expect((await a.leases.acquire(job.id, 'instance-a', 60_000)).ok).toBe(false);
    await b.leases.release(job.id, 'instance-b');
    expect(await a.leases.acquire(job.id, 'instance-a', 60_000)).toEqual({ ok: true });
    await a.close();
    await b.close();
  });
});
