/**
 * Workflow steps: each run of the "Sync quotes to Notion" step that Slack's Workflow Builder sent
 * (`function_executed`), kept so that whichever replica or process finishes its job can tell
 * Slack how the step ended. A step is recorded once per execution id (Slack may deliver the event
 * again), bound to its job once the job exists, and completed once: the replica that tells Slack
 * first claims it with one conditional statement. A claim left by a process that stopped while it
 * completed the step runs out after `staleClaimMs`.
 *
 * The row holds the execution's own token (`bot_access_token`), a secret valid only while the
 * step runs: it is cleared as soon as the step is completed, and by `forgetExpiredTokens` once
 * its lifetime has passed. Instants in ms since the epoch.
 */
import type { Db } from './db.js';

/** starting: the step is being turned into a job. waiting: its job runs. completing: claimed by one replica. done: Slack was told (or the thread was). */
export type WorkflowStepState = 'starting' | 'waiting' | 'completing' | 'done';

export interface WorkflowStep {
  executionId: string;
  jobId: string | undefined;
  /** The execution's token, until the step is done or the token's lifetime has passed. */
  token: string | undefined;
  tokenExpiresAt: number;
  state: WorkflowStepState;
  /** How it ended: `completed`, `failed`, or `told-in-thread` when Slack could not be told. */
  outcome: string | undefined;
  createdAt: number;
}

interface StepRow {
  execution_id: string;
  job_id: string | null;
  token: string | null;
  token_expires_at: number;
  state: WorkflowStepState;
  claimed_at: number | null;
  outcome: string | null;
  created_at: number;
}

const COLUMNS = 'execution_id, job_id, token, token_expires_at, state, claimed_at, outcome, created_at';

export class WorkflowSteps {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a new execution; false when it is known already (a redelivery of the same event). */
  async begin(executionId: string, token: string, tokenExpiresAt: number): Promise<boolean> {
    const now = this.now();
    const changed = await this.db.run(
      `INSERT INTO workflow_steps (execution_id, token, token_expires_at, state, created_at, updated_at)
       VALUES (?, ?, ?, 'starting', ?, ?) ON CONFLICT DO NOTHING`,
      [executionId, token, tokenExpiresAt, now, now],
    );
    return changed === 1;
  }

  /** The step's job exists: it is completed when that job ends. */
  async bindJob(executionId: string, jobId: string): Promise<void> {
    await this.db.run(`UPDATE workflow_steps SET job_id = ?, state = 'waiting', updated_at = ? WHERE execution_id = ? AND state = 'starting'`, [
      jobId,
      this.now(),
      executionId,
    ]);
  }

  async get(executionId: string): Promise<WorkflowStep | undefined> {
    const row = await this.db.get<StepRow>(`SELECT ${COLUMNS} FROM workflow_steps WHERE execution_id = ?`, [executionId]);
    return row ? toStep(row) : undefined;
  }

  /**
   * Claims `executionId` for this caller: true when it was starting or waiting (or claimed longer
   * than `staleClaimMs` ago by a process that stopped), false when another holds it or it is done.
   */
  async claim(executionId: string, staleClaimMs: number): Promise<boolean> {
    const now = this.now();
    const changed = await this.db.run(
      `UPDATE workflow_steps SET state = 'completing', claimed_at = ?, updated_at = ?
       WHERE execution_id = ? AND (state IN ('starting', 'waiting') OR (state = 'completing' AND claimed_at <= ?))`,
      [now, now, executionId, now - staleClaimMs],
    );
    return changed === 1;
  }

  /** The steps bound to `jobId` that nobody has completed yet. */
  async openForJob(jobId: string): Promise<WorkflowStep[]> {
    const rows = await this.db.all<StepRow>(`SELECT ${COLUMNS} FROM workflow_steps WHERE job_id = ? AND state IN ('waiting', 'completing')`, [jobId]);
    return rows.map(toStep);
  }

  /** The jobs that steps still wait on (for the search for left-behind work). */
  async jobsWaitedOn(): Promise<string[]> {
    const rows = await this.db.all<{ job_id: string }>(`SELECT DISTINCT job_id FROM workflow_steps WHERE job_id IS NOT NULL AND state IN ('waiting', 'completing')`);
    return rows.map((r) => r.job_id);
  }

  /** Steps still starting after `olderThanMs`: the process turning them into a job stopped before the job existed. */
  async stuckStarting(olderThanMs: number): Promise<WorkflowStep[]> {
    const rows = await this.db.all<StepRow>(`SELECT ${COLUMNS} FROM workflow_steps WHERE state = 'starting' AND created_at <= ?`, [this.now() - olderThanMs]);
    return rows.map(toStep);
  }

  /** A claimed step goes back to waiting (Slack could not be reached): the next look tries again. */
  async unclaim(executionId: string): Promise<void> {
    await this.db.run(`UPDATE workflow_steps SET state = CASE WHEN job_id IS NULL THEN 'starting' ELSE 'waiting' END, claimed_at = NULL, updated_at = ? WHERE execution_id = ? AND state = 'completing'`, [
      this.now(),
      executionId,
    ]);
  }

  /** The step is over: its outcome is kept, its token is not. */
  async finish(executionId: string, outcome: string): Promise<void> {
    await this.db.run(`UPDATE workflow_steps SET state = 'done', outcome = ?, token = NULL, claimed_at = NULL, updated_at = ? WHERE execution_id = ?`, [
      outcome,
      this.now(),
      executionId,
    ]);
  }

  /** Clears every token whose lifetime has passed: no use to anyone, and a secret less at rest. Returns how many. */
  forgetExpiredTokens(): Promise<number> {
    return this.db.run(`UPDATE workflow_steps SET token = NULL WHERE token IS NOT NULL AND token_expires_at <= ?`, [this.now()]);
  }
}

function toStep(row: StepRow): WorkflowStep {
  return {
    executionId: row.execution_id,
    jobId: row.job_id ?? undefined,
    token: row.token ?? undefined,
    tokenExpiresAt: Number(row.token_expires_at),
    state: row.state,
    outcome: row.outcome ?? undefined,
    createdAt: Number(row.created_at),
  };
}
