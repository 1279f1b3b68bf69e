import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath } from '../support/store.js';

describe('store.triggers', () => {
  it('claims a trigger once, across two connections to the same file (two processes)', () => {
    const path = freshStorePath();
    const store = new JobStore(path);
    const other = new JobStore(path);
    expect(store.triggers.claim('slack-file:F123')).toBe(true);
    expect(store.triggers.claim('slack-file:F123')).toBe(false);
    expect(other.triggers.claim('slack-file:F123')).toBe(false);
    expect(other.triggers.claim('slack-file:F456')).toBe(true);
    store.close();
    other.close();
  });

  it('takes over a claim without a job once it is old enough, never a fresh one or one bound to a job', () => {
    const path = freshStorePath();
    let now = new Date('2026-03-02T10:00:00.000Z');
    const store = new JobStore(path, { now: () => now });
    const takeOver = { takeOverUnboundAfterMs: 60_000 };
    expect(store.triggers.claim('slack-file:C1:F1')).toBe(true);
    expect(store.triggers.claim('slack-file:C1:F2')).toBe(true);
    store.triggers.bind('slack-file:C1:F2', 'job-2');
    now = new Date('2026-03-02T10:00:59.000Z');
    expect(store.triggers.claim('slack-file:C1:F1', takeOver)).toBe(false);
    now = new Date('2026-03-02T10:01:00.000Z');
    expect(store.triggers.claim('slack-file:C1:F1')).toBe(false);
    expect(store.triggers.claim('slack-file:C1:F2', takeOver)).toBe(false);
    expect(store.triggers.claim('slack-file:C1:F1', takeOver)).toBe(true);
    // The take-over is a claim of its own: the next one within the minute is refused.
    expect(store.triggers.claim('slack-file:C1:F1', takeOver)).toBe(false);
    expect(store.triggers.get('slack-file:C1:F1')).toEqual({ key: 'slack-file:C1:F1', claimedAt: '2026-03-02T10:01:00.000Z' });
    expect(store.triggers.get('slack-file:C1:F2')).toMatchObject({ jobId: 'job-2' });
    store.close();
  });

  it('lets a released claim be made again', () => {
    const store = new JobStore(freshStorePath());
    expect(store.triggers.claim('digest:2026-11-30')).toBe(true);
    store.triggers.release('digest:2026-11-30');
    expect(store.triggers.claim('digest:2026-11-30')).toBe(true);
    store.close();
  });
});
