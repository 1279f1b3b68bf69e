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

  it('lets a released claim be made again', () => {
    const store = new JobStore(freshStorePath());
    expect(store.triggers.claim('digest:2026-11-30')).toBe(true);
    store.triggers.release('digest:2026-11-30');
    expect(store.triggers.claim('digest:2026-11-30')).toBe(true);
    store.close();
  });
});
