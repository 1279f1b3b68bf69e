/**
 * Telling Slack how a Workflow Builder step ended (functions.completeSuccess / completeError),
 * from whichever replica or process finishes the step's job: on the job runner's `finished`
 * event, and in each search for left-behind work (a job that ended while no one was there to
 * tell, a step whose process stopped before its job existed).
 *
 * The execution's own token is tried first while its lifetime lasts; when Slack refuses it
 * (expired, revoked), the app's bot token completes the step, as Slack's method reference lists
 * bot tokens for these methods. When neither works, the job's thread is told, so the people
 * there know the workflow will not go on. Tokens are never logged.
 */
import type { WebClient } from '@slack/web-api';
import { slackErrorCode, slackFailure } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobStore, WorkflowStep } from '../../store/index.js';
import type { SyncEngine } from '../../sync/run/engine.js';
import { slackOrigin } from '../origin.js';
import { fallbackFileName, stepEnding, stepOutputs } from './workflow-step.js';

/** Slack's answers meaning the token, not the call, was refused: the bot token may do instead. */
const TOKEN_REFUSED = new Set(['invalid_auth', 'not_authed', 'token_expired', 'token_revoked', 'account_inactive']);

/** A claim on a step this old was left by a process that stopped while it told Slack. */
export const STALE_CLAIM_MS = 60_000;
/** A step still without a job after this long was left by a process that stopped while it started the job. */
export const STUCK_STARTING_MS = 10 * 60_000;
/**
 * The search for left-behind work completes the steps of jobs that ended at least this long ago:
 * a job that ended just now is its replica's to tell, once its thread is up to date (the
 * `finished` event), with the fallback CSV the thread got.
 */
export const LEFT_BEHIND_AFTER_MS = 60_000;

/** What the step answers: success with outputs, or an error a workflow's author can act on. */
export type StepAnswer = { outputs: Record<string, string | number> } | { error: string };

export interface CompleterDeps {
  store: JobStore;
  engine: SyncEngine;
  /** The app's client: the bot token by default, the execution's token given per call. */
  client: WebClient;
  logger: Logger;
  now?: () => number;
}

/** Where a step's job talks, for a note when Slack cannot be told. */
interface Thread {
  channel: string;
  threadTs: string;
}

export class WorkflowStepCompleter {
  private readonly now: () => number;

  constructor(private readonly deps: CompleterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Completes the steps waiting on `jobId` if the job has ended (`endedMsAgo` ago at least) and no
   * one holds it (queued or running).
   */
  async settle(jobId: string, options: { endedMsAgo?: number } = {}): Promise<void> {
    const { store } = this.deps;
    const steps = await store.workflowSteps.openForJob(jobId);
    if (steps.length === 0) return;
    const job = await store.jobs.get(jobId);
    if (!job || !(await store.leases.isFree(jobId))) return;
    if (options.endedMsAgo !== undefined && Date.parse(job.updatedAt) > this.now() - options.endedMsAgo) return;
    const ending = stepEnding(job);
    if (ending.kind === 'wait') return;
    const origin = slackOrigin(job.origin);
    const thread = origin ? { channel: origin.channel, threadTs: origin.threadTs } : undefined;
    let answer: StepAnswer | undefined;
    for (const step of steps) {
      if (!(await store.workflowSteps.claim(step.executionId, STALE_CLAIM_MS))) continue;
      answer ??= ending.kind === 'fail' ? { error: ending.error } : await this.outputsOf(jobId, thread);
      await this.answer(step, answer, thread);
    }
  }

  /**
   * Answers a step that ended before its job existed (unusable inputs, a file it cannot read):
   * `error` is the sentence the workflow's author sees. `thread`, when there is one, hears it if Slack cannot be told.
   */
  async failStarting(executionId: string, error: string, thread?: Thread): Promise<void> {
    const { store } = this.deps;
    if (!(await store.workflowSteps.claim(executionId, STALE_CLAIM_MS))) return;
    const step = await store.workflowSteps.get(executionId);
    if (step) await this.answer(step, { error }, thread);
  }

  /** The search for left-behind work: ended jobs whose steps wait, steps stuck before their job, expired tokens. */
  async settleLeftBehind(): Promise<void> {
    const { store } = this.deps;
    await store.workflowSteps.forgetExpiredTokens();
    for (const jobId of await store.workflowSteps.jobsWaitedOn()) await this.settle(jobId, { endedMsAgo: LEFT_BEHIND_AFTER_MS });
    for (const step of await store.workflowSteps.stuckStarting(STUCK_STARTING_MS)) {
      await this.failStarting(step.executionId, 'The app stopped while it was starting this sync, before the job existed. Run the workflow again.');
    }
  }

  /** The counts of the job, and the fallback CSV its thread got (when it has one). */
  private async outputsOf(jobId: string, thread: Thread | undefined): Promise<StepAnswer> {
    const report = await this.deps.engine.report(jobId);
    const hasFallback = report.failed.length + report.rejected.length > 0;
    const fileId = hasFallback && thread ? await this.fallbackFileId(jobId, thread) : undefined;
    return { outputs: stepOutputs(report, fileId) };
  }

  /** The id of the latest fallback CSV in the job's thread (posted by whichever replica ran it last). */
  private async fallbackFileId(jobId: string, thread: Thread): Promise<string | undefined> {
    const name = fallbackFileName(jobId);
    let found: string | undefined;
    let cursor: string | undefined;
    try {
      for (let page = 0; page < 10; page++) {
        const res = await this.deps.client.conversations.replies({ channel: thread.channel, ts: thread.threadTs, limit: 200, ...(cursor ? { cursor } : {}) });
        for (const message of res.messages ?? []) {
          for (const file of message.files ?? []) if (file.name === name && file.id) found = file.id;
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) break;
      }
    } catch (error) {
      this.deps.logger.warn({ jobId, error: slackFailure(error) }, 'could not find the fallback CSV in the job thread');
    }
    return found;
  }

  /** Tells Slack, with the execution's token and then the bot's; a claim Slack could not be reached for goes back for the next look. */
  private async answer(step: WorkflowStep, answer: StepAnswer, thread: Thread | undefined): Promise<void> {
    const { store, logger } = this.deps;
    const outcome = 'outputs' in answer ? 'completed' : 'failed';
    const log = { executionId: step.executionId, jobId: step.jobId, outcome };
    const tokenLive = step.token !== undefined && step.tokenExpiresAt > this.now();
    let code: string | undefined;
    if (tokenLive) {
      code = await this.call(answer, step.executionId, step.token);
      if (code === 'ok') return this.done(step, outcome, log, 'execution token');
      if (code === undefined) return this.retryLater(step, log);
    }
    if (!tokenLive || TOKEN_REFUSED.has(code!)) {
      code = await this.call(answer, step.executionId, undefined);
      if (code === 'ok') return this.done(step, outcome, log, 'bot token');
      if (code === undefined) return this.retryLater(step, log);
    }
    logger.warn({ ...log, error: code }, 'Slack refused the workflow step completion');
    if (thread) await this.tellThread(thread, step, code!, answer);
    await store.workflowSteps.finish(step.executionId, 'told-in-thread');
  }

  /** One completion call: 'ok', Slack's error code, or undefined when Slack could not be reached. */
  private async call(answer: StepAnswer, executionId: string, token: string | undefined): Promise<string | undefined> {
    const auth = token ? { token } : {};
    try {
      if ('outputs' in answer) await this.deps.client.functions.completeSuccess({ function_execution_id: executionId, outputs: answer.outputs, ...auth });
      else await this.deps.client.functions.completeError({ function_execution_id: executionId, error: answer.error, ...auth });
      return 'ok';
    } catch (error) {
      return slackErrorCode(error);
    }
  }

  private async done(step: WorkflowStep, outcome: string, log: Record<string, unknown>, by: string): Promise<void> {
    await this.deps.store.workflowSteps.finish(step.executionId, outcome);
    this.deps.logger.info({ ...log, by }, 'workflow step completed');
  }

  private async retryLater(step: WorkflowStep, log: Record<string, unknown>): Promise<void> {
    this.deps.logger.warn(log, 'could not reach Slack to complete the workflow step; trying again at the next look');
    await this.deps.store.workflowSteps.unclaim(step.executionId);
  }

  private async tellThread(thread: Thread, step: WorkflowStep, code: string, answer: StepAnswer): Promise<void> {
    const how = 'outputs' in answer ? 'that the job ended' : `why it failed (${answer.error})`;
    const text =
      `:warning: I could not tell the workflow that started ${step.jobId ? `job \`${step.jobId}\`` : 'this sync'} ${how}: ` +
      `Slack answered \`${code}\`. The workflow will not go on from this step; the result is in this thread. Run the workflow again if it should go on.`;
    await this.deps.client.chat
      .postMessage({ channel: thread.channel, thread_ts: thread.threadTs, text })
      .catch((error: unknown) => this.deps.logger.warn({ executionId: step.executionId, error: slackFailure(error) }, 'could not tell the thread either'));
  }
}
