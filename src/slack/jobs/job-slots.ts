/**
 * Where each job stands in this instance of the app, one slot per job: waiting its turn, running,
 * or ended. Each state holds what only it needs (the running one the controller that stops it);
 * every state keeps the outcome of the job's latest run, so `finished(jobId)` answers after the
 * run as well. A job another instance holds has no slot here: it is picked up, when its holder
 * stops, by the search for left-behind jobs (SlackJobs.resumeUnfinished).
 */
import type { SyncReport } from '../../sync/outcome/report.js';

/** Settles when a run of the job has ended: its report, or undefined when it did not run here. */
export type JobOutcome = Promise<SyncReport | undefined>;

/**
 * `cancelledBy` is the note of a cancel asked while the job was queued or running ("Cancelled by
 * <@U…>."). It stays until a run applies it; a run that stops on an error does not, so the cancel
 * then holds for the job's next run here.
 *
 * `queuedAgain`: a retry queued the job while this run went on (a retry posts its message before it
 * queues, and the job may have started meanwhile). The job is queued again when this run ends.
 */
export type JobSlot =
  | { kind: 'queued'; outcome: JobOutcome; cancelledBy?: string }
  | { kind: 'running'; controller: AbortController; outcome: JobOutcome; cancelledBy?: string; queuedAgain?: true }
  | { kind: 'ended'; outcome: JobOutcome; cancelledBy?: string };

/** What a job's turn comes to: a run, or the cancel it was given while it waited. */
export type JobStart = { started: true; controller: AbortController } | { started: false; cancelledBy: string };

export class JobSlots {
  private readonly slots = new Map<string, JobSlot>();

  get(jobId: string): JobSlot | undefined {
    return this.slots.get(jobId);
  }

  /** 'running' or 'queued' while the job is in this instance's hands. */
  activity(jobId: string): 'running' | 'queued' | undefined {
    const kind = this.slots.get(jobId)?.kind;
    return kind === 'running' || kind === 'queued' ? kind : undefined;
  }

  isActive(jobId: string): boolean {
    return this.activity(jobId) !== undefined;
  }

  /** The jobs queued or running here. */
  activeJobIds(): string[] {
    return [...this.slots.keys()].filter((jobId) => this.isActive(jobId));
  }

  /** The job waits its turn; `outcome` settles when that turn's run ends. A cancel not yet applied goes with it. */
  queue(jobId: string, outcome: JobOutcome): void {
    const slot = this.slots.get(jobId);
    if (slot?.kind === 'running') {
      this.slots.set(jobId, { ...slot, outcome, queuedAgain: true });
      return;
    }
    this.slots.set(jobId, { kind: 'queued', outcome, cancelledBy: slot?.cancelledBy });
  }

  /**
   * The job's turn has come. A job cancelled while it waited ends here, its cancel kept until
   * `cancelApplied`; any other runs, stopped by the controller returned.
   */
  start(jobId: string): JobStart {
    const slot = this.slots.get(jobId);
    if (!slot) throw new Error(`job ${jobId} started without being queued`);
    if (slot.cancelledBy !== undefined) {
      this.slots.set(jobId, { kind: 'ended', outcome: slot.outcome, cancelledBy: slot.cancelledBy });
      return { started: false, cancelledBy: slot.cancelledBy };
    }
    const controller = new AbortController();
    this.slots.set(jobId, { kind: 'running', controller, outcome: slot.outcome });
    return { started: true, controller };
  }

  /**
   * Notes who cancelled a queued or running job, and stops the running one (its request in flight
   * finishes first). Returns what the job was doing, or undefined (nothing changes) when it is not here.
   */
  cancel(jobId: string, cancelledBy: string): 'running' | 'queued' | undefined {
    const slot = this.slots.get(jobId);
    if (slot?.kind !== 'running' && slot?.kind !== 'queued') return undefined;
    this.slots.set(jobId, { ...slot, cancelledBy });
    if (slot.kind === 'running') slot.controller.abort();
    return slot.kind;
  }

  /** The job's cancel has been applied (the job is marked cancelled): it is not applied again. */
  cancelApplied(jobId: string): void {
    const slot = this.slots.get(jobId);
    if (slot?.cancelledBy !== undefined) this.slots.set(jobId, { ...slot, cancelledBy: undefined });
  }

  /** The run is over: the job ends, or is queued again for a retry that came while it ran. */
  endRun(jobId: string): void {
    const slot = this.slots.get(jobId);
    if (slot?.kind !== 'running') return;
    if (slot.queuedAgain) this.slots.set(jobId, { kind: 'queued', outcome: slot.outcome, cancelledBy: slot.cancelledBy });
    else this.end(jobId, slot);
  }

  /** For shutdown: stops every running job (after its request in flight). Returns their outcomes. */
  abortRunning(): JobOutcome[] {
    const outcomes: JobOutcome[] = [];
    for (const slot of this.slots.values()) {
      if (slot.kind !== 'running') continue;
      slot.controller.abort();
      outcomes.push(slot.outcome);
    }
    return outcomes;
  }

  private end(jobId: string, slot: JobSlot): void {
    this.slots.set(jobId, { kind: 'ended', outcome: slot.outcome, cancelledBy: slot.cancelledBy });
  }
}
