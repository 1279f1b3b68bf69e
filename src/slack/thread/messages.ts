/** What the job's thread says, as plain sentences with Slack's mrkdwn. Pure functions. */
import type { FieldWarning } from '../../quotes/model.js';
import type { FieldReport } from '../../store/index.js';
import type { JobProgress } from '../../sync/run/engine.js';
import { describeFields } from '../../sync/target/job-fields.js';
import { escapeMrkdwn } from '../blocks.js';
import type { SyncReport } from '../../sync/outcome/report.js';
import type { WriterEvent } from '../../sync/write/writer-events.js';
import { slackDuration } from '../../time/duration.js';

const BAR_CELLS = 20;

export function introText(input: {
  jobId?: string;
  source: string;
  toWrite: number;
  databaseTitle: string;
  databaseUrl: string;
  resumed: boolean;
}): string {
  return (
    `${input.jobId ? `Job \`${input.jobId}\`: ` : ''}${input.resumed ? 'resuming, writing' : 'writing'} ${input.toWrite} quote(s) ` +
    `from *${input.source}* into <${input.databaseUrl}|${input.databaseTitle || 'the Notion database'}>.`
  ).replace(/^w/, 'W');
}

/** Update mode's counts, when there are any: "12 updated, 3 unchanged". */
function updateCounts(c: { updated: number; unchanged: number }, before: string, after = ''): string {
  if (!c.updated && !c.unchanged) return '';
  return `${before}${c.updated} updated${before === ' · ' ? ' ·' : ','} ${c.unchanged} unchanged${after}`;
}

export function progressText(intro: string, p: JobProgress): string {
  const fraction = p.toWrite === 0 ? 1 : Math.min(1, p.settled / p.toWrite);
  const filled = Math.round(fraction * BAR_CELLS);
  const c = p.counts;
  const eta = p.etaSeconds === undefined ? '' : ` · about ${slackDuration(p.etaSeconds)} left`;
  return [
    intro,
    `\`${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}\` ${Math.floor(fraction * 100)}% (${p.settled}/${p.toWrite})`,
    `written ${c.written} · already there ${c.alreadyPresent}${updateCounts(c, ' · ')} · duplicates ${c.duplicates} · rejected ${c.rejected} · failed ${c.failed}`,
    `retries: ${p.retries.conflict} conflict, ${p.retries.rateLimited} rate-limited, ${p.retries.server} server · ${p.ratePerSecond.toFixed(1)} quotes/s${eta}`,
  ].join('\n');
}

export function summaryText(intro: string, r: SyncReport): string {
  const head =
    r.state === 'done'
      ? ':white_check_mark: Done.'
      : r.state === 'interrupted'
        ? ':pause_button: Stopped before the end; it will resume.'
        : r.state === 'cancelled'
          ? `:no_entry_sign: Cancelled. \`/sync-quotes retry ${r.jobId}\` writes the rest.`
          : `:warning: Finished, but not every quote is in Notion. Once the cause is fixed, \`/sync-quotes retry ${r.jobId}\` writes the rest.`;
  const lines = [
    ...(intro ? [intro] : []),
    `${head} ${r.written} written, ${r.alreadyPresent} already there, ${updateCounts(r, '', ', ')}${r.duplicates} duplicate(s), ` +
      `${r.rejected.length} rejected, ${r.failed.length} not written.`,
    `${r.requests} Notion requests in ${slackDuration(r.durationMs / 1000)}; retries: ${r.retries.conflict} conflict, ` +
      `${r.retries.rateLimited} rate-limited, ${r.retries.server} server` +
      (r.breakerTrips ? `; the circuit breaker opened ${r.breakerTrips} time(s)` : '') +
      '.',
    ...r.databases.map((d) => `Database: <${d.url}|${d.title || d.id}>`),
  ];
  if (r.error) lines.push(r.error);
  return lines.join('\n');
}

/** A reply for the events a person should see; undefined for the routine ones (retries show in the counts). */
export function alertText(e: WriterEvent): string | undefined {
  switch (e.kind) {
    case 'breaker_open':
      return `:rotating_light: ${e.message}`;
    case 'breaker_closed':
      return `:large_green_circle: ${e.message}`;
    case 'recovered':
      return `:wrench: ${e.message}`;
    case 'workspace_limited':
      // Not a failure: other integrations of the workspace used its shared limit; the job waits.
      return `:hourglass_flowing_sand: ${e.message}. The job goes on by itself.`;
    case 'endpoint_limited':
      // One endpoint's own limit: its requests wait, nothing is lost, the job goes on.
      return `:hourglass_flowing_sand: ${e.message}. The job goes on by itself.`;
    default:
      return undefined;
  }
}

export function fallbackComment(r: SyncReport): string {
  if (r.failed.length === 0 && r.pending === 0) {
    return (
      `This file holds the ${r.rejected.length} row(s) that could not be read as quotes, each with its row number and the reason. ` +
      'Fix them and upload the file here again to add them.'
    );
  }
  // A job that stopped early (cancelled, interrupted) leaves quotes it never tried: they are in the file too.
  const held = [
    ...(r.failed.length ? [`${r.failed.length} quote(s) Notion did not take`] : []),
    ...(r.pending ? [`${r.pending} quote(s) not written yet (the job stopped first)`] : []),
  ].join(', the ');
  const rejected = r.rejected.length ? ` and the ${r.rejected.length} rejected row(s)` : '';
  return (
    `This file holds the ${held}${rejected}, each with the reason. ` +
    'Once the cause is fixed, upload this file here again to finish the job: quotes already in Notion are not written twice.'
  );
}

const STATE_WORDS: Record<string, string> = {
  running: 'running',
  interrupted: 'stopped before the end (resumable)',
  done: 'done',
  partial: 'finished with quotes not written',
  failed: 'stopped: Notion could not be written',
  cancelled: 'cancelled',
};

/** One job in detail, for `/sync-quotes status <job>`. */
export function statusText(r: SyncReport, activity: 'running' | 'queued' | undefined): string {
  const state = activity === 'queued' ? 'waiting its turn' : activity === 'running' ? 'running' : (STATE_WORDS[r.state] ?? r.state);
  const lines = [
    `Job \`${r.jobId}\` (${r.total} quote(s)): *${state}*.`,
    `written ${r.written} · already there ${r.alreadyPresent}${updateCounts(r, ' · ')} · duplicates ${r.duplicates} · rejected ${r.rejected.length} · ` +
      `not written ${r.failed.length} · still to write ${r.pending}`,
    ...r.databases.map((d) => `Database: <${d.url}|${d.title || d.id}>`),
  ];
  if (r.error) lines.push(r.error);
  if (!activity && (r.state === 'failed' || r.state === 'partial' || r.state === 'cancelled')) {
    lines.push(`\`/sync-quotes retry ${r.jobId}\` writes what is left.`);
  }
  return lines.join('\n');
}

/** One line per job, for `/sync-quotes status`. */
export function jobLine(
  job: { id: string; state: string; source: string; createdAt: string },
  c: { written: number; alreadyPresent: number; failed: number; pending: number },
  activity: 'running' | 'queued' | undefined,
): string {
  const state = activity === 'queued' ? 'waiting its turn' : activity ?? STATE_WORDS[job.state] ?? job.state;
  return `• \`${job.id}\` ${job.source}: ${state}; ${c.written} written, ${c.alreadyPresent} already there, ${c.failed} not written (${job.createdAt.slice(0, 16).replace('T', ' ')} UTC)`;
}

/** A reply's text is kept well under Slack's 40,000 characters, and readable: longer lists go to a file. */
export const FIELDS_REPLY_MAX_CHARS = 3500;

/**
 * The thread's reply on what the input held: where each field goes (properties added named), and
 * every warning. `complete` is false when the warnings did not all fit: they are then attached
 * as a file (`warningsFileText`).
 */
export function fieldsReplyText(fields: readonly FieldReport[], warnings: readonly FieldWarning[]): { text: string; complete: boolean } {
  const added = fields.filter((f) => f.added).map((f) => `"${f.property}"`);
  const lines = [
    `*Fields:* ${fields.length} field(s) of the input go to Notion` + (added.length ? `; new propert${added.length === 1 ? 'y' : 'ies'}: ${added.join(', ')}.` : '.'),
    ...describeFields(fields).map((l) => `• ${escapeMrkdwn(l)}`),
  ];
  if (warnings.length === 0) return { text: lines.join('\n'), complete: true };
  lines.push(`*Warnings (${warnings.length}):*`);
  let text = lines.join('\n');
  for (let i = 0; i < warnings.length; i++) {
    const line = `\n• ${escapeMrkdwn(warnings[i]!.message)}`;
    if (text.length + line.length > FIELDS_REPLY_MAX_CHARS) {
      return { text: `${text}\n…and ${warnings.length - i} more, in the attached file.`, complete: false };
    }
    text += line;
  }
  return { text, complete: true };
}

/** Every warning, a line each, for the file attached when they do not fit in a reply. */
export function warningsFileText(warnings: readonly FieldWarning[]): string {
  return warnings.map((w) => w.message).join('\n') + '\n';
}
