import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends } from '../support/store.js';

describe.each(storeBackends())('store.triggers on $name', ({ fresh }) => {
  it('claims a trigger once, across two connections to the same store (two processes)', async () => {
    const path = await fresh();
    const store = await JobStore.open(path);
    const other = await JobStore.open(path);
    expect(await store.triggers.claim('slack-file:F123')).toBe(true);
    expect(await store.triggers.claim('slack-file:F123')).toBe(false);
    expect(await other.triggers.claim('slack-file:F123')).toBe(false);
    expect(await other.triggers.claim('slack-file:F456')).toBe(true);
    await store.close();
    await other.close();
  });

  it('takes over a claim without a job once it is old enough, never a fresh one or one bound to a job', async () => {
    const path = await fresh();
    let now = new Date('2026-03-02T10:00:00.000Z');
    const store = await JobStore.open(path, { now: () => now });
    const takeOver = { takeOverUnboundAfterMs: 60_000 };
    expect(await store.triggers.claim('slack-file:C1:F1')).toBe(true);
    expect(await store.triggers.claim('slack-file:C1:F2')).toBe(true);
    await store.triggers.bind('slack-file:C1:F2', 'job-2');
    now = new Date('2026-03-02T10:00:59.000Z');
    expect(await store.triggers.claim('slack-file:C1:F1', takeOver)).toBe(false);
    now = new Date('2026-03-02T10:01:00.000Z');
    expect(await store.triggers.claim('slack-file:C1:F1')).toBe(false);
    expect(await store.triggers.claim('slack-file:C1:F2', takeOver)).toBe(false);
    expect(await store.triggers.claim('slack-file:C1:F1', takeOver)).toBe(true);
    // The take-over is a claim of its own: the next one within the minute is refused.
    expect(await store.triggers.claim('slack-file:C1:F1', takeOver)).toBe(false);
    expect(await store.triggers.get('slack-file:C1:F1')).toEqual({ key: 'slack-file:C1:F1', claimedAt: '2026-03-02T10:01:00.000Z' });
    expect(await store.triggers.get('slack-file:C1:F2')).toMatchObject({ jobId: 'job-2' });
    await store.close();
  });

  it('lets a released claim be made again', async () => {
    const store = await JobStore.open(await fresh());
    expect(await store.triggers.claim('digest:2026-11-30')).toBe(true);
    await store.triggers.release('digest:2026-11-30');
    expect(await store.triggers.claim('digest:2026-11-30')).toBe(true);
    await store.close();
  });
});
