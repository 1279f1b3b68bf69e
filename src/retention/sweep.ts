/**
 * One retention sweep: what a finished job leaves behind goes once RETENTION_DAYS have passed
 * since its last change. Run by the app at start and daily (./schedule.ts), and by the command
 * line after each run.
 *
 * - The quote texts of finished jobs (done, partial, failed, cancelled) are cleared; the jobs stay
 *   as records (store/retention.ts says what is kept and why). A running, interrupted or queued
 *   job is never touched: each job is cleared under its lease, which every run holds.
 * - Fallback CSVs in the data folder go with their job's texts. A CSV whose job this store does
 *   not know (a store started afresh) goes once the file itself is older than the retention.
 *   Only files named like fallback CSVs are ever deleted.
 * - SQLite then gives the freed space back to the disk (JobRetention.reclaimSpace).
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { JobStore, SpaceReclaimed } from '../store/index.js';
import { jobOfFallbackFile } from '../sync/outcome/fallback.js';
import { newOwnerId } from '../sync/run/lease.js';

export const DAY_MS = 86_400_000;

/** How long a sweep holds one job's lease: far more than clearing one job's texts takes. */
const SWEEP_LEASE_TTL_MS = 60_000;

/** Jobs looked at per query. */
const BATCH = 100;

export interface SweepOptions {
  store: JobStore;
  /** Where the fallback CSVs are (config.dataDir). */
  dataDir: string;
  /** config.retentionDays: 0 keeps everything for ever. */
  days: number;
  now?: () => Date;
  logger?: Logger;
}

export interface SweepResult {
  /** Everything changed before this instant is past its time; undefined when retention is off. */
  cutoff: Date | undefined;
  /** Jobs whose quote texts were cleared by this sweep. */
  clearedJobs: string[];
  /** Expired jobs left for a later sweep: another process held their lease (a retry starting). */
  busyJobs: string[];
  /** Paths of the fallback CSVs deleted. */
  deletedFiles: string[];
  space: SpaceReclaimed | undefined;
}

/** The instant before which a finished job's leftovers go, or undefined when `days` is 0 (kept for ever). */
export function retentionCutoff(now: Date, days: number): Date | undefined {
  return days > 0 ? new Date(now.getTime() - days * DAY_MS) : undefined;
}

export async function sweepRetention(o: SweepOptions): Promise<SweepResult> {
  const cutoff = retentionCutoff((o.now ?? (() => new Date()))(), o.days);
  if (!cutoff) return { cutoff, clearedJobs: [], busyJobs: [], deletedFiles: [], space: undefined };
  const { clearedJobs, busyJobs } = await clearExpiredJobs(o.store, cutoff);
  const deletedFiles = await deleteFallbackFiles(o.store, o.dataDir, cutoff);
  const space = await o.store.retention.reclaimSpace();
  if (clearedJobs.length > 0 || deletedFiles.length > 0 || space) {
    o.logger?.info(
      { cutoff: cutoff.toISOString(), clearedJobs: clearedJobs.length, busyJobs: busyJobs.length, deletedFiles: deletedFiles.length, space },
      'retention: cleared the quote texts and fallback files of old finished jobs',
    );
  }
  return { cutoff, clearedJobs, busyJobs, deletedFiles, space };
}

/** Clears every expired job it can lease; a job another process holds is left for the next sweep. */
async function clearExpiredJobs(store: JobStore, cutoff: Date): Promise<{ clearedJobs: string[]; busyJobs: string[] }> {
  const owner = newOwnerId();
  const clearedJobs: string[] = [];
  const busy = new Set<string>();
  for (;;) {
    // Busy jobs stay expired: the next batch asks past them.
    const batch = (await store.retention.expired(cutoff, BATCH + busy.size)).filter((id) => !busy.has(id));
    if (batch.length === 0) break;
    for (const jobId of batch) {
      if (!(await store.leases.acquire(jobId, owner, SWEEP_LEASE_TTL_MS)).ok) {
        busy.add(jobId);
        continue;
      }
      try {
        if (await store.retention.clearTexts(jobId, cutoff)) clearedJobs.push(jobId);
        else busy.add(jobId); // changed since it was listed (say, a retry began): not expired now
      } finally {
        await store.leases.release(jobId, owner);
      }
    }
  }
  return { clearedJobs, busyJobs: [...busy].filter((id) => !clearedJobs.includes(id)) };
}

/** Deletes the fallback CSVs whose job's texts are cleared, or whose job is unknown and whose file is past the cutoff. */
async function deleteFallbackFiles(store: JobStore, dataDir: string, cutoff: Date): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const deleted: string[] = [];
  for (const name of names) {
    const jobId = jobOfFallbackFile(name);
    if (!jobId) continue;
    const path = join(dataDir, name);
    const known = (await store.jobs.get(jobId)) !== undefined;
    const expired = known ? (await store.retention.clearedAt(jobId)) !== undefined : await olderThan(path, cutoff);
    if (expired && (await removed(path))) deleted.push(path);
  }
  return deleted;
}

async function olderThan(path: string, cutoff: Date): Promise<boolean> {
  try {
    return (await stat(path)).mtimeMs < cutoff.getTime();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** False when the file was gone already (another process sharing the folder got there first). */
async function removed(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
