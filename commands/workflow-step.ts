/**
 * The Workflow Builder step "Sync quotes to Notion" (`function_executed` for the callback id
 * `sync_quotes_to_notion`, declared in manifest.json `functions`). Bolt acknowledges the event at
 * once (`autoAcknowledge`); the step's file or link then becomes a job like any other, with its
 * thread (in the step's channel, else the file's own thread), buttons, resume and fallback CSV.
 *
 * The step is kept in the store with its token (store/workflow-steps.ts), so that whichever
 * replica or process ends the job completes the step (src/slack/workflow/workflow-completion.ts): on the
 * job runner's `finished` event, and in each search for left-behind work. A step whose inputs or
 * file cannot be used fails at once, with the sentence its thread gets.
 */
import type { App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { slackErrorCode, slackFailure } from '../src/errors.js';
import type { AppContext } from '../src/slack/app/app.js';
import { refusal } from '../src/slack/access.js';
import { downloadSlackFile, quoteFileFormat, type SlackFile } from '../src/slack/files.js';
import type { JobMessage } from '../src/slack/jobs/jobs.js';
import { WorkflowStepCompleter } from '../src/slack/workflow/workflow-completion.js';
import { readStepInputs, WORKFLOW_STEP_CALLBACK_ID, WORKFLOW_TOKEN_LIFETIME_MS, WorkflowStepInputError, type StepRequest } from '../src/slack/workflow/workflow-step.js';
import { fetchQuotesFile } from '../src/sources/url.js';
import type { SyncSource } from '../src/sync/run/engine.js';
import { problem } from './command-place.js';

type Client = App['client'];
type FunctionExecutedEvent = SlackEventMiddlewareArgs<'function_executed'>['event'];

export function register(app: App, context: AppContext): void {
  const completer = new WorkflowStepCompleter({ store: context.store, engine: context.engine, client: app.client, logger: context.logger });
  // Every replica that ends a job (its own, or one it resumed) tells Slack of the steps waiting on it.
  context.jobs.events.on('finished', (jobId) => {
    completer.settle(jobId).catch((error: unknown) => context.logger.warn({ jobId, err: error }, 'could not complete the workflow steps of a job'));
  });
  context.jobs.onScan(() => completer.settleLeftBehind());
  app.function(WORKFLOW_STEP_CALLBACK_ID, { autoAcknowledge: true }, async ({ event }) => {
    await startStep(event, app.client, context, completer);
  });
}

/** Where the step's job talks: a new thread in `channel`, or a reply in the thread of the message at `threadTs`. */
interface StepPlace {
  channel: string;
  threadTs?: string;
  file?: SlackFile;
}

async function startStep(event: FunctionExecutedEvent, client: Client, context: AppContext, completer: WorkflowStepCompleter): Promise<void> {
  const { store, jobs, logger } = context;
  const executionId = event.function_execution_id;
  // Slack delivers an event again when it thinks the ack was lost: one execution, one job.
  if (!(await store.workflowSteps.begin(executionId, event.bot_access_token, issuedAt(event.event_ts) + WORKFLOW_TOKEN_LIFETIME_MS))) return;
  logger.info({ executionId }, 'workflow step started');
  let message: JobMessage | undefined;
  try {
    const request = readStepInputs(event.inputs);
    const place = await placeOf(request, client);
    refuseIfNotAllowed(place.channel, context);
    message = await openStepThread(place, request, context);
    const submitted = await jobs.submit(await sourceOf(request, place, context), message, { trigger: 'workflow' }, { update: request.update });
    await store.workflowSteps.bindJob(executionId, submitted.job.id);
    if (submitted.alreadyRunning) {
      await jobs.say(message, `This input is already being synced by job \`${submitted.job.id}\`; the workflow goes on when that job ends.`);
    }
    // The `finished` event tells the step of its job's end; this covers a job that ended here before the step was bound to it.
    void jobs
      .finished(submitted.job.id)
      .then(() => completer.settle(submitted.job.id))
      .catch((error: unknown) => logger.warn({ jobId: submitted.job.id, err: error }, 'could not complete the workflow step'));
  } catch (error) {
    const sentence = problem(error, logger);
    if (message) await jobs.say(message, `:x: ${sentence}`);
    await completer.failStarting(executionId, sentence, message ? { channel: message.channel, threadTs: message.threadTs } : undefined);
  }
}

/** When Slack issued the execution's token: the event's own time, unless the clocks disagree. */
function issuedAt(eventTs: string | undefined): number {
  const at = Number(eventTs) * 1000;
  return Number.isFinite(at) ? Math.min(at, Date.now()) : Date.now();
}

/** The step's channel, or the file's own thread; a file's details come from files.info (bot token). */
async function placeOf(request: StepRequest, client: Client): Promise<StepPlace> {
  const file = request.source.kind === 'file' ? await fileInfo(client, request.source.fileId) : undefined;
  if (request.channel) return { channel: request.channel, ...(file ? { file } : {}) };
  const share = file ? firstShare(file) : undefined;
  if (!file || !share) {
    throw new WorkflowStepInputError(
      'The file is not shared in a channel I can see, so its job has no thread: choose a channel for the thread in the step\'s settings in Workflow Builder.',
    );
  }
  return { channel: share.channel, threadTs: share.ts, file };
}

async function fileInfo(client: Client, fileId: string): Promise<SlackFile & { shares?: unknown }> {
  try {
    const info = await client.files.info({ file: fileId });
    if (!info.file) throw new WorkflowStepInputError(`Slack gave no details of the file ${fileId}.`);
    return info.file as SlackFile & { shares?: unknown };
  } catch (error) {
    if (error instanceof WorkflowStepInputError) throw error;
    const code = slackErrorCode(error);
    if (code === 'file_not_found' || code === 'file_deleted') {
      throw new WorkflowStepInputError(
        `I cannot find the file ${fileId} in Slack (${code}): it was deleted, or it is shared only where I am not. Share it in a channel I am in, or give the step another file.`,
      );
    }
    throw new WorkflowStepInputError(`Slack did not let me read the file ${fileId} (${slackFailure(error)}). Try the workflow again in a minute.`);
  }
}

/** The first message that shared the file (its thread's parent when it was a reply). */
function firstShare(file: { shares?: unknown }): { channel: string; ts: string } | undefined {
  const shares = file.shares as Record<'public' | 'private', Record<string, { ts?: string; thread_ts?: string }[]> | undefined> | undefined;
  for (const kind of ['public', 'private'] as const) {
    for (const [channel, list] of Object.entries(shares?.[kind] ?? {})) {
      const ts = list[0]?.thread_ts ?? list[0]?.ts;
      if (ts) return { channel, ts };
    }
  }
  return undefined;
}

/**
 * ALLOWED_CHANNEL_IDS applies to the thread's channel. A workflow step does not say who ran it, so
 * with ALLOWED_USER_IDS set it is refused rather than let anyone who can run a workflow sync.
 */
function refuseIfNotAllowed(channel: string, context: AppContext): void {
  const { access } = context.config;
  if (access.allowedUserIds.length > 0) {
    throw new WorkflowStepInputError(
      'Syncs are limited to the people in ALLOWED_USER_IDS, and a workflow step does not say who ran it: ask an admin to clear ALLOWED_USER_IDS, or upload the file to a channel instead.',
    );
  }
  const refused = refusal({ ...access, allowedUserIds: [] }, { userId: undefined, channelId: channel });
  if (refused) throw new WorkflowStepInputError(refused);
}

async function openStepThread(place: StepPlace, request: StepRequest, context: AppContext): Promise<JobMessage> {
  const what = request.source.kind === 'file' ? `reading *${place.file?.name ?? request.source.fileId}*` : `fetching ${request.source.url}`;
  try {
    return await context.jobs.openMessage(place.channel, `Workflow step "Sync quotes to Notion": ${what}…`, place.threadTs);
  } catch (error) {
    const code = slackErrorCode(error);
    context.logger.warn({ channel: place.channel, error: slackFailure(error) }, 'cannot post the workflow step thread');
    if (code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived') {
      throw new WorkflowStepInputError(
        `I cannot post in channel ${place.channel} (${code}), so the job has no thread: invite me there with \`/invite @Quote Sync\`, or choose another channel in the step's settings.`,
      );
    }
    throw new WorkflowStepInputError(`Slack did not let me post in channel ${place.channel} (${code ?? 'no answer'}). Try the workflow again in a minute.`);
  }
}

/** The quotes behind the step's file (downloaded with the bot token, from Slack only) or link (https, public hosts only). */
async function sourceOf(request: StepRequest, place: StepPlace, context: AppContext): Promise<SyncSource> {
  const { config } = context;
  if (request.source.kind === 'file') {
    const file = place.file ?? { id: request.source.fileId };
    const format = quoteFileFormat(file);
    if (!format) throw new WorkflowStepInputError(`I can only read quotes from a CSV or JSON file; ${file.name ?? file.id} is neither. Give the step a CSV or JSON file.`);
    const content = await downloadSlackFile(file, { token: config.slack.botToken!, apiUrl: config.slack.apiUrl, maxBytes: config.access.maxFileBytes });
    return { name: file.name ?? file.id, content, format };
  }
  const fetched = await fetchQuotesFile(request.source.url, {
    allowHttp: config.access.allowPrivateUrls,
    allowPrivateAddresses: config.access.allowPrivateUrls,
    maxBytes: config.access.maxFileBytes,
  });
  const type = fetched.contentType ?? '';
  const format = type.includes('json') ? 'json' : type.includes('csv') ? 'csv' : undefined;
  return { name: nameOf(new URL(fetched.url)), content: fetched.content, ...(format ? { format } : {}) };
}

/** The last segment of a link's path, as a person would call the file. */
function nameOf(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last) || url.host;
  } catch {
    return last || url.host;
  }
}
