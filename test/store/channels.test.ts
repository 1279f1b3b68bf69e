import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends, parsed } from '../support/store.js';

describe.each(storeBackends())('store.channels on $name', ({ fresh }) => {
  it('keeps a target per channel, a new one replacing the old, seen by another connection at once; clear goes back to none', async () => {
    const location = await fresh();
    const store = await JobStore.open(location);
    const other = await JobStore.open(location);
    expect(await store.channels.get('C1')).toBeUndefined();
    const acme = { kind: 'database' as const, databaseId: 'db-acme' };
    expect(await store.channels.set({ channel: 'C1', target: acme, title: 'Acme quotes', url: 'https://notion.so/acme', setBy: 'U1' })).toBeUndefined();
    expect(await other.channels.get('C1')).toMatchObject({ channel: 'C1', target: acme, title: 'Acme quotes', setBy: 'U1' });
    const page = { kind: 'parent' as const, parentPageId: 'page-1', title: 'Quotes' };
    const replaced = await other.channels.set({ channel: 'C1', target: page, title: 'Research', url: 'https://notion.so/research', setBy: undefined });
    expect(replaced?.target).toEqual(acme);
    await store.channels.set({ channel: 'C0', target: acme, title: 'Acme quotes', url: 'https://notion.so/acme', setBy: 'U2' });
    expect((await store.channels.list()).map((c) => [c.channel, c.target.kind, c.setBy])).toEqual([
      ['C0', 'database', 'U2'],
      ['C1', 'parent', undefined],
    ]);
    expect((await other.channels.clear('C1'))?.target).toEqual(page);
    expect(await store.channels.get('C1')).toBeUndefined();
    expect(await store.channels.clear('C1')).toBeUndefined();
    await other.close();
    await store.close();
  });

  it('says when a quote was last written into a database, by any job, and never for one no job wrote', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target: { kind: 'database', databaseId: 'db1' }, parsed });
    await store.databases.setForJob(job.id, { chunk: 0, databaseId: 'db1', dataSourceId: 'ds1', url: 'u', title: 'T' });
    expect(await store.channels.lastWritten('db1')).toBeUndefined();
    await store.quotes.setState(job.id, 'q2', 'written', { pageId: 'p2' });
    const at = await store.channels.lastWritten('db1');
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await store.quotes.setState(job.id, 'q3', 'failed', { reason: 'x' });
    expect(await store.channels.lastWritten('db1')).toBe(at);
    expect(await store.channels.lastWritten('db2')).toBeUndefined();
    await store.close();
  });
});
