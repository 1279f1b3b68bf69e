import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath } from '../support/store.js';

describe('store.rateBudgets', () => {
  it('keeps the latest budget learned per integration across a reopen', () => {
    const path = freshStorePath();
    const store = new JobStore(path);
    expect(store.rateBudgets.get('integration-a')).toBeUndefined();
    store.rateBudgets.save('integration-a', { budget: 900, windowMs: 60_000 });
    store.rateBudgets.save('integration-a', { budget: 817, windowMs: 60_000, recentSends: [1, 2] });
    store.close();
    const reopened = new JobStore(path);
    expect(reopened.rateBudgets.get('integration-a')).toEqual({ budget: 817, windowMs: 60_000, recentSends: [1, 2] });
    expect(reopened.rateBudgets.get('integration-b')).toBeUndefined();
    reopened.close();
  });
});
