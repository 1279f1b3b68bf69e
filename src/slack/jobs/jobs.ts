/**
 * The Slack side of running jobs: every trigger (command, upload, Gumloop) hands its input here;
 * jobs run one at a time (one database, one writer: concurrent writers only draw 409s), each
 * narrated in its Slack thread. A job can be cancelled, retried, and survives a restart: jobs
 * left running are resumed in their own threads when the app starts again.
 *
 * Replicas of the app sharing a store share the jobs: a replica holds a job's lease from the
 * moment it queues it until its run ends, and looks on a timer for Slack jobs whose lease ran out
 * (their replica died) or was given back (it shut down), and finishes them in their own threads.
 *
 * Here: the queue, and what triggers and people ask of it (submit, retry, cancel, status). Beside
 * it: the leases held (job-leases.ts), the search for left jobs (left-jobs.ts), where each job
 * stands (job-slots.ts), and a job's turn, run in its thread (job-run.ts).
 */
import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import PQueue from 'p-queue';
import type { WebClient } from '@slack/web-api';
import { JobTextsClearedError, slackFailure } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobTarget, SyncJob } from '../../store/index.js';
import type { SyncReport } from '../../sync/outcome/report.js';
import type { SyncEngine, SyncSource } from '../../sync/run/engine.js';
import { slackOrigin, type JobMessage, type SlackOrigin, type TriggerKind } from '../origin.js';
import { requestLogger } from '../request-scope.js';
import { jobMessage, type JobAction } from '../thread/job-message.js';
import { jobLine, statusText } from '../thread/messages.js';
import { JobLeases } from './job-leases.js';
import { JobRuns } from './job-run.js';
import { JobSlots, type JobOutcome } from './job-slots.js';
import { LeftJobSearch } from './left-jobs.js';

export { slackOrigin, type JobMessage, type SlackOrigin, type TriggerKind } from '../origin.js';

export interface SlackJobsDeps {
  engine: SyncEngine;
  client: WebClient;
  logger: Logger;
  /** Least time between two edits of a job message (Slack's Tier 3). */
  updateIntervalMs?: number;
  /** How often to look for jobs another replica left behind. Default: a third of the job lease. */
  orphanScanMs?: number;
  /** Where a job started in a channel goes (the channel's target, else the default); throws ConfigError when nowhere. */
  targetFor?: (channel: string) => Promise<JobTarget>;
}

export interface Submitted {
  job: SyncJob;
  resumed: boolean;
  /** The job was already queued or running here: nothing new was started. */
  alreadyRunning: boolean;
}

/** What a person's cancel or retry came to: whether this request did it, and the sentence for them. */
export interface JobActionOutcome {
  applied: boolean;
  reply: string;
}

export class SlackJobs {
  /** `submitted` when a trigger queued a job; `finished` when a job's run ended (its Slack calls included). */
  readonly events = new EventEmitter<{ submitted: [SyncJob]; finished: [string, SyncReport | undefined] }>();
  private readonly queue = new PQueue({ concurrency: 1 });
  private readonly slots = new JobSlots();
  /** Jobs whose retry is posting its message: not yet queued, already claimed. */
  private readonly retrying = new Set<string>();
  /** The leases this replica holds, one per job it has queued or runs. */
  private readonly leases: JobLeases;
  private readonly left: LeftJobSearch;
  private readonly runs: JobRuns;

  constructor(private readonly deps: SlackJobsDeps) {
    this.leases = new JobLeases((jobId) => deps.engine.holdJob(jobId));
    this.left = new LeftJobSearch({
      engine: deps.engine,
      logger: deps.logger,
      slots: this.slots,
      leases: this.leases,
      enqueue: (jobId, origin, resumed, askedAt) => this.enqueue(jobId, origin, resumed, askedAt),
      everyMs: () => this.scanEveryMs,
    });
    this.runs = new JobRuns({
      engine: deps.engine,
      client: deps.client,
      logger: deps.logger,
      slots: this.slots,
      leases: this.leases,
      say: (message, text, options) => this.say(message, text, options),
      ...(deps.updateIntervalMs !== undefined ? { updateIntervalMs: deps.updateIntervalMs } : {}),
    });
  }

  /** Posts the message a job will be narrated in: a reply in `threadTs`, or a new thread. */
  async openMessage(channel: string, text: string, threadTs?: string): Promise<JobMessage> {
    const res = await this.deps.client.chat.postMessage({ channel, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
    const ts = res.ts!;
    return { channel, ts, threadTs: threadTs ?? ts };
  }

  /**
   * Replaces a job message with a sentence, for a trigger that ended before a job could start, or a
   * job waiting its turn. Its blocks are replaced too (Slack keeps them on an edit without blocks),
   * with the buttons given.
   */
  async say(message: JobMessage, text: string, options: { jobId?: string; actions?: readonly JobAction[] } = {}): Promise<void> {
    try {
      await this.deps.client.chat.update({ channel: message.channel, ts: message.ts, ...jobMessage(text, options.jobId, options.actions ?? []) });
    } catch (error) {
      requestLogger(this.deps.logger).warn({ channel: message.channel, ...(options.jobId ? { jobId: options.jobId } : {}), error: slackFailure(error) }, 'slack call failed');
    }
  }

  /**
   * Records a job for `source` (or finds the unfinished one of the same input) and queues it.
   * Throws InputError / ConfigError when the input or configuration is unusable: nothing is queued.
   */
  async submit(
    source: SyncSource,
    message: JobMessage,
    who: { user?: string; trigger: TriggerKind },
    options: { update?: boolean } = {},
  ): Promise<Submitted> {
    const { engine } = this.deps;
    const origin: SlackOrigin = {
      kind: 'slack',
      channel: message.channel,
      threadTs: message.threadTs,
      messageTs: message.ts,
      trigger: who.trigger,
      ...(who.user ? { user: who.user } : {}),
    };
    // The target is fixed here, with the job: a channel changing target later does not move it.
    const target = this.deps.targetFor ? await this.deps.targetFor(message.channel) : engine.targetFor();
    const { job, resumed } = await engine.prepare(source, target, { origin, logger: requestLogger(this.deps.logger), ...(options.update ? { update: true } : {}) });
    if (this.slots.isActive(job.id)) return { job, resumed, alreadyRunning: true };
    // Another replica runs the job: its thread shows the progress.
    if (!(await this.leases.hold(job.id))) return { job, resumed, alreadyRunning: true };
    if (resumed) {
      await engine.setOrigin(job.id, origin);
      // The same file again after a failure is a retry: what failed is written now.
      await engine.requeueFailed(job.id, { onlyIfStopped: true });
    }
    this.enqueue(job.id, origin, resumed, Date.now());
    this.events.emit('submitted', job);
    return { job, resumed, alreadyRunning: false };
  }

  /** Writes what a job left unwritten, in a new message of the job's thread (or of `channel`). Returns the reply for the person. */
  async retry(jobId: string, who: { user?: string; channel: string }): Promise<string> {
    return (await this.retryJob(jobId, who)).reply;
  }

  /**
   * `retry`, saying whether this call started it. A retry is claimed before its message is posted,
   * so two at once (a double press, two people, a press and a command) start one.
   */
  async retryJob(jobId: string, who: { user?: string; channel: string }): Promise<JobActionOutcome> {
    if (this.slots.isActive(jobId) || this.retrying.has(jobId)) return { applied: false, reply: `Job \`${jobId}\` is already running.` };
    this.retrying.add(jobId);
    try {
      return await this.startRetry(jobId, who);
    } finally {
      this.retrying.delete(jobId);
    }
  }

  private async startRetry(jobId: string, who: { user?: string; channel: string }): Promise<JobActionOutcome> {
    const { store } = this.deps.engine;
    const job = await store.jobs.get(jobId);
    if (!job) return { applied: false, reply: `There is no job \`${jobId}\`. \`/sync-quotes status\` lists the latest ones.` };
    const failedBefore = (await store.quotes.counts(jobId)).failed;
    const left = (await store.quotes.toWrite(jobId)).length + failedBefore;
    if (left === 0) return { applied: false, reply: `Job \`${jobId}\` has nothing left to write: every valid quote is in Notion.` };
    const clearedAt = await store.retention.clearedAt(jobId);
    if (clearedAt) return { applied: false, reply: new JobTextsClearedError(jobId, clearedAt).message };
    const home = slackOrigin(job.origin);
    if (!(await this.leases.hold(jobId))) {
      return { applied: false, reply: `Job \`${jobId}\` is running in another instance of the app; its thread shows the progress.` };
    }
    let message: JobMessage;
    try {
      message = await this.openMessage(
        home?.channel ?? who.channel,
        `Retrying job \`${jobId}\`${who.user ? ` for <@${who.user}>` : ''}: ${left} quote(s) to write${failedBefore ? `, ${failedBefore} of them failed before` : ''}.`,
        home?.threadTs,
      );
    } catch (error) {
      requestLogger(this.deps.logger).warn({ jobId, error: slackFailure(error) }, 'cannot post the retry');
      if (!this.slots.isActive(jobId)) await this.leases.letGo(jobId);
      return { applied: false, reply: `I could not post in the job's channel (${slackFailure(error)}), so the retry did not start. Invite me there with \`/invite @Quote Sync\` and try again.` };
    }
    const origin: SlackOrigin = { ...(home ?? { kind: 'slack', trigger: 'command' }), channel: message.channel, threadTs: message.threadTs, messageTs: message.ts };
    await this.deps.engine.requeueFailed(jobId);
    await this.deps.engine.reopen(jobId);
    await this.deps.engine.setOrigin(jobId, origin);
    this.enqueue(jobId, origin, true, Date.now());
    return { applied: true, reply: `Retrying job \`${jobId}\`: ${left} quote(s) to write. Follow it in the job's thread.` };
  }

  /** Stops a job; the request in flight finishes first. Returns the reply for the person. */
  async cancel(jobId: string, who: { user?: string } = {}): Promise<string> {
    return (await this.cancelJob(jobId, who)).reply;
  }

  /** `cancel`, saying whether this call cancelled the job (a second cancel of the same run does not). */
  async cancelJob(jobId: string, who: { user?: string } = {}): Promise<JobActionOutcome> {
    const { store } = this.deps.engine;
    const job = await store.jobs.get(jobId);
    if (!job) return { applied: false, reply: `There is no job \`${jobId}\`.` };
    const slot = this.slots.get(jobId);
    if (this.slots.isActive(jobId) && slot?.cancelledBy !== undefined) {
      return { applied: false, reply: `Job \`${jobId}\` is already being cancelled (${slot.cancelledBy.replace(/\.$/, '').replace(/^Cancelled/, 'cancelled')}).` };
    }
    const by = who.user ? `Cancelled by <@${who.user}>.` : 'Cancelled.';
    const was = this.slots.cancel(jobId, by);
    if (was === 'running') {
      return {
        applied: true,
        reply: `Cancelling job \`${jobId}\`: the Notion request in flight finishes, then it stops. \`/sync-quotes retry ${jobId}\` writes the rest later.`,
      };
    }
    if (was === 'queued') {
      return { applied: true, reply: `Job \`${jobId}\` was waiting its turn; it will not start. \`/sync-quotes retry ${jobId}\` starts it later.` };
    }
    if (job.state === 'done' || job.state === 'cancelled') return { applied: false, reply: `Job \`${jobId}\` has already ended (${job.state}).` };
    const elsewhere = !(await store.leases.isFree(jobId));
    await this.deps.engine.cancel(jobId, by);
    if (elsewhere) {
      // Another replica runs it: it sees the cancel at its next look (every third of the job lease) and stops.
      return {
        applied: true,
        reply: `Cancelling job \`${jobId}\`: another instance of the app runs it and stops it within ${Math.ceil(this.scanEveryMs / 1000)} s, after the Notion request in flight. \`/sync-quotes retry ${jobId}\` writes the rest later.`,
      };
    }
    return { applied: true, reply: `Job \`${jobId}\` is cancelled; it will not be resumed. \`/sync-quotes retry ${jobId}\` writes the rest later.` };
  }

  /** One job in detail, or the latest ones. */
  async status(jobId?: string): Promise<string> {
    const { engine } = this.deps;
    if (jobId) {
      const job = await engine.store.jobs.get(jobId);
      if (!job) return `There is no job \`${jobId}\`. \`/sync-quotes status\` lists the latest ones.`;
      return statusText(await engine.report(jobId), this.slots.activity(jobId));
    }
    const jobs = await engine.store.jobs.list(5);
    if (jobs.length === 0) return 'No jobs yet. Upload a CSV or JSON file of quotes to a channel I am in, or use `/sync-quotes <link>`.';
    const lines = [];
    for (const j of jobs) lines.push(jobLine(j, await engine.store.quotes.counts(j.id), this.slots.activity(j.id)));
    return ['The latest jobs:', ...lines].join('\n');
  }

  /**
   * Resumes, each in its own thread, the Slack jobs that a stopped process or replica left
   * unfinished and no one holds now. Returns how many this replica took. At start, every such
   * job (one a shutdown or an error interrupted too); `onlyOrphans`, those still marked running,
   * whose holder died mid-run: a job stopped by an error waits for a person, or the next start.
   */
  resumeUnfinished(options: { onlyOrphans?: boolean } = {}): Promise<number> {
    return this.left.resume(options);
  }

  /**
   * Adds `look` to every search for what stopped processes left, at start and on the timer, after
   * the left jobs are taken: say, upload claims left without a job (commands/left-uploads.ts).
   */
  onScan(look: () => Promise<unknown>): void {
    this.left.onScan(look);
  }

  /** How often this replica looks at what other replicas did: jobs they left, cancels they asked for. */
  private get scanEveryMs(): number {
    return this.deps.orphanScanMs ?? Math.max(50, Math.round(this.deps.engine.leaseTtlMs / 3));
  }

  /** Looks for left-behind jobs, and for cancels of the jobs running here asked on another replica, every `orphanScanMs`, until shutdown. */
  watchForLeftJobs(): void {
    this.left.watch();
  }

  /** Settles when the job has run (undefined if it never ran here). For tests and shutdown. */
  finished(jobId: string): Promise<SyncReport | undefined> {
    return this.slots.get(jobId)?.outcome ?? Promise.resolve(undefined);
  }

  /** Takes no more jobs, stops the running one after its request in flight; queued jobs stay resumable. */
  async shutdown(): Promise<void> {
    await this.left.stop();
    this.queue.pause();
    this.queue.clear();
    await Promise.allSettled(this.slots.abortRunning());
    // Threads of jobs that ended still posting their summary: their last word goes out first.
    await this.runs.allThreadsPosted();
    // What waited here is given back, so another replica picks it up now rather than after the lease.
    await this.leases.letGoAll();
  }

  /** `askedAt`: when a person asked for this run of the job (ms): see RequestLabel.askedAt. */
  private enqueue(jobId: string, origin: SlackOrigin, resumed: boolean, askedAt: number): void {
    const ahead = this.queue.size + this.queue.pending;
    // The slot is queued, with the run's outcome, before the task is added: p-queue starts a task at once when it has room, and the run takes its slot as it starts.
    let resolveOutcome!: (run: JobOutcome) => void;
    this.slots.queue(jobId, new Promise((resolve) => (resolveOutcome = resolve)));
    resolveOutcome(
      this.queue
        // The queue's turn ends when Notion is done with the job; the outcome, once its thread is up to date too.
        // Run in the scope it was queued in: its log names the Slack request that asked for it (request-scope.ts).
        .add(AsyncResource.bind(() => this.runs.run(jobId, origin, resumed, askedAt)))
        .then(async (run) => {
          await run?.threadPosted;
          return run?.report;
        })
        // A run that could not even start or end (the store out of reach) must not take the app down.
        .catch((error: unknown) => {
          this.deps.logger.error({ jobId, err: error }, 'a job run failed outside the job');
          return undefined;
        })
        .then((r) => {
          this.events.emit('finished', jobId, r ?? undefined);
          return r ?? undefined;
        }),
    );
    if (ahead > 0) {
      void this.say(
        { channel: origin.channel, ts: origin.messageTs, threadTs: origin.threadTs },
        `Job \`${jobId}\` is waiting for ${ahead} job(s) ahead of it: one job writes at a time, so they do not collide in Notion.`,
        { jobId, actions: ['cancel'] },
      );
    }
  }
}
