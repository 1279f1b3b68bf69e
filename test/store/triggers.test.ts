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

  it('keeps the event with the claim and lists the claims left without a job once old enough, oldest first, by kind', async () => {
    const path = await fresh();
    let now = new Date('2026-03-02T10:00:00.000Z');
    const store = await JobStore.open(path, { now: () => now });
    const upload = (file: string) => ({ kind: 'slack-upload', payload: { channel: 'C1', file: { id: file }, threadTs: '1.2' } });
    expect(await store.triggers.claim('slack-file:C1:F1', { event: upload('F1') })).toBe(true);
    now = new Date('2026-03-02T10:00:10.000Z');
    expect(await store.triggers.claim('slack-file:C1:F2', { event: upload('F2') })).toBe(true);
    expect(await store.triggers.claim('slack-file:C1:F3', { event: upload('F3') })).toBe(true);
    expect(await store.triggers.claim('digest:2026-03-02', { event: { kind: 'digest', payload: {} } })).toBe(true);
    expect(await store.triggers.claim('notion-database:p:new:Quotes')).toBe(true);
    // A second claim of a taken key keeps nothing: the first claimant's event stays.
    expect(await store.triggers.claim('slack-file:C1:F1', { event: upload('other') })).toBe(false);
    now = new Date('2026-03-02T10:01:05.000Z');
    expect(await store.triggers.leftUnbound('slack-upload', 60_000)).toEqual([
      { key: 'slack-file:C1:F1', claimedAt: '2026-03-02T10:00:00.000Z', payload: upload('F1').payload },
    ]);
    now = new Date('2026-03-02T10:01:10.000Z');
    await store.triggers.bind('slack-file:C1:F2', 'job-2');
    expect((await store.triggers.leftUnbound('slack-upload', 60_000)).map((c) => c.key)).toEqual(['slack-file:C1:F1', 'slack-file:C1:F3']);
    // Settled without a job (the person was told why): the claim stays, and is not listed again.
    await store.triggers.settle('slack-file:C1:F3');
    expect(await store.triggers.get('slack-file:C1:F3')).toEqual({ key: 'slack-file:C1:F3', claimedAt: '2026-03-02T10:00:10.000Z' });
    expect((await store.triggers.leftUnbound('slack-upload', 60_000)).map((c) => c.key)).toEqual(['slack-file:C1:F1']);
    expect(await store.triggers.leftUnbound('slack-upload', 60_000, 0)).toEqual([]);
    // Listing takes nothing over; the take-over is a claim, and keeps the taker's event.
    expect(await store.triggers.claim('slack-file:C1:F1', { takeOverUnboundAfterMs: 60_000, event: upload('F1-again') })).toBe(true);
    expect(await store.triggers.leftUnbound('slack-upload', 60_000)).toEqual([]);
    now = new Date('2026-03-02T10:02:10.000Z');
    expect(await store.triggers.leftUnbound('slack-upload', 60_000)).toEqual([
      { key: 'slack-file:C1:F1', claimedAt: '2026-03-02T10:01:10.000Z', payload: upload('F1-again').payload },
    ]);
    // Given back: the claim and its event go.
    await store.triggers.release('slack-file:C1:F1');
    expect(await store.triggers.leftUnbound('slack-upload', 0)).toEqual([]);
    expect(await store.triggers.claim('slack-file:C1:F1')).toBe(true);
    expect(await store.triggers.leftUnbound('slack-upload', 0)).toEqual([]);
    expect((await store.triggers.leftUnbound('digest', 0)).map((c) => c.key)).toEqual(['digest:2026-03-02']);
    await store.close();
  });

  it('two processes taking over one left claim at once: one takes it', async () => {
    const path = await fresh();
    const old = await JobStore.open(path, { now: () => new Date(Date.now() - 120_000) });
    expect(await old.triggers.claim('slack-file:C1:F9', { event: { kind: 'slack-upload', payload: { n: 1 } } })).toBe(true);
    await old.close();
    const one = await JobStore.open(path);
    const two = await JobStore.open(path);
    const left = [...(await one.triggers.leftUnbound('slack-upload', 60_000)), ...(await two.triggers.leftUnbound('slack-upload', 60_000))];
    expect(left.map((c) => c.key)).toEqual(['slack-file:C1:F9', 'slack-file:C1:F9']);
    const won = await Promise.all([one, two, one, two].map((s) => s.triggers.claim('slack-file:C1:F9', { takeOverUnboundAfterMs: 60_000 })));
    expect(won.filter(Boolean)).toHaveLength(1);
    await one.close();
    await two.close();
  });

  it('takeOverUnbound: a stale claim without a job, once, returned as its claimant left it', async () => {
    const path = await fresh();
    let now = new Date('2026-03-02T10:00:00.000Z');
    const store = await JobStore.open(path, { now: () => now });
    const other = await JobStore.open(path, { now: () => now });
    const key = 'notion-database:p:new:Quotes';
    expect(await store.triggers.takeOverUnbound(key, 60_000)).toBeUndefined();
    expect(await store.triggers.claim(key)).toBe(true);
    expect(await store.triggers.claim('notion-database:p:new:Bound')).toBe(true);
    await store.triggers.bind('notion-database:p:new:Bound', 'db-1');
    now = new Date('2026-03-02T10:00:59.999Z');
    expect(await store.triggers.takeOverUnbound(key, 60_000)).toBeUndefined();
    now = new Date('2026-03-02T10:05:00.000Z');
    expect(await store.triggers.takeOverUnbound('notion-database:p:new:Bound', 60_000)).toBeUndefined();
    const [first, second] = await Promise.all([store.triggers.takeOverUnbound(key, 60_000), other.triggers.takeOverUnbound(key, 60_000)]);
    expect([first, second].filter((t) => t !== undefined)).toEqual([{ key, claimedAt: '2026-03-02T10:00:00.000Z' }]);
    // Taken over now: fresh again, for the next minute.
    expect(await store.triggers.get(key)).toEqual({ key, claimedAt: '2026-03-02T10:05:00.000Z' });
    expect(await other.triggers.takeOverUnbound(key, 60_000)).toBeUndefined();
    await store.close();
    await other.close();
  });

  it('lets a released claim be made again', async () => {
    const store = await JobStore.open(await fresh());
    expect(await store.triggers.claim('digest:2026-11-30')).toBe(true);
    await store.triggers.release('digest:2026-11-30');
    expect(await store.triggers.claim('digest:2026-11-30')).toBe(true);
    await store.close();
  });
});
