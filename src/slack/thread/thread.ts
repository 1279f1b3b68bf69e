/**
 * One job narrated in one Slack thread: a first message, edited live with the progress (at most
 * one chat.update per interval, as Slack's Tier 3 allows, and always the final state) and carrying
 * the buttons that apply (Cancel while it runs, Retry when it stopped short), alerts
 * as replies, a summary at the end, and the CSV of what was not written attached to the thread.
 * Slack calls run one after another; a failed call is logged and never stops the job.
 */
import { basename } from 'node:path';
import type { WebClient } from '@slack/web-api';
import { slackFailure } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobProgress, JobReporter } from '../../sync/run/engine.js';
import type { SyncReport } from '../../sync/outcome/report.js';
import type { WriterEvent } from '../../sync/write/writer-events.js';
import { sleepEndingOnAbort } from '../../time/sleep.js';
import { actionsWhenEnded, jobMessage, RUNNING_ACTIONS, type JobAction } from './job-message.js';
import type { FieldWarning } from '../../quotes/model.js';
import type { FieldReport } from '../../store/index.js';
import { alertText, fallbackComment, fieldsReplyText, introText, progressText, summaryText, warningsFileText } from './messages.js';

/** chat.update is Tier 3 (about 50 a minute); one edit per 2 s leaves room for the rest. */
export const DEFAULT_UPDATE_INTERVAL_MS = 2000;

export interface ThreadOptions {
  client: WebClient;
  channel: string;
  /** Post into this thread (the message that carried an uploaded file); else the job message starts one. */
  threadTs?: string;
  /** A message already posted for this job (say, "Reading quotes.csv…"): it becomes the job message. */
  messageTs?: string;
  source: string;
  logger: Logger;
  updateIntervalMs?: number;
  now?: () => number;
}

export class SlackThreadReporter implements JobReporter {
  /** The job's own message, edited with the progress. */
  private messageTs: string | undefined;
  private intro = '';
  private jobId: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private lastEdit = Number.NEGATIVE_INFINITY;
  private latest: JobProgress | undefined;
  /** An edit is queued: it will send whatever progress is latest when its turn comes. */
  private editQueued = false;
  private readonly interval: number;
  private readonly now: () => number;

  constructor(private readonly o: ThreadOptions) {
    this.messageTs = o.messageTs;
    this.interval = o.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS;
    this.now = o.now ?? Date.now;
  }

  /** Where replies go. */
  get threadTs(): string | undefined {
    return this.o.threadTs ?? this.messageTs;
  }

  async started(info: Parameters<NonNullable<JobReporter['started']>>[0]): Promise<void> {
    this.jobId = info.job.id;
    this.intro = introText({
      jobId: info.job.id,
      source: this.o.source,
      toWrite: info.toWrite,
      databaseTitle: info.database.title,
      databaseUrl: info.database.url,
      resumed: info.resumed,
    });
    this.enqueue('post the job message', async () => {
      if (this.messageTs) {
        // An edit like the progress ones: it counts towards their pace.
        await this.untilEditAllowed();
        await this.o.client.chat.update({ channel: this.o.channel, ts: this.messageTs, ...this.content(this.intro, RUNNING_ACTIONS) });
        return;
      }
      const res = await this.o.client.chat.postMessage({
        channel: this.o.channel,
        ...this.content(this.intro, RUNNING_ACTIONS),
        ...(this.o.threadTs ? { thread_ts: this.o.threadTs } : {}),
      });
      this.messageTs = res.ts;
    });
    // Said once per thread: a resumed job's thread has it already.
    // Only fields of our own schema, each in its own property, and no warning: nothing worth a reply.
    const worthSaying = (info.fields ?? []).some((f) => f.by !== 'schema' || f.added || f.note) || (info.warnings?.length ?? 0) > 0;
    if (!info.resumed && worthSaying) this.fieldsReply(info.fields ?? [], info.warnings ?? []);
    await this.chain;
  }

  /** What the input held and what reading it changed: one reply, and a file of every warning when they do not fit in it. */
  private fieldsReply(fields: FieldReport[], warnings: FieldWarning[]): void {
    const { text, complete } = fieldsReplyText(fields, warnings);
    this.reply(text);
    if (complete) return;
    this.enqueue('attach the warnings', async () => {
      const threadTs = this.threadTs;
      await this.o.client.filesUploadV2({
        ...(threadTs ? { channel_id: this.o.channel, thread_ts: threadTs } : { channel_id: this.o.channel }),
        content: warningsFileText(warnings),
        filename: `quote-sync-${this.jobId ?? 'job'}-warnings.txt`,
        title: 'Warnings',
      });
    });
  }

  private endpointLimitTold = false;

  progress(p: JobProgress): void {
    this.latest = p;
    if (this.editQueued) return;
    this.editQueued = true;
    this.enqueue('update the progress', async () => {
      await this.untilEditAllowed();
      this.editQueued = false;
      const latest = this.latest;
      if (!latest || !this.messageTs) return;
      await this.o.client.chat.update({ channel: this.o.channel, ts: this.messageTs, ...this.content(progressText(this.intro, latest), RUNNING_ACTIONS) });
    });
  }

  event(e: WriterEvent): void {
    const text = alertText(e);
    if (!text) return;
    // An endpoint's own limit may answer every minute of a long job: the thread says it once.
    if (e.kind === 'endpoint_limited') {
      if (this.endpointLimitTold) return;
      this.endpointLimitTold = true;
    }
    this.reply(text);
  }

  note(message: string): void {
    this.reply(message);
  }

  async finished(report: SyncReport): Promise<void> {
    this.enqueue('post the summary', async () => {
      await this.untilEditAllowed();
      const content = this.content(summaryText(this.intro, report), actionsWhenEnded(report.state), report.jobId);
      if (this.messageTs) await this.o.client.chat.update({ channel: this.o.channel, ts: this.messageTs, ...content });
      else await this.o.client.chat.postMessage({ channel: this.o.channel, ...content, ...(this.threadTs ? { thread_ts: this.threadTs } : {}) });
    });
    const csv = report.fallbackCsv;
    if (csv) {
      this.enqueue('attach the CSV of what was not written', async () => {
        const threadTs = this.threadTs;
        const destination = threadTs ? { channel_id: this.o.channel, thread_ts: threadTs } : { channel_id: this.o.channel };
        await this.o.client.filesUploadV2({
          ...destination,
          file: csv,
          filename: basename(csv),
          title: 'Quotes not written',
          initial_comment: fallbackComment(report),
        });
      });
    }
    await this.chain;
  }

  /** The job message's text and blocks, with the buttons that apply now. */
  private content(text: string, actions: readonly JobAction[], jobId = this.jobId): ReturnType<typeof jobMessage> {
    return jobMessage(text, jobId, actions);
  }

  /** Waits until one interval has passed since the last edit was sent, and stamps this one. */
  private async untilEditAllowed(): Promise<void> {
    const wait = this.lastEdit + this.interval - this.now();
    if (wait > 0) await sleepEndingOnAbort(wait);
    this.lastEdit = this.now();
  }

  private reply(text: string): void {
    this.enqueue('post a reply', async () => {
      await this.o.client.chat.postMessage({ channel: this.o.channel, text, ...(this.threadTs ? { thread_ts: this.threadTs } : {}) });
    });
  }

  /** Slack calls in order; a failure is logged (with Slack's error code) and the job goes on. */
  private enqueue(what: string, call: () => Promise<void>): void {
    this.chain = this.chain.then(call).catch((error: unknown) => {
      const code = slackFailure(error);
      this.o.logger.warn({ channel: this.o.channel, what, error: code }, 'slack call failed');
    });
  }
}
