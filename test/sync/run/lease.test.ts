import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { JobBusyError } from '../../../src/errors.js';
import { JobStore } from '../../../src/store/index.js';
import { holdLease, isGoneOwner, newOwnerId } from '../../../src/sync/run/lease.js';
import { makeQuoteRecords } from '../../support/quote-factory.js';
import { startHarness, tempDbPath, type Harness } from '../../support/harness.js';
import { SyncEngine } from '../../../src/sync/run/engine.js';
import { silentLogger } from '../../../src/logger.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const parsed = { format: 'json' as const, quotes: [{ row: 1, quote: { id: 'q1', text: 'one' } }], rejected: [], duplicates: [], warnings: [] };
const target = { kind: 'parent' as const, parentPageId: 'p', title: 'Quotes' };

describe('job leases', () => {
  it('knows a holder is gone when its process on this host has ended, and never judges other hosts', async () => {
    const ended = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(isGoneOwner(`${hostname()}:${ended}:abcd`)).toBe(true);
    expect(isGoneOwner(`${hostname()}:${process.ppid}:abcd`)).toBe(false);
    expect(isGoneOwner(`another-host:${ended}:abcd`)).toBe(false);
    // This process's pid, but not one of its live owners: an earlier process that had the same pid.
    expect(isGoneOwner(`${hostname()}:${process.pid}:00000000`)).toBe(true);
    expect(isGoneOwner(newOwnerId())).toBe(false);
    expect(isGoneOwner('garbage')).toBe(false);
  });

  it('refuses a second holder with JobBusyError, takes over a dead one at once, and signals a lost lease', async () => {
    const path = tempDbPath();
    const store = await JobStore.open(path);
    const job = await store.jobs.create({ source: 'a.json', sourceSha256: 'sha', target, parsed });
    const first = await holdLease(store, job.id, newOwnerId(), 60_000);
    await expect(holdLease(store, job.id, newOwnerId(), 60_000)).rejects.toThrow(JobBusyError);
    await first.release();

    const dead = `${hostname()}:${spawnSync(process.execPath, ['-e', '0']).pid!}:dead`;
    expect((await store.leases.acquire(job.id, dead, 60_000)).ok).toBe(true);
    const taken = await holdLease(store, job.id, newOwnerId(), 30);
    // Someone takes the lease over (as if this holder had stalled past it): the holder learns it lost.
    const other = newOwnerId();
    const thief = await JobStore.open(path, { now: () => new Date(Date.now() + 60_000) });
    expect((await thief.leases.acquire(job.id, other, 60_000)).ok).toBe(true);
    await once(taken.lost, 'abort');
    await taken.release();
    await thief.close();
    await store.close();
  });

  it('a second engine on the same store cannot run a job the first is running', async () => {
    harness = await startHarness({ env: { NOTION_REQUESTS_PER_SECOND: '100' } });
    const { job } = await harness.engine.prepare({ name: 'q.json', content: JSON.stringify(makeQuoteRecords(40, 81)) }, harness.engine.targetFor());
    const other = await SyncEngine.open({ config: harness.config, store: await JobStore.open(harness.config.dbPath), logger: silentLogger });
    let refused: unknown;
    const report = await harness.engine.run(job.id, {
      reporter: {
        progress: (p) => {
          if (p.settled === 5 && !refused) other.run(job.id).catch((error: unknown) => (refused = error));
        },
      },
    });
    expect(refused).toBeInstanceOf(JobBusyError);
    expect(report).toMatchObject({ state: 'done', written: 40 });
    await other.store.close();
  });
});
