import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends, parsed, target } from '../support/store.js';

describe.each(storeBackends())('store.databases on $name', ({ fresh }) => {
  it('remembers databases it created under a page', async () => {
    const store = await JobStore.open(await fresh());
    expect(await store.databases.createdUnder('p', 'Quotes')).toBeUndefined();
    await store.databases.rememberCreated('p', { databaseId: 'd1', dataSourceId: 's1', url: 'u', title: 'Quotes' });
    await store.databases.rememberCreated('p', { databaseId: 'd2', dataSourceId: 's2', url: 'u2', title: 'Quotes' });
    expect(await store.databases.createdUnder('p', 'Quotes')).toEqual({ databaseId: 'd2', dataSourceId: 's2', url: 'u2', title: 'Quotes' });
    await store.close();
  });

  it('keeps one database per chunk of a job, the latest one set', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    const database = (chunk: number, id: string) => ({ chunk, databaseId: id, dataSourceId: `s-${id}`, url: `u-${id}`, title: 'Quotes' });
    await store.databases.setForJob(job.id, database(1, 'd2'));
    await store.databases.setForJob(job.id, database(0, 'd1'));
    await store.databases.setForJob(job.id, database(1, 'd3'));
    expect(await store.databases.forJob(job.id)).toEqual([database(0, 'd1'), database(1, 'd3')]);
    await store.close();
  });

  it('knows a database it created under any page, or that a job writes into, and no other', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.databases.rememberCreated('p', { databaseId: 'made', dataSourceId: 's1', url: 'u', title: 'Quotes' });
    await store.databases.setForJob(job.id, { chunk: 0, databaseId: 'chosen', dataSourceId: 's2', url: 'u2', title: 'Theirs' });
    expect(await store.databases.isKnown('made')).toBe(true);
    expect(await store.databases.isKnown('chosen')).toBe(true);
    expect(await store.databases.isKnown('left-behind')).toBe(false);
    await store.close();
  });
});
