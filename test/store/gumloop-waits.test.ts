import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends } from '../support/store.js';

const message = { channel: 'C1', ts: '1.2', threadTs: '1.2' };

describe.each(storeBackends())('store.gumloopWaits on $name', ({ fresh }) => {
  it('records a wait leased to its creator, with its thread, user, mode and deadline', async () => {
    const now = Date.parse('2026-03-02T10:00:00.000Z');
    const store = await JobStore.open(await fresh(), { now: () => new Date(now) });
    const wait = await store.gumloopWaits.create({ runId: 'run-1', flow: 'flow-1', message, user: 'U1', update: true, deadlineAt: now + 900_000, lease: { owner: 'a', ttlMs: 60_000 } });
    expect(wait).toEqual({
      id: expect.stringMatching(/^gw-[0-9a-f]{10}$/),
      runId: 'run-1',
      flow: 'flow-1',
      message,
      user: 'U1',
      update: true,
      deadlineAt: now + 900_000,
      state: 'waiting',
      jobId: undefined,
      error: undefined,
      heldBy: 'a',
      createdAt: '2026-03-02T10:00:00.000Z',
    });
    const bare = await store.gumloopWaits.create({ runId: 'run-2', message, deadlineAt: now, lease: { owner: 'a', ttlMs: 60_000 } });
    expect(bare).toMatchObject({ flow: undefined, user: undefined, update: false });
    expect((await store.gumloopWaits.waiting()).map((w) => w.runId).sort()).toEqual(['run-1', 'run-2']);
    await store.close();
  });

  it('leases a wait to one owner at a time across connections; a lease not renewed runs out, a gone holder loses it at once', async () => {
    const path = await fresh();
    let now = Date.parse('2026-03-02T10:00:00.000Z');
    const a = await JobStore.open(path, { now: () => new Date(now) });
    const b = await JobStore.open(path, { now: () => new Date(now) });
    const { id } = await a.gumloopWaits.create({ runId: 'run-1', message, deadlineAt: now + 1, lease: { owner: 'a', ttlMs: 60_000 } });
    expect(await b.gumloopWaits.acquire(id, 'b', 60_000)).toEqual({ ok: false, expiresAt: now + 60_000 });
    now += 30_000;
    expect(await a.gumloopWaits.acquire(id, 'a', 60_000)).toEqual({ ok: true });
    now += 59_000;
    expect((await b.gumloopWaits.acquire(id, 'b', 60_000)).ok).toBe(false);
    now += 2_000; // a stopped renewing: it died
    expect(await b.gumloopWaits.acquire(id, 'b', 60_000)).toEqual({ ok: true });
    expect((await a.gumloopWaits.acquire(id, 'a', 60_000)).ok).toBe(false);
    expect((await a.gumloopWaits.get(id))?.heldBy).toBe('b');
    // A holder known to be gone (its process no longer exists) is replaced before its lease runs out.
    expect(await a.gumloopWaits.acquire(id, 'c', 60_000, (holder) => holder === 'b')).toEqual({ ok: true });
    await b.gumloopWaits.release(id, 'b'); // only the holder releases
    expect((await b.gumloopWaits.acquire(id, 'b', 60_000)).ok).toBe(false);
    await a.gumloopWaits.release(id, 'c');
    expect((await a.gumloopWaits.get(id))?.heldBy).toBeUndefined();
    expect(await b.gumloopWaits.acquire(id, 'b', 60_000)).toEqual({ ok: true });
    expect((await a.gumloopWaits.acquire('gw-none', 'a', 60_000)).ok).toBe(false);
    await a.close();
    await b.close();
  });

  it('ends a wait once: synced with its job, or failed with its sentence; a second settle changes nothing', async () => {
    const store = await JobStore.open(await fresh());
    const lease = { owner: 'a', ttlMs: 60_000 };
    const one = await store.gumloopWaits.create({ runId: 'run-1', message, deadlineAt: 0, lease });
    const two = await store.gumloopWaits.create({ runId: 'run-2', message, deadlineAt: 0, lease });
    expect(await store.gumloopWaits.settle(one.id, { state: 'synced', jobId: 'job-1' })).toBe(true);
    expect(await store.gumloopWaits.settle(one.id, { state: 'synced', jobId: 'job-2' })).toBe(false);
    expect(await store.gumloopWaits.settle(one.id, { state: 'failed', error: 'late' })).toBe(false);
    expect(await store.gumloopWaits.settle(two.id, { state: 'failed', error: 'The run failed.' })).toBe(true);
    expect(await store.gumloopWaits.get(one.id)).toMatchObject({ state: 'synced', jobId: 'job-1', error: undefined });
    expect(await store.gumloopWaits.get(two.id)).toMatchObject({ state: 'failed', jobId: undefined, error: 'The run failed.' });
    expect(await store.gumloopWaits.waiting()).toEqual([]);
    expect((await store.gumloopWaits.ofRun('run-1')).map((w) => w.id)).toEqual([one.id]);
    await store.close();
  });
});
