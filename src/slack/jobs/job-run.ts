/**
 * A job's turn in the queue: run by the engine under the lease this replica holds, narrated in
 * its Slack thread. The turn ends when Notion is done with the job, so the next job writes at
 * once; the thread's last edits (kept to Slack's pace for chat.update) go out meanwhile, one
 * thread's summary after the one before it. A cancel is applied here: before the start (the job
 * never runs) or at the end (the job is marked cancelled, so it is not resumed).
 */
import type { WebClient } from '@slack/web-api';
import { LeaseLostError, QuoteSyncError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { SyncReport } from '../../sync/outcome/report.js';
import type { JobReporter, SyncEngine } from '../../sync/run/engine.js';
import type { JobMessage, SlackOrigin } from '../origin.js';
import { requestLogger } from '../request-scope.js';
import type { JobAction } from '../thread/job-message.js';
import { SlackThreadReporter } from '../thread/thread.js';
import type { JobLeases } from './job-leases.js';
import type { JobSlots } from './job-slots.js';

export interface JobRunDeps {
  engine: SyncEngine;
  client: WebClient;
  logger: Logger;
  slots: JobSlots;
  leases: JobLeases;
  /** Replaces a job message with a sentence and its buttons (SlackJobs.say). */
  say: (message: JobMessage, text: string, options: { jobId?: string; actions?: readonly JobAction[] }) => Promise<void>;
  /** Least time between two edits of a job message (Slack's Tier 3). */
  updateIntervalMs?: number;
}

/** How a turn ended: the job's report (none when the run stopped by an unexpected error), and when its thread is up to date. */
export interface JobTurn {
  report: SyncReport | undefined;
  threadPosted: Promise<void>;
}

export class JobRuns {
  /** Settles when every job thread that ended here has posted its summary (see `run`). */
  private threadsPosted: Promise<void> = Promise.resolve();

  constructor(private readonly deps: JobRunDeps) {}

  /** Settles when every thread of a job that ended here so far has posted its summary. */
  allThreadsPosted(): Promise<void> {
    return this.threadsPosted;
  }

  /** Runs `post` once every thread before it has posted its summary; the thread after this one waits for it in turn. */
  private afterThreadsPosted(post: () => Promise<void>): Promise<void> {
    const posted = this.threadsPosted.then(post).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not post the end of a job thread');
    });
    this.threadsPosted = posted;
    return posted;
  }

  /**
   * Runs the job's turn. It ends when Notion is done with the job, so the next job writes at once;
   * the thread's last edits go out meanwhile, and `threadPosted` settles when they are out.
   * Undefined when the job did not run here (cancelled before its start, or taken over meanwhile).
   */
  async run(jobId: string, origin: SlackOrigin, resumed: boolean, askedAt: number): Promise<JobTurn | undefined> {
    const { engine, client, slots, leases } = this.deps;
    // Every line names the Slack request that asked for this run, if one did; what runs the job (the engine, the thread) names the job too.
    const logger = requestLogger(this.deps.logger);
    const jobLog = logger.child({ jobId });
    const start = slots.start(jobId);
    const message: JobMessage = { channel: origin.channel, ts: origin.messageTs, threadTs: origin.threadTs };
    const lease = await leases.leaseOf(jobId);
    if (!lease || lease.lost.aborted) {
      // This replica lost the job while it waited (it stalled past the lease): another runs it, in the same thread.
      logger.warn({ jobId }, 'the job was taken over while it waited here');
      slots.endRun(jobId);
      await leases.letGo(jobId);
      return undefined;
    }
    if (!start.started) {
      await engine.cancel(jobId, start.cancelledBy);
      slots.cancelApplied(jobId);
      await leases.letGo(jobId);
      await this.deps.say(message, `Job \`${jobId}\` was cancelled before it started. \`/sync-quotes retry ${jobId}\` starts it later.`, {
        jobId,
        actions: ['retry'],
      });
      return undefined;
    }
    const thread = new SlackThreadReporter({
      client,
      channel: origin.channel,
      threadTs: origin.threadTs,
      messageTs: origin.messageTs,
      source: (await engine.store.jobs.get(jobId))?.source ?? jobId,
      logger: jobLog,
      ...(this.deps.updateIntervalMs !== undefined ? { updateIntervalMs: this.deps.updateIntervalMs } : {}),
    });
    // A cancelled job stops like an interrupted one; it is then marked cancelled so it is not resumed.
    const settle = async (report: SyncReport): Promise<SyncReport> => {
      const cancelledBy = slots.get(jobId)?.cancelledBy;
      if (cancelledBy === undefined) return report;
      await engine.cancel(jobId, cancelledBy);
      return { ...report, state: 'cancelled' };
    };
    let threadPosted: Promise<void> = Promise.resolve();
    // The summary waits for the thread before it (threads end in the order their jobs did), not the next job.
    const postLast = (report: SyncReport): void => {
      threadPosted = this.afterThreadsPosted(() => thread.finished(report));
    };
    const reporter: JobReporter = {
      started: (info) => thread.started(info),
      progress: (p) => thread.progress(p),
      event: (e) => thread.event(e),
      note: (m) => thread.note(m),
      finished: async (report) => postLast(await settle(report)),
    };
    try {
      const report = await settle(await engine.run(jobId, { reporter, signal: start.controller.signal, resumed, lease, askedAt, logger: jobLog }));
      slots.cancelApplied(jobId);
      return { report, threadPosted };
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Another replica holds the job now and talks in its thread: nothing more is said from here.
        logger.warn({ jobId }, 'the job went to another replica');
        return undefined;
      }
      // The detail goes to the log; the thread gets a sentence and the way forward.
      logger.error({ jobId, err: error }, 'job stopped by an unexpected error');
      const reason = error instanceof QuoteSyncError ? error.message : 'Something unexpected went wrong on our side (the details are in the app log).';
      thread.note(`:x: ${reason} The job is kept: \`/sync-quotes retry ${jobId}\` goes on from where it stopped.`);
      try {
        postLast(await engine.report(jobId));
      } catch (reportError) {
        // The store itself may be what failed: the note above stands as the job's last word here.
        logger.warn({ jobId, err: reportError }, 'could not report the stopped job');
      }
      return { report: undefined, threadPosted };
    } finally {
      slots.endRun(jobId);
      if (!slots.isActive(jobId)) await leases.letGo(jobId);
    }
  }
}
