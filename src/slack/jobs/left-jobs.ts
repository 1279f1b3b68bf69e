/**
 * The search for what stopped processes and replicas left behind: Slack jobs no one holds, each
 * resumed in its own thread, then whatever else asked to be looked at (`onScan`: upload claims
 * left without a job, workflow steps to complete). At start, and on a timer every third of the job
 * lease, when it also follows the cancels other replicas recorded for jobs queued or running here.
 */
import type { Logger } from '../../logger.js';
import type { SyncEngine } from '../../sync/run/engine.js';
import { slackOrigin, type SlackOrigin } from '../origin.js';
import type { JobLeases } from './job-leases.js';
import type { JobSlots } from './job-slots.js';

export interface LeftJobsDeps {
  engine: SyncEngine;
  logger: Logger;
  slots: JobSlots;
  leases: JobLeases;
  /** Queues a job taken over; `askedAt`: when it was asked for (see RequestLabel.askedAt). */
  enqueue: (jobId: string, origin: SlackOrigin, resumed: boolean, askedAt: number) => void;
  /** How often to look, in ms. */
  everyMs: () => number;
}

export class LeftJobSearch {
  private timer: NodeJS.Timeout | undefined;
  /** What else each search looks at (see `onScan`). */
  private readonly looks: (() => Promise<unknown>)[] = [];
  private scanning: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly deps: LeftJobsDeps) {}

  /**
   * Resumes, each in its own thread, the Slack jobs that a stopped process or replica left
   * unfinished and no one holds now. Returns how many this replica took. At start, every such
   * job (one a shutdown or an error interrupted too); `onlyOrphans`, those still marked running,
   * whose holder died mid-run: a job stopped by an error waits for a person, or the next start.
   * Two searches at once share one.
   */
  resume(options: { onlyOrphans?: boolean } = {}): Promise<number> {
    this.scanning ??= this.adoptUnfinished(options.onlyOrphans === true).finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  /** Adds `look` to every search, at start and on the timer, after the left jobs are taken. */
  onScan(look: () => Promise<unknown>): void {
    this.looks.push(look);
  }

  /** Looks for left-behind jobs, and for cancels asked on another replica, every `everyMs`, until `stop`. */
  watch(): void {
    this.timer = setInterval(() => {
      this.resume({ onlyOrphans: true }).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'looking for left-behind jobs failed'));
      this.followCancels().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'looking for cancels failed'));
    }, this.deps.everyMs());
    this.timer.unref();
  }

  /** Takes up nothing more; settles when a search in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.scanning?.catch(() => undefined);
  }

  /** A job running or queued here that another replica marked cancelled stops here too, as if cancelled here. */
  private async followCancels(): Promise<void> {
    const { slots, engine } = this.deps;
    for (const jobId of slots.activeJobIds()) {
      if (slots.get(jobId)?.cancelledBy !== undefined) continue;
      const job = await engine.store.jobs.get(jobId);
      if (job?.state === 'cancelled') slots.cancel(jobId, job.error ?? 'Cancelled.');
    }
  }

  private async adoptUnfinished(onlyOrphans: boolean): Promise<number> {
    const { engine, slots, leases } = this.deps;
    let resumed = 0;
    for (const job of await engine.store.jobs.unfinished()) {
      if (this.stopped) break;
      const origin = slackOrigin(job.origin);
      if (!origin || slots.isActive(job.id) || (onlyOrphans && job.state !== 'running')) continue;
      // Held by a live replica (or process): it is not left behind.
      if (!(await leases.hold(job.id))) continue;
      this.deps.logger.info({ jobId: job.id }, 'resuming a job no one holds');
      // Asked for when it was made: a block Notion answered since then stops it unsent.
      this.deps.enqueue(job.id, origin, true, Date.parse(job.createdAt));
      resumed += 1;
    }
    for (const look of this.looks) if (!this.stopped) await look();
    return resumed;
  }
}
