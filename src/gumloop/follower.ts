/**
 * Following Gumloop runs into Slack threads, across replicas and restarts. Each wait ("poll this
 * run, then sync its quotes into this thread") is a row in the store (store/gumloop-waits.ts),
 * leased like a job: the replica that holds the lease polls. A replica that dies leaves its waits
 * to the others' periodic look, or to the next start, which go on polling and sync the run into
 * the same thread, once: the job is claimed under the wait's key (engine.claimTrigger) and bound
 * to it, and a wait ends by one conditional statement. A clean stop gives the leases back and
 * says nothing in the threads: the next start (or another replica) goes on at once.
 */
import { EventEmitter } from 'node:events';
import { GumloopTimeoutError, JobBusyError, QuoteSyncError } from '../errors.js';
import { durationInWords } from '../time/duration.js';
import type { Logger } from '../logger.js';
import type { SlackJobs } from '../slack/jobs/jobs.js';
import { slackOrigin } from '../slack/origin.js';
import type { GumloopWait, JobStore, NewGumloopWait } from '../store/index.js';
import type { SyncEngine } from '../sync/run/engine.js';
import { holdLeaseIn, type HeldLease } from '../sync/run/lease.js';
import type { GumloopClient, GumloopPipelineInput, GumloopRun } from './client.js';
import { quotesFromOutputs } from './outputs.js';
import { startWhenSlotFrees } from './start.js';

export interface GumloopFollowerDeps {
  store: JobStore;
  engine: Pick<SyncEngine, 'owner' | 'leaseTtlMs' | 'claimTrigger' | 'bindTrigger' | 'releaseTrigger'>;
  jobs: Pick<SlackJobs, 'say' | 'submit'>;
  client: Pick<GumloopClient, 'startPipeline' | 'waitForRun'>;
  /** Config.gumloop's wait, its polling, and the flow output that holds the quotes. */
  settings: { runTimeoutMs: number; pollMs: number; pollMaxMs: number; quotesOutput: string };
  logger: Logger;
  /** How often to look for waits no live replica follows. Default: a third of the lease, as for jobs. */
  scanEveryMs?: number;
}

/** What a wait this replica followed came to: `left` when it stopped here without ending (app stopping, lease lost). */
export type WaitOutcome = 'synced' | 'failed' | 'left';

/** Where a run's quotes go, and how: the thread's job message, who asked, update mode. */
export type WaitPlace = Pick<NewGumloopWait, 'message' | 'user' | 'update'>;

/** The thread's line while Gumloop rejects the start because the plan's runs are busy. */
export function busyLine(savedItemId: string, timeoutMs: number): string {
  return (
    `Gumloop is running as many flows as the plan allows (Free 2 at once, Pro 5); ` +
    `the flow ${savedItemId} starts when one finishes, waiting up to ${durationInWords(timeoutMs)}.`
  );
}

/** The trigger key under which a wait's job is claimed and bound. */
export function waitTriggerKey(waitId: string): string {
  return `gumloop-wait:${waitId}`;
}

export class GumloopFollower {
  /** `ended` when a wait followed here stops here, with what it came to. */
  readonly events = new EventEmitter<{ ended: [GumloopWait, WaitOutcome] }>();
  private readonly following = new Map<string, Promise<WaitOutcome>>();
  /** Starts and recordings under way: stop() lets each finish, so none lands on a closed store. */
  private readonly underWay = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<number> | undefined;

  constructor(private readonly deps: GumloopFollowerDeps) {}

  private get ttlMs(): number {
    return this.deps.engine.leaseTtlMs;
  }

  /**
   * Starts the flow, waiting (with a line in the thread) while the plan's runs are busy, then
   * follows its run. A flow that did not start, or may have started without Gumloop saying so
   * (see gumloop/start.ts), ends with a sentence in the thread. A start in flight is never cut short.
   */
  startFlow(savedItemId: string, inputs: GumloopPipelineInput[], place: WaitPlace): Promise<WaitOutcome> {
    const { client, jobs, settings } = this.deps;
    return this.underway(async () => {
      let started;
      try {
        started = await startWhenSlotFrees(client, savedItemId, inputs, {
          timeoutMs: settings.runTimeoutMs,
          initialDelayMs: settings.pollMs,
          maxDelayMs: settings.pollMaxMs,
          signal: this.stopping.signal,
          onBusy: () => jobs.say(place.message, busyLine(savedItemId, settings.runTimeoutMs)),
        });
      } catch (error) {
        const text = this.stopping.signal.aborted
          ? `The app stopped while the flow ${savedItemId} waited for a free slot in Gumloop, so it did not start (nothing ran). Run \`/sync-quotes run ${savedItemId}\` again.`
          : this.sentence(error, { flow: savedItemId });
        await jobs.say(place.message, `:x: ${text}`);
        return 'failed';
      }
      const link = started.url ? `<${started.url}|${started.runId}>` : started.runId;
      await jobs.say(place.message, `Gumloop run ${link} of flow ${savedItemId}: started…`);
      return this.recordAndFollow({ ...place, runId: started.runId, flow: savedItemId });
    });
  }

  /** Records a wait on a run (started elsewhere), leased here, and follows it; resolves once it stops here. */
  follow(runId: string, place: WaitPlace): Promise<WaitOutcome> {
    return this.underway(() => this.recordAndFollow({ ...place, runId }));
  }

  private async recordAndFollow(input: Omit<NewGumloopWait, 'lease' | 'deadlineAt'>): Promise<WaitOutcome> {
    const { store, engine, settings } = this.deps;
    const lease = { owner: engine.owner, ttlMs: this.ttlMs };
    const wait = await store.gumloopWaits.create({ ...input, deadlineAt: Date.now() + settings.runTimeoutMs, lease });
    return this.track(wait, await holdLeaseIn(store.gumloopWaits, wait.id, engine.owner, this.ttlMs));
  }

  /** Runs `work` as part of this follower: stop() waits for it. */
  private underway<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    const settled = running.catch(() => undefined).finally(() => this.underWay.delete(settled));
    this.underWay.add(settled);
    return running;
  }

  /** Takes up the waits no live replica follows (their replica died, or stopped). Returns how many. */
  adoptLeftWaits(): Promise<number> {
    this.scanning ??= this.adopt().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  /** Looks for left waits now and then every `scanEveryMs`, until stop. */
  watch(): void {
    const scan = () => this.adoptLeftWaits().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'looking for left Gumloop waits failed'));
    void scan();
    this.scanTimer = setInterval(scan, this.deps.scanEveryMs ?? Math.max(50, Math.round(this.ttlMs / 3)));
    this.scanTimer.unref();
  }

  /** Stops polling; every wait stays in the store as it is, its lease given back, its thread told nothing. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.scanTimer) clearInterval(this.scanTimer);
    await this.scanning?.catch(() => undefined);
    await Promise.allSettled([...this.underWay, ...this.following.values()]);
  }

  private async adopt(): Promise<number> {
    const { store, engine, logger } = this.deps;
    let adopted = 0;
    for (const wait of await store.gumloopWaits.waiting()) {
      if (this.stopping.signal.aborted) break;
      // Held by this engine: being recorded or followed here.
      if (this.following.has(wait.id) || wait.heldBy === engine.owner) continue;
      let lease: HeldLease;
      try {
        lease = await holdLeaseIn(store.gumloopWaits, wait.id, engine.owner, this.ttlMs);
      } catch (error) {
        if (error instanceof JobBusyError) continue;
        throw error;
      }
      logger.info({ waitId: wait.id, runId: wait.runId }, 'following a Gumloop run no one follows');
      void this.track(wait, lease);
      adopted += 1;
    }
    return adopted;
  }

  private track(wait: GumloopWait, lease: HeldLease): Promise<WaitOutcome> {
    const followed = (async (): Promise<WaitOutcome> => {
      try {
        return await this.followHeld(wait, lease);
      } catch (error) {
        // The store out of reach, most likely: the wait stays, and is taken up again by the next look.
        this.deps.logger.warn({ waitId: wait.id, runId: wait.runId, err: error }, 'following a Gumloop run stopped');
        return 'left';
      } finally {
        await lease.release();
        this.following.delete(wait.id);
      }
    })().then((outcome) => {
      this.events.emit('ended', wait, outcome);
      return outcome;
    });
    this.following.set(wait.id, followed);
    return followed;
  }

  private async followHeld(wait: GumloopWait, lease: HeldLease): Promise<WaitOutcome> {
    const { client, jobs, settings } = this.deps;
    const signal = AbortSignal.any([this.stopping.signal, lease.lost]);
    const label = `Gumloop run ${wait.runId}${wait.flow ? ` of flow ${wait.flow}` : ''}`;
    let run: GumloopRun;
    try {
      run = await client.waitForRun(wait.runId, {
        // A wait taken over after its deadline still asks once: the run may be done by now.
        timeoutMs: Math.max(1, wait.deadlineAt - Date.now()),
        initialDelayMs: settings.pollMs,
        maxDelayMs: settings.pollMaxMs,
        signal,
        onState: (r) => void jobs.say(wait.message, `${label}: ${r.state.toLowerCase()}…`),
      });
    } catch (error) {
      if (signal.aborted) return 'left';
      // The sentence names the whole wait, not what was left of it when this replica took it up.
      const whole = wait.deadlineAt - Date.parse(wait.createdAt);
      return this.fail(wait, lease, error instanceof GumloopTimeoutError ? new GumloopTimeoutError(wait.runId, whole, error.lastState) : error);
    }
    return this.sync(wait, lease, run);
  }

  /** The run's quotes become one job in the wait's thread, whichever holder of the wait gets here. */
  private async sync(wait: GumloopWait, lease: HeldLease, run: GumloopRun): Promise<WaitOutcome> {
    const { store, engine, jobs, settings } = this.deps;
    const key = waitTriggerKey(wait.id);
    lease.check();
    // Only the holder of the wait gets here, so a claim left unbound by an earlier holder is taken over at once.
    if (!(await engine.claimTrigger(key, { takeOverUnboundAfterMs: 0 }))) {
      const jobId = (await store.triggers.get(key))?.jobId;
      // An earlier holder made the job and died before ending the wait: the job goes on in the thread (SlackJobs resumes it).
      if (jobId) await store.gumloopWaits.settle(wait.id, { state: 'synced', jobId });
      return jobId ? 'synced' : 'left';
    }
    let submitted;
    try {
      const source = quotesFromOutputs(run, settings.quotesOutput);
      lease.check();
      submitted = await jobs.submit(source, wait.message, { trigger: 'gumloop', ...(wait.user ? { user: wait.user } : {}) }, { update: wait.update });
    } catch (error) {
      await engine.releaseTrigger(key);
      if (lease.lost.aborted) return 'left';
      return this.fail(wait, lease, error);
    }
    await engine.bindTrigger(key, submitted.job.id);
    await store.gumloopWaits.settle(wait.id, { state: 'synced', jobId: submitted.job.id });
    // A job already narrated in this thread (an earlier holder made it) needs no word; one elsewhere does.
    if (submitted.alreadyRunning && slackOrigin(submitted.job.origin)?.messageTs !== wait.message.ts) {
      await jobs.say(wait.message, `These quotes are already being synced by job \`${submitted.job.id}\`.`);
    }
    return 'synced';
  }

  private async fail(wait: GumloopWait, lease: HeldLease, error: unknown): Promise<WaitOutcome> {
    if (lease.lost.aborted) return 'left';
    const text = this.sentence(error, { waitId: wait.id, runId: wait.runId });
    if (await this.deps.store.gumloopWaits.settle(wait.id, { state: 'failed', error: text })) await this.deps.jobs.say(wait.message, `:x: ${text}`);
    return 'failed';
  }

  /** The thread's sentence for an error: ours carry one; anything else goes to the log. */
  private sentence(error: unknown, about: Record<string, string>): string {
    if (error instanceof QuoteSyncError) return error.message;
    this.deps.logger.error({ err: error, ...about }, 'unexpected error with a Gumloop run');
    return 'Something unexpected went wrong on our side; the details are in the app log. Nothing was written.';
  }
}
