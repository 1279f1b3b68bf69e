/**
 * The job leases this replica holds: one per job it has queued or runs, taken when the job is
 * queued and given back when its run ends (or at shutdown), so no other replica or process runs
 * or picks up the job meanwhile.
 */
import { JobBusyError } from '../../errors.js';
import type { HeldLease } from '../../sync/run/lease.js';

export class JobLeases {
  private readonly held = new Map<string, Promise<HeldLease | undefined>>();

  /** `take`: takes a job's lease for this replica (SyncEngine.holdJob); JobBusyError while another holds it. */
  constructor(private readonly take: (jobId: string) => Promise<HeldLease>) {}

  /**
   * Takes the job's lease for this replica, or finds it already held here; false while another
   * replica or process holds it. Two callers at once share one attempt.
   */
  async hold(jobId: string): Promise<boolean> {
    let pending = this.held.get(jobId);
    if (!pending) {
      pending = this.take(jobId).catch((error: unknown) => {
        if (error instanceof JobBusyError) return undefined;
        throw error;
      });
      this.held.set(jobId, pending);
    }
    let lease: HeldLease | undefined;
    try {
      lease = await pending;
    } finally {
      // Refused, failed, or lost while it waited here (this replica stalled past it): not ours.
      if (!lease || lease.lost.aborted) {
        if (this.held.get(jobId) === pending) this.held.delete(jobId);
        await lease?.release();
      }
    }
    return lease !== undefined && !lease.lost.aborted;
  }

  /** The job's lease as held here (to be awaited: it may still be being taken); undefined when this replica holds none. */
  leaseOf(jobId: string): Promise<HeldLease | undefined> | undefined {
    return this.held.get(jobId);
  }

  /** Gives the job's lease back: another replica may pick the job up at once. */
  async letGo(jobId: string): Promise<void> {
    const lease = this.held.get(jobId);
    this.held.delete(jobId);
    await (await lease)?.release();
  }

  /** Gives every lease held here back (shutdown), so another replica picks the jobs up now rather than after the lease. */
  async letGoAll(): Promise<void> {
    await Promise.allSettled([...this.held.keys()].map((jobId) => this.letGo(jobId)));
  }
}
