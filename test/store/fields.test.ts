import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { storeBackends, parsed, target } from '../support/store.js';

describe.each(storeBackends())('store.fields on $name', ({ fresh }) => {
  it('keeps a job\'s warnings once each, the input\'s first and then by row, however often they are added', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({
      source: 'a.csv',
      sourceSha256: 'sha',
      target,
      parsed: { ...parsed, warnings: [{ row: 3, message: 'row 3: b' }, { row: 0, message: 'the input: a' }] },
    });
    await store.fields.addWarnings(job.id, [{ row: 2, message: 'row 2: c' }, { row: 3, message: 'row 3: b' }]);
    await store.fields.addWarnings(job.id, [{ row: 2, message: 'row 2: c' }, { row: 2, message: 'x'.repeat(3000) }]);
    const warnings = await store.fields.warnings(job.id);
    expect(warnings.map((w) => w.row)).toEqual([0, 2, 2, 3]);
    expect(warnings[1]).toEqual({ row: 2, message: 'row 2: c' });
    // Cut to fit an index entry, and said to be cut.
    expect(warnings[2]!.message).toHaveLength(1000);
    expect(warnings[2]!.message.endsWith('…')).toBe(true);
    await store.close();
  });

  it('replaces a job\'s field plan with its latest run\'s', async () => {
    const store = await JobStore.open(await fresh());
    const job = await store.jobs.create({ source: 'a.csv', sourceSha256: 'sha', target, parsed });
    await store.fields.setPlan(job.id, [{ field: 'a', property: 'A', type: 'rich_text', by: 'new', added: true, quotes: 2 }]);
    const plan = [
      { field: 'a', property: 'A', type: 'rich_text', by: 'name' as const, quotes: 2 },
      { field: 'b', property: 'B (input)', type: 'number', by: 'new' as const, added: true, quotes: 1, note: 'not written to "B" is a formula property' },
    ];
    await store.fields.setPlan(job.id, plan);
    expect(await store.fields.plan(job.id)).toEqual(plan);
    await store.close();
  });

  it('keeps the mappings chosen for a database, a new one replacing the field\'s, an empty one forgetting it; seen by every connection', async () => {
    const location = await fresh();
    const store = await JobStore.open(location);
    const other = await JobStore.open(location);
    await store.fields.rememberMaps('db1', { reddit_url: 'Link', 'post.author': 'Writer' });
    await store.fields.rememberMaps('db1', { reddit_url: 'Source' });
    await store.fields.rememberMaps('db2', { tags: 'Tags' });
    expect(await other.fields.mapsFor('db1')).toEqual({ 'post.author': 'Writer', reddit_url: 'Source' });
    await other.fields.rememberMaps('db1', { 'post.author': '' });
    expect(await store.fields.mapsFor('db1')).toEqual({ reddit_url: 'Source' });
    expect(await store.fields.mapsFor('db3')).toEqual({});
    await other.close();
    await store.close();
  });
});
