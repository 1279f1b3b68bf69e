/** Jobs: one row per sync of an input into a Notion target, with its state and what it cost. */
import { randomBytes } from 'node:crypto';
import { jobsInsertionOrder, type Db } from './db.js';
import type { ParsedQuotes } from '../quotes/model.js';
import { insertParsedQuotes } from './quotes.js';
import { targetKey, type JobOptions, type JobState, type JobTarget, type SyncJob } from './types.js';

/** A jobs row as the store returns it (SELECT *). */
export interface JobRow {
  id: string;
  created_at: string;
  updated_at: string;
  state: JobState;
  source: string;
  source_sha256: string;
  target: string;
  options: string;
  origin: string | null;
  error: string | null;
  requests: number;
  active_ms: number;
}

export function toJob(row: JobRow): SyncJob {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    state: row.state,
    source: row.source,
    sourceSha256: row.source_sha256,
    target: JSON.parse(row.target),
    options: JSON.parse(row.options),
    origin: row.origin === null ? undefined : JSON.parse(row.origin),
    error: row.error ?? undefined,
    requests: row.requests,
    activeMs: row.active_ms,
  };
}

export interface NewJob {
  source: string;
  sourceSha256: string;
  target: JobTarget;
  options?: JobOptions;
  origin?: unknown;
  parsed: ParsedQuotes;
  chunkOf?: (position: number) => number;
  /** Leased to this owner from the start, for this long: no replica sees the new job as left behind. */
  lease?: { owner: string; ttlMs: number };
}

export class Jobs {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  /** Records a new job with all its quotes pending, its rejected rows and duplicates, in one transaction. */
  async create(input: NewJob): Promise<SyncJob> {
    const id = randomBytes(5).toString('hex');
    const at = this.stamp();
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO jobs (id, created_at, updated_at, state, source, source_sha256, target, options, origin)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
        [
          id,
          at,
          at,
          input.source,
          input.sourceSha256,
          JSON.stringify(input.target),
          JSON.stringify(input.options ?? {}),
          input.origin === undefined ? null : JSON.stringify(input.origin),
        ],
      );
      await insertParsedQuotes(tx, id, input.parsed, input.chunkOf, at);
      if (input.lease) {
        await tx.run(`INSERT INTO job_leases (job_id, owner, expires_at) VALUES (?, ?, ?)`, [id, input.lease.owner, Date.parse(at) + input.lease.ttlMs]);
      }
    });
    return (await this.get(id))!;
  }

  async get(id: string): Promise<SyncJob | undefined> {
    const row = await this.db.get<JobRow>(`SELECT * FROM jobs WHERE id = ?`, [id]);
    return row && toJob(row);
  }

  /** The latest jobs first. */
  async list(limit = 20): Promise<SyncJob[]> {
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM jobs ORDER BY created_at DESC, ${jobsInsertionOrder(this.db.dialect)} DESC LIMIT ?`,
      [limit],
    );
    return rows.map(toJob);
  }

  /** How many jobs are in each state (a state no job is in is absent). */
  async countByState(): Promise<Partial<Record<JobState, number>>> {
    const rows = await this.db.all<{ state: JobState; n: number }>(`SELECT state, COUNT(*) AS n FROM jobs GROUP BY state`);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** Jobs that stopped before finishing (a crash leaves them 'running'). */
  async unfinished(): Promise<SyncJob[]> {
    const rows = await this.db.all<JobRow>(`SELECT * FROM jobs WHERE state IN ('running', 'interrupted') ORDER BY created_at`);
    return rows.map(toJob);
  }

  /** The latest job of the same input and target that still has work left, if any (one whose texts retention cleared has none it can do). */
  async findResumable(sourceSha256: string, target: JobTarget): Promise<SyncJob | undefined> {
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM jobs WHERE source_sha256 = ? AND state IN ('running', 'interrupted', 'partial', 'failed')
         AND id NOT IN (SELECT job_id FROM job_texts_cleared)
       ORDER BY created_at DESC, ${jobsInsertionOrder(this.db.dialect)} DESC`,
      [sourceSha256],
    );
    const key = targetKey(target);
    return rows.map(toJob).find((job) => targetKey(job.target) === key);
  }

  async setState(id: string, state: JobState, error?: string): Promise<void> {
    await this.db.run(`UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?`, [state, error ?? null, this.stamp(), id]);
  }

  /** Where a job reports (say, the Slack thread of the upload that resumed it). */
  async setOrigin(id: string, origin: unknown): Promise<void> {
    await this.db.run(`UPDATE jobs SET origin = ?, updated_at = ? WHERE id = ?`, [JSON.stringify(origin), this.stamp(), id]);
  }

  /** Adds one run's Notion requests and active time to the job's totals. */
  async addUsage(id: string, requests: number, activeMs: number): Promise<void> {
    await this.db.run(`UPDATE jobs SET requests = requests + ?, active_ms = active_ms + ?, updated_at = ? WHERE id = ?`, [
      requests,
      Math.round(activeMs),
      this.stamp(),
      id,
    ]);
  }
}
