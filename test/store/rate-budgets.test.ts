import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends } from '../support/store.js';

describe.each(storeBackends())('store.rateBudgets on $name', ({ fresh }) => {
  it('keeps the latest budget learned per integration across a reopen', async () => {
    const path = await fresh();
    const store = await JobStore.open(path);
    expect(await store.rateBudgets.get('integration-a')).toBeUndefined();
    await store.rateBudgets.save('integration-a', { budget: 900, windowMs: 60_000 });
    await store.rateBudgets.save('integration-a', { budget: 817, windowMs: 60_000, recentSends: [1, 2] });
    await store.close();
    const reopened = await JobStore.open(path);
    expect(await reopened.rateBudgets.get('integration-a')).toEqual({ budget: 817, windowMs: 60_000, recentSends: [1, 2] });
    expect(await reopened.rateBudgets.get('integration-b')).toBeUndefined();
    await reopened.close();
  });
});
