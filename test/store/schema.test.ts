import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/index.js';
import { freshStorePath } from '../support/store.js';

const EXISTING = readFileSync(new URL('../fixtures/store/existing-store.sql', import.meta.url), 'utf8');
const JOB_ID = 'a1b2c3d4e5';
/** Tables that came after the fixture: the shared pacing ledger, then the input's warnings, each job's fields and the chosen field mappings, each channel's target, the waits on Gumloop runs, Notion's blocks, the events kept with trigger claims, the Workflow Builder steps, the jobs whose texts retention cleared. */
const ADDED_LATER = ['channel_targets', 'field_maps', 'gumloop_waits', 'gumloop_waits_by_state', 'integration_blocks', 'job_fields', 'job_texts_cleared', 'job_warnings', 'rate_ledgers', 'rate_sends', 'trigger_events', 'workflow_steps', 'workflow_steps_by_job'];

/** Tables and indexes as SQLite keeps them, by name. */
function schemaOf(path: string): Record<string, string> {
  const file = new Database(path, { readonly: true });
  const rows = file.prepare(`SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name`).all() as { name: string; sql: string }[];
  file.close();
  return Object.fromEntries(rows.map((r) => [r.name, r.sql]));
}

/** A store file holding the fixture's tables and rows, as an earlier run left it. */
function existingStoreFile(): string {
  const path = freshStorePath();
  mkdirSync(dirname(path), { recursive: true });
  const file = new Database(path);
  file.exec(EXISTING);
  file.close();
  return path;
}

describe('the store schema', () => {
  it('gives a new file the same tables and indexes as an existing one', async () => {
    const path = freshStorePath();
    await (await JobStore.open(path)).close();
    const existing = new Database(':memory:');
    existing.exec(EXISTING);
    const rows = existing.prepare(`SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name`).all() as { name: string; sql: string }[];
    existing.close();
    const made = schemaOf(path);
    // Every table and index of the existing file, as it was written, plus the tables that came later.
    expect(made).toMatchObject(Object.fromEntries(rows.map((r) => [r.name, r.sql])));
    expect(Object.keys(made).filter((name) => !rows.some((r) => r.name === name))).toEqual(ADDED_LATER);
  });

  it('opens an existing file, changes none of its tables (adding only the tables it lacks), reads every row and writes on', async () => {
    const path = existingStoreFile();
    const before = schemaOf(path);
    const store = await JobStore.open(path);
    expect(await store.jobs.get(JOB_ID)).toMatchObject({
      state: 'partial',
      error: 'Stopped: 1 quote failed.',
      target: { kind: 'parent', parentPageId: 'page-1', title: 'Quotes' },
      options: { chunkSize: 2 },
      origin: { channel: 'C1', thread: '1.2' },
      requests: 7,
      activeMs: 1234,
    });
    expect((await store.jobs.findResumable('sha-1', { kind: 'parent', parentPageId: 'page-1', title: 'Quotes' }))?.id).toBe(JOB_ID);
    expect(await store.quotes.counts(JOB_ID)).toEqual({ total: 5, pending: 1, written: 1, alreadyPresent: 0, updated: 0, unchanged: 0, duplicates: 1, rejected: 1, failed: 1 });
    expect((await store.quotes.toWrite(JOB_ID)).map((q) => [q.quote.id, q.chunk])).toEqual([['q3', 1]]);
    expect((await store.quotes.list(JOB_ID))[0]).toMatchObject({ pageId: 'page-q1', quote: { category: 'Pricing', relevanceScore: 9 } });
    expect((await store.databases.forJob(JOB_ID)).map((d) => d.databaseId)).toEqual(['db-1']);
    expect((await store.databases.createdUnder('page-1', 'Quotes'))?.dataSourceId).toBe('ds-1');
    expect(await store.events.counts(JOB_ID)).toEqual({ conflict: 1, network: 1, recovery: 1 });
    expect(await store.events.ambiguousFailures(JOB_ID)).toBe(1);
    expect(await store.triggers.claim('slack-file:C1:F1')).toBe(false);
    expect(await store.rateBudgets.get('integration-1')).toEqual({ budget: 817, windowMs: 60_000, recentSends: [1, 2, 3] });

    expect(await store.quotes.requeueFailed(JOB_ID)).toBe(1);
    await store.events.add(JOB_ID, 'lookup');
    await store.jobs.setState(JOB_ID, 'running');
    expect((await store.quotes.counts(JOB_ID)).pending).toBe(2);
    expect((await store.events.counts(JOB_ID)).lookup).toBe(1);
    await store.close();
    const after = schemaOf(path);
    expect(after).toMatchObject(before);
    expect(Object.keys(after).filter((name) => !(name in before))).toEqual(ADDED_LATER);
  });
});
