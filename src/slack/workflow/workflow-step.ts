/**
 * The Workflow Builder step "Sync quotes to Notion" (manifest.json `functions`), as decisions
 * without I/O: what the step's inputs ask for, when a step's job has ended, and what the step
 * answers Slack then (its outputs, or the sentence of its failure). The listener is
 * commands/workflow-step.ts; telling Slack is workflow-completion.ts.
 */
import { QuoteSyncError } from '../../errors.js';
import type { SyncJob } from '../../store/index.js';
import type { SyncReport } from '../../sync/outcome/report.js';

/** The step's callback id in manifest.json, the one `app.function` listens for. */
export const WORKFLOW_STEP_CALLBACK_ID = 'sync_quotes_to_notion';

/**
 * How long an execution's token (`bot_access_token` of `function_executed`) is valid: Slack's
 * engineers give 15 minutes from when it is issued, or until the step is completed, whichever
 * comes first (slackapi/bolt-python#1075). Past it, the app's own bot token completes the step.
 */
export const WORKFLOW_TOKEN_LIFETIME_MS = 15 * 60_000;

/** The step's input and output names, as declared in manifest.json. */
export const STEP_INPUTS = { file: 'file', link: 'link', update: 'update', channel: 'channel' } as const;
export const STEP_OUTPUTS = {
  jobId: 'job_id',
  written: 'written',
  alreadyThere: 'already_there',
  updated: 'updated',
  failed: 'failed',
  databaseUrl: 'database_url',
  fallbackFile: 'fallback_file',
} as const;

/** The step's inputs cannot be used; the message is for the workflow's author. */
export class WorkflowStepInputError extends QuoteSyncError {
  readonly code = 'input_unusable';
  override readonly name = 'WorkflowStepInputError';
}

export type StepSource = { kind: 'file'; fileId: string } | { kind: 'link'; url: string };

/** What one run of the step asks for. */
export interface StepRequest {
  source: StepSource;
  update: boolean;
  /** Where the job's thread goes; unset, a file's own thread. */
  channel: string | undefined;
}

/** Reads the step's inputs as Slack sent them; throws WorkflowStepInputError with the sentence for the author. Pure. */
export function readStepInputs(inputs: Record<string, unknown> | undefined): StepRequest {
  const fileId = oneText(inputs?.[STEP_INPUTS.file], 'file');
  const url = oneText(inputs?.[STEP_INPUTS.link], 'link');
  const channel = oneText(inputs?.[STEP_INPUTS.channel], 'channel');
  const update = inputs?.[STEP_INPUTS.update];
  if (fileId && url) {
    throw new WorkflowStepInputError('The step was given both a file and a link: give it one of them (edit the step in Workflow Builder).');
  }
  if (!fileId && !url) {
    throw new WorkflowStepInputError('The step was given neither a file nor a link: give it a CSV or JSON file of quotes, or an https link to one (edit the step in Workflow Builder).');
  }
  if (url && !channel) {
    throw new WorkflowStepInputError('A link has no channel of its own for the job\'s thread: choose a channel in the step\'s settings in Workflow Builder.');
  }
  return {
    source: fileId ? { kind: 'file', fileId } : { kind: 'link', url: url! },
    update: update === true || update === 'true',
    channel,
  };
}

/** A text input, or the one element of a list (a form's file question answers a list); empty is absent. */
function oneText(value: unknown, what: string): string | undefined {
  const one = Array.isArray(value) ? (value.length > 1 ? tooMany(what) : value[0]) : value;
  if (one === undefined || one === null) return undefined;
  if (typeof one !== 'string') throw new WorkflowStepInputError(`The step's ${what} input is not text (got ${typeof one}): map a ${what} to it in Workflow Builder.`);
  return one.trim() || undefined;
}

function tooMany(what: string): never {
  throw new WorkflowStepInputError(`The step was given several values for its ${what} input: it syncs one ${what} per run.`);
}

/** What the step tells Slack once its job has ended, or `wait` while the job can still go on. */
export type StepEnding = { kind: 'wait' } | { kind: 'complete' } | { kind: 'fail'; error: string };

/**
 * Done or partial (some quotes not written, in the fallback CSV): the step completes with the
 * counts. A job that stopped as a whole, or was cancelled, fails the step with why. Running,
 * queued or interrupted (it resumes, or waits for a retry in its thread): not yet. Pure.
 */
export function stepEnding(job: Pick<SyncJob, 'id' | 'state' | 'error'>): StepEnding {
  switch (job.state) {
    case 'done':
    case 'partial':
      return { kind: 'complete' };
    case 'failed':
      return {
        kind: 'fail',
        error:
          `Job ${job.id} stopped before writing its quotes${job.error ? `: ${job.error.replace(/\.?$/, '.')}` : '.'} ` +
          `The job's thread in Slack has the details and the CSV of what was not written; \`/sync-quotes retry ${job.id}\` writes them once the cause is fixed.`,
      };
    case 'cancelled':
      return {
        kind: 'fail',
        error: `Job ${job.id} was cancelled${job.error ? ` (${job.error.replace(/\.$/, '')})` : ''}. \`/sync-quotes retry ${job.id}\` writes the rest.`,
      };
    default:
      return { kind: 'wait' };
  }
}

/** The step's outputs, as manifest.json declares them, from the job's report. Pure. */
export function stepOutputs(report: SyncReport, fallbackFileId?: string): Record<string, string | number> {
  const databaseUrl = report.databases[0]?.url;
  return {
    [STEP_OUTPUTS.jobId]: report.jobId,
    [STEP_OUTPUTS.written]: report.written,
    // Update mode: pages that held the input's values already are there too.
    [STEP_OUTPUTS.alreadyThere]: report.alreadyPresent + report.unchanged,
    [STEP_OUTPUTS.updated]: report.updated,
    [STEP_OUTPUTS.failed]: report.failed.length,
    ...(databaseUrl ? { [STEP_OUTPUTS.databaseUrl]: databaseUrl } : {}),
    ...(fallbackFileId ? { [STEP_OUTPUTS.fallbackFile]: fallbackFileId } : {}),
  };
}

/** The name the thread's fallback CSV has in Slack (sync/outcome/fallback.ts names the file so). */
export function fallbackFileName(jobId: string): string {
  return `quote-sync-${jobId}-not-written.csv`;
}
