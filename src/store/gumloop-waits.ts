/**
 * Gumloop waits: "wait for this Gumloop run, then sync its quotes into this Slack thread", kept
 * in the store so that it outlives the replica that started it. A wait is leased like a job
 * (owner and expiry on its row, taken by one conditional statement): its holder polls the run;
 * when the holder dies, another replica (or the next start) takes the wait over. A wait ends
 * once: synced (with the job its quotes became) or failed (with the sentence the thread got).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import type { LeaseResult } from './leases.js';

export type GumloopWaitState = 'waiting' | 'synced' | 'failed';

/** Where the wait talks: the thread's job message (the same shape as slack/origin.ts' JobMessage). */
export interface GumloopWaitMessage {
  channel: string;
  ts: string;
  threadTs: string;
}

export interface GumloopWait {
  id: string;
  runId: string;
  /** The flow (saved item) that was started, when the wait began with a start. */
  flow: string | undefined;
  message: GumloopWaitMessage;
  /** The Slack user who asked. */
  user: string | undefined;
  /** The quotes are synced in update mode. */
  update: boolean;
  /** When waiting on the run stops (ms since the epoch). */
  deadlineAt: number;
  state: GumloopWaitState;
  /** The job the run's quotes became, once synced. */
  jobId: string | undefined;
  /** Why it failed, as the thread was told. */
  error: string | undefined;
  /** The owner of its lease when read, if any (it may have run out). */
  heldBy: string | undefined;
  createdAt: string;
}

export interface NewGumloopWait {
  runId: string;
  flow?: string;
  message: GumloopWaitMessage;
  user?: string;
  update?: boolean;
  deadlineAt: number;
  /** Leased to this owner from the start: no replica sees the new wait as left behind. */
  lease: { owner: string; ttlMs: number };
}

interface WaitRow {
  id: string;
  run_id: string;
  flow: string | null;
  channel: string;
  message_ts: string;
  thread_ts: string;
  user_id: string | null;
  update_mode: number;
  deadline_at: number;
  state: GumloopWaitState;
  job_id: string | null;
  error: string | null;
  owner: string | null;
  created_at: string;
}

function toWait(row: WaitRow): GumloopWait {
  return {
    id: row.id,
    runId: row.run_id,
    flow: row.flow ?? undefined,
    message: { channel: row.channel, ts: row.message_ts, threadTs: row.thread_ts },
    user: row.user_id ?? undefined,
    update: Number(row.update_mode) === 1,
    deadlineAt: Number(row.deadline_at),
    state: row.state,
    jobId: row.job_id ?? undefined,
    error: row.error ?? undefined,
    heldBy: row.owner ?? undefined,
    createdAt: row.created_at,
  };
}

const COLUMNS = 'id, run_id, flow, channel, message_ts, thread_ts, user_id, update_mode, deadline_at, state, job_id, error, owner, created_at';

export class GumloopWaits {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  async create(input: NewGumloopWait): Promise<GumloopWait> {
    const id = `gw-${randomBytes(5).toString('hex')}`;
    const at = this.now();
    await this.db.run(
      `INSERT INTO gumloop_waits (id, run_id, flow, channel, message_ts, thread_ts, user_id, update_mode, deadline_at, state, owner, lease_expires_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?)`,
      [
        id,
        input.runId,
        input.flow ?? null,
        input.message.channel,
        input.message.ts,
        input.message.threadTs,
        input.user ?? null,
        input.update ? 1 : 0,
        Math.round(input.deadlineAt),
        input.lease.owner,
        at.getTime() + input.lease.ttlMs,
        at.toISOString(),
        at.toISOString(),
      ],
    );
    return (await this.get(id))!;
  }

  async get(id: string): Promise<GumloopWait | undefined> {
    const row = await this.db.get<WaitRow>(`SELECT ${COLUMNS} FROM gumloop_waits WHERE id = ?`, [id]);
    return row && toWait(row);
  }

  /** Waits not ended yet, oldest first, held or not. */
  async waiting(): Promise<GumloopWait[]> {
    const rows = await this.db.all<WaitRow>(`SELECT ${COLUMNS} FROM gumloop_waits WHERE state = 'waiting' ORDER BY created_at, id`);
    return rows.map(toWait);
  }

  /** Every wait on a run, ended or not, oldest first. */
  async ofRun(runId: string): Promise<GumloopWait[]> {
    const rows = await this.db.all<WaitRow>(`SELECT ${COLUMNS} FROM gumloop_waits WHERE run_id = ? ORDER BY created_at, id`, [runId]);
    return rows.map(toWait);
  }

  /**
   * Takes, or renews, the right to follow a wait for `ttlMs`, as store/leases.ts does for jobs:
   * refused, with the holder's expiry, while another owner holds it and is not known to be gone.
   */
  async acquire(id: string, owner: string, ttlMs: number, isGone: (holder: string) => boolean = () => false): Promise<LeaseResult> {
    const now = this.now().getTime();
    const held = await this.db.get<{ owner: string | null; lease_expires_at: number }>(`SELECT owner, lease_expires_at FROM gumloop_waits WHERE id = ?`, [id]);
    if (!held) return { ok: false, expiresAt: now };
    const expiresAt = Number(held.lease_expires_at);
    const other = held.owner !== null && held.owner !== owner && expiresAt > now ? held.owner : undefined;
    if (other !== undefined && !isGone(other)) return { ok: false, expiresAt };
    // One statement: of two replicas reaching for the same wait, one changes the row.
    const changed = await this.db.run(
      `UPDATE gumloop_waits SET owner = ?, lease_expires_at = ?
       WHERE id = ? AND (owner IS NULL OR owner = ? OR lease_expires_at <= ? OR owner = ?)`,
      [owner, now + ttlMs, id, owner, now, other ?? null],
    );
    if (changed === 1) return { ok: true };
    const holder = await this.db.get<{ lease_expires_at: number }>(`SELECT lease_expires_at FROM gumloop_waits WHERE id = ?`, [id]);
    return { ok: false, expiresAt: Number(holder?.lease_expires_at ?? now) };
  }

  /** Gives the wait's lease up; only its holder can. The wait itself stays as it is. */
  async release(id: string, owner: string): Promise<void> {
    await this.db.run(`UPDATE gumloop_waits SET owner = NULL, lease_expires_at = 0 WHERE id = ? AND owner = ?`, [id, owner]);
  }

  /**
   * Ends a wait that is still waiting, once: false when it had already ended (another holder
   * settled it), so the caller says nothing more in the thread.
   */
  async settle(id: string, outcome: { state: 'synced'; jobId: string } | { state: 'failed'; error: string }): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE gumloop_waits SET state = ?, job_id = ?, error = ?, updated_at = ? WHERE id = ? AND state = 'waiting'`,
      [outcome.state, outcome.state === 'synced' ? outcome.jobId : null, outcome.state === 'failed' ? outcome.error : null, this.now().toISOString(), id],
    );
    return changed === 1;
  }
}
