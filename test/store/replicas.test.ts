/**
 * What replicas sharing one store rely on, tried with many connections at once: the schema is
 * made once however many start together; a trigger, a lease and a database creation each have
 * exactly one winner.
 */
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { parsed, storeBackends, target } from '../support/store.js';

const CONNECTIONS = 6;

describe.each(storeBackends())('replicas on one $name store', ({ fresh }) => {
  it('start together on a new store: the tables are made once, every one of them opens', async () => {
    const location = await fresh();
    const stores = await Promise.all(Array.from({ length: CONNECTIONS }, () => JobStore.open(location)));
    const jobs = await Promise.all(stores.map((s, i) => s.jobs.create({ source: `${i}.csv`, sourceSha256: `sha-${i}`, target, parsed })));
    expect((await stores[0]!.jobs.list(50)).map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    await Promise.all(stores.map((s) => s.close()));
  });

  it('claim one trigger, and one lease, with exactly one winner among many at once', async () => {
    const location = await fresh();
    const stores = await Promise.all(Array.from({ length: CONNECTIONS }, () => JobStore.open(location)));
    for (let round = 0; round < 5; round++) {
      const claims = await Promise.all(stores.flatMap((s) => [s.triggers.claim(`slack-file:C1:F${round}`), s.triggers.claim(`slack-file:C1:F${round}`)]));
      expect(claims.filter(Boolean)).toHaveLength(1);
    }
    const job = await stores[0]!.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    const leases = await Promise.all(stores.map((s, i) => s.leases.acquire(job.id, `replica-${i}`, 60_000)));
    expect(leases.filter((l) => l.ok)).toHaveLength(1);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('lease a new job to its creator in the same step as it is recorded', async () => {
    let now = Date.parse('2026-11-30T12:00:00Z');
    const location = await fresh();
    const [a, b] = [await JobStore.open(location, { now: () => new Date(now) }), await JobStore.open(location, { now: () => new Date(now) })];
    const job = await a.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed, lease: { owner: 'replica-a', ttlMs: 1000 } });
    expect(await b.leases.isFree(job.id)).toBe(false);
    expect(await b.leases.acquire(job.id, 'replica-b', 1000)).toEqual({ ok: false, expiresAt: now + 1000 });
    expect(await a.leases.acquire(job.id, 'replica-a', 1000)).toEqual({ ok: true });
    now += 1001; // replica-a died and stopped renewing
    expect(await b.leases.isFree(job.id)).toBe(true);
    expect(await b.leases.acquire(job.id, 'replica-b', 1000)).toEqual({ ok: true });
    await a.close();
    await b.close();
  });
});
