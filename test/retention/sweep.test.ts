/**
 * Retention: a finished job's fallback CSV and quote texts go RETENTION_DAYS after its last
 * change, on SQLite and PostgreSQL. The store's clock and the sweep's are injected: no waiting.
 */
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobTextsClearedError } from '../../src/errors.js';
import { retentionCutoff, sweepRetention } from '../../src/retention/sweep.js';
import { JobStore, type JobState } from '../../src/store/index.js';
import { fallbackFileName } from '../../src/sync/outcome/fallback.js';
import { buildReport } from '../../src/sync/outcome/report.js';
import { parsed, storeBackends, target } from '../support/store.js';

const DAY = 86_400_000;
const JAN_1 = Date.parse('2025-01-01T00:00:00Z');

/** The store's clock: time moves only when a test says so. */
function clock(start: number) {
  let at = start;
  return { now: () => new Date(at), set: (ms: number) => void (at = ms) };
}

let stores: JobStore[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

describe('retentionCutoff', () => {
  it('is `days` before now, and none at all for 0 (kept for ever)', () => {
    expect(retentionCutoff(new Date(JAN_1 + 30 * DAY), 30)?.getTime()).toBe(JAN_1);
    expect(retentionCutoff(new Date(JAN_1), 0)).toBeUndefined();
  });
});

describe.each(storeBackends())('the retention sweep on $name', ({ fresh }) => {
  async function setUp() {
    const time = clock(JAN_1);
    const store = await JobStore.open(await fresh(), { now: time.now });
    stores.push(store);
    const dataDir = mkdtempSync(join(tmpdir(), 'quote-sync-retention-'));
    /** A job of the fixture's input, left in `state` at the store's current time, with its fallback CSV. */
    const job = async (state: JobState, sha: string) => {
      const created = await store.jobs.create({ source: `${sha}.csv`, sourceSha256: sha, target, parsed });
      await store.quotes.setState(created.id, 'q1', 'written', { pageId: `page-${sha}` });
      await store.quotes.setState(created.id, 'q2', 'failed', { reason: 'Notion said no' });
      await store.jobs.setState(created.id, state);
      writeFileSync(join(dataDir, fallbackFileName(created.id)), 'text,reason\n');
      return created.id;
    };
    return { time, store, dataDir, job };
  }

  it('clears the texts and deletes the CSVs of finished jobs past their time, and keeps every other job as it was', async () => {
    const { time, store, dataDir, job } = await setUp();
    const done = await job('done', 'a');
    const failed = await job('failed', 'b');
    const cancelled = await job('cancelled', 'c');
    const interrupted = await job('interrupted', 'd');
    const running = await job('running', 'e');
    // Another process is retrying this one: it holds the lease.
    const leased = await job('partial', 'f');
    expect(await store.leases.acquire(leased, 'elsewhere:1:abc', 100 * DAY)).toEqual({ ok: true });
    time.set(JAN_1 + 25 * DAY);
    const recent = await job('done', 'g');
    const reportBefore = await buildReport(store, failed);
    // A CSV of a job this store does not know, from long ago and from today; and a file of someone else's.
    const oldOrphan = join(dataDir, fallbackFileName('0123456789'));
    const newOrphan = join(dataDir, fallbackFileName('9876543210'));
    const notOurs = join(dataDir, 'notes.txt');
    for (const path of [oldOrphan, newOrphan, notOurs]) writeFileSync(path, 'x');
    for (const path of [oldOrphan, notOurs]) utimesSync(path, new Date(JAN_1), new Date(JAN_1));

    time.set(JAN_1 + 35 * DAY);
    const result = await sweepRetention({ store, dataDir, days: 30, now: time.now });

    expect(result.cutoff?.toISOString()).toBe('2025-01-06T00:00:00.000Z');
    expect(result.clearedJobs.sort()).toEqual([done, failed, cancelled].sort());
    expect(result.busyJobs).toEqual([leased]);
    expect(result.deletedFiles.sort()).toEqual([done, failed, cancelled].map((id) => join(dataDir, fallbackFileName(id))).concat(oldOrphan).sort());
    expect(readdirSync(dataDir).sort()).toEqual([interrupted, running, leased, recent].map(fallbackFileName).concat('notes.txt', fallbackFileName('9876543210')).sort());

    // A cleared job keeps its record: counts, pages, reasons, and each quote's id; its texts are gone.
    expect((await store.quotes.list(done)).map((q) => q.quote)).toEqual([{ id: 'q1' }, { id: 'q2' }, { id: 'q3' }]);
    expect((await store.quotes.list(done))[0]).toMatchObject({ state: 'written', pageId: 'page-a' });
    expect(await buildReport(store, failed)).toEqual(reportBefore);
    expect(reportBefore.failed).toEqual([{ id: 'q2', reason: 'Notion said no' }]);
    expect((await store.quotes.rejected(failed))[0]).toEqual({ row: 4, reason: 'the text is empty', raw: {} });
    // It can no longer be resumed; the same file again is a new job. The digest stops asking for its retry.
    expect(await store.jobs.findResumable('b', target)).toBeUndefined();
    await expect(store.retention.assertKept(failed)).rejects.toBeInstanceOf(JobTextsClearedError);
    await expect(store.retention.assertKept(failed)).rejects.toThrow(/cleared from the store on 2025-02-05 .*Sync the file again/);
    expect((await store.digest.jobsInStates(['failed', 'partial', 'interrupted'])).map((j) => j.id).sort()).toEqual([interrupted, leased].sort());

    // Unfinished, leased and recent jobs keep everything.
    for (const id of [interrupted, running, leased, recent]) {
      expect((await store.quotes.list(id))[1]!.quote).toEqual({ id: 'q2', text: 'second', category: 'Pricing' });
      await expect(store.retention.assertKept(id)).resolves.toBeUndefined();
    }
    expect((await store.jobs.findResumable('d', target))?.id).toBe(interrupted);
  });

  it('leaves a job whose quotes changed after the cutoff, clears each job once, and does nothing when RETENTION_DAYS is 0', async () => {
    const { time, store, dataDir, job } = await setUp();
    const done = await job('done', 'a');
    const late = await job('failed', 'b');
    // A quote of this job changed after the job's own last change (the digest counts that change).
    time.set(JAN_1 + 10 * DAY);
    await store.quotes.setState(late, 'q3', 'failed', { reason: 'later' });
    time.set(JAN_1 + 35 * DAY);

    expect((await sweepRetention({ store, dataDir, days: 0, now: time.now })).clearedJobs).toEqual([]);
    expect(readdirSync(dataDir)).toHaveLength(2);

    expect((await sweepRetention({ store, dataDir, days: 30, now: time.now })).clearedJobs).toEqual([done]);
    const again = await sweepRetention({ store, dataDir, days: 30, now: time.now });
    expect(again).toMatchObject({ clearedJobs: [], busyJobs: [], deletedFiles: [] });
    expect(existsSync(join(dataDir, fallbackFileName(late)))).toBe(true);
    time.set(JAN_1 + 45 * DAY);
    expect((await sweepRetention({ store, dataDir, days: 30, now: time.now })).clearedJobs).toEqual([late]);
  });

  it('sweeps a data folder that does not exist yet', async () => {
    const { store } = await setUp();
    const result = await sweepRetention({ store, dataDir: join(tmpdir(), 'quote-sync-retention-none', 'data'), days: 30 });
    expect(result.deletedFiles).toEqual([]);
  });
});
