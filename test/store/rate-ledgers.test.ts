import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import type { ReserveRequest } from '../../src/store/rate-ledgers.js';
import { storeBackends } from '../support/store.js';

const WINDOW = 1000;
const request = (earliest: number, ref: string, extra: Partial<ReserveRequest> = {}): ReserveRequest => ({
  earliest,
  spacingMs: 10,
  budget: undefined,
  windowMs: WINDOW,
  spanMs: WINDOW + 5,
  ref,
  ...extra,
});

describe.each(storeBackends())('store.rateLedgers on $name', ({ fresh }) => {
  it('hands out slots on one timeline to every connection, never two at once, each at least the spacing apart', async () => {
    const location = await fresh();
    const [a, b] = [await JobStore.open(location), await JobStore.open(location)];
    const slots = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).rateLedgers.reserve('i1', request(1000, `r${i}`))));
    const sorted = slots.map((s) => s.slot).sort((x, y) => x - y);
    expect(sorted[0]).toBe(1000);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(10);
    // Another integration has a timeline of its own.
    expect((await a.rateLedgers.reserve('i2', request(1000, 'other'))).slot).toBe(1000);
    await a.close();
    await b.close();
  });

  it('keeps every span of a window to the budget any connection learned, and shares the budget', async () => {
    const location = await fresh();
    const [a, b] = [await JobStore.open(location), await JobStore.open(location)];
    const first = await a.rateLedgers.reserve('i1', request(0, 'a0', { budget: 3 }));
    expect(first).toEqual({ slot: 0, budget: 3 });
    const next = [];
    for (let i = 1; i < 7; i++) next.push(await b.rateLedgers.reserve('i1', request(0, `b${i}`)));
    // b knew no budget: the ledger's is kept, three sends per 1005 ms span.
    expect(next.map((r) => r.slot)).toEqual([10, 20, 1005, 1015, 1025, 2010]);
    expect(next.every((r) => r.budget === 3)).toBe(true);
    await b.rateLedgers.learned('i1', 5, WINDOW);
    expect((await a.rateLedgers.reserve('i1', request(0, 'a7'))).budget).toBe(5);
    await a.close();
    await b.close();
  });

  it('holds every connection to a pause one of them met, gives back an unspent slot, and tells the history', async () => {
    const location = await fresh();
    const [a, b] = [await JobStore.open(location), await JobStore.open(location)];
    const sent = await a.rateLedgers.reserve('i1', request(5000, 'a1'));
    const refused = await a.rateLedgers.reserve('i1', request(5000, 'a2'));
    await a.rateLedgers.unsend('i1', refused.slot, 'a2');
    await a.rateLedgers.pause('i1', 9000);
    await a.rateLedgers.pause('i1', 7000); // a shorter pause does not shorten it
    expect((await b.rateLedgers.reserve('i1', request(6000, 'b1'))).slot).toBe(9000);
    expect(await b.rateLedgers.history('i1', 0)).toEqual({ sends: [sent.slot, 9000], completeFrom: 5000 });
    await a.close();
    await b.close();
  });

  it('forgets sends older than two windows', async () => {
    const store = await JobStore.open(await fresh());
    await store.rateLedgers.reserve('i1', request(0, 'old'));
    await store.rateLedgers.reserve('i1', request(10_000, 'new'));
    expect((await store.rateLedgers.history('i1', 0)).sends).toEqual([10_000]);
    await store.close();
  });
});
