import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath, parsed, target } from '../support/store.js';

describe('store.databases', () => {
  it('remembers databases it created under a page', () => {
    const store = new JobStore(freshStorePath());
    expect(store.databases.createdUnder('p', 'Quotes')).toBeUndefined();
    store.databases.rememberCreated('p', { databaseId: 'd1', dataSourceId: 's1', url: 'u', title: 'Quotes' });
    store.databases.rememberCreated('p', { databaseId: 'd2', dataSourceId: 's2', url: 'u2', title: 'Quotes' });
    expect(store.databases.createdUnder('p', 'Quotes')).toEqual({ databaseId: 'd2', dataSourceId: 's2', url: 'u2', title: 'Quotes' });
    store.close();
  });

  it('keeps one database per chunk of a job, the latest one set', () => {
    const store = new JobStore(freshStorePath());
    const job = store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    const database = (chunk: number, id: string) => ({ chunk, databaseId: id, dataSourceId: `s-${id}`, url: `u-${id}`, title: 'Quotes' });
    store.databases.setForJob(job.id, database(1, 'd2'));
    store.databases.setForJob(job.id, database(0, 'd1'));
    store.databases.setForJob(job.id, database(1, 'd3'));
    expect(store.databases.forJob(job.id)).toEqual([database(0, 'd1'), database(1, 'd3')]);
    store.close();
  });
});
