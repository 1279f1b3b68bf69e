/**
 * The daily digest in Slack: node-cron fires it at DIGEST_CRON in DIGEST_TZ, and
 * `/sync-quotes digest` posts it on request.
 *
 * Once a day: every app instance runs the schedule, and one restarted at the scheduled minute
 * may fire it again. Before posting, each claims the key `digest:<channel>:<day in DIGEST_TZ>`
 * in the shared store (`store.triggers.claim`: one INSERT wins, across processes and restarts); only
 * the winner posts. A post that fails gives the claim back, so a later attempt that day can post.
 *
 * On request (`force`): posted whatever the claim says, and the claim is neither taken nor
 * checked, so a digest asked for at 8:55 does not cancel the one due at 9:00. The day's claim
 * thus records the scheduled digest alone, once.
 *
 * Each digest gets its chart (./chart.ts) as a PNG in its thread. The text is the digest: a
 * chart that cannot be drawn or uploaded is logged and reported in the result, and neither
 * takes the text back nor gives the day's claim back (that would post the text twice).
 */
import type { WebClient } from '@slack/web-api';
import { schedule, validateDetailed } from 'node-cron';
import { ConfigError, slackFailure, type ConfigProblem } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobStore } from '../store/index.js';
import { collectDigestChart, digestChartAltText, renderDigestChart } from './chart.js';
import { collectDigest, digestMessage, type DigestData } from './content.js';

export interface PostDigestOptions {
  client: WebClient;
  channel: string;
  store: JobStore;
  now: () => Date;
  /** IANA time zone (DIGEST_TZ): where a day begins and ends. */
  timezone: string;
  /** Post even if today's digest is out, without claiming the day (the command). */
  force?: boolean;
  /** The window, in hours before now (default 24). */
  hours?: number;
  logger: Logger;
}

export type PostDigestResult = { posted: true; ts: string | undefined; chart: ChartResult } | { posted: false; reason: 'already_posted' };

/** The chart in the digest's thread, or why it is not there (Slack's error code, or the renderer's message). */
export type ChartResult = { attached: true; filename: string } | { attached: false; problem: string };

export async function postDigest(o: PostDigestOptions): Promise<PostDigestResult> {
  const now = o.now();
  const key = digestKey(o.channel, now, o.timezone);
  const claimed = !o.force;
  if (claimed && !(await o.store.triggers.claim(key))) {
    o.logger.info({ key }, 'digest already posted today');
    return { posted: false, reason: 'already_posted' };
  }
  let digest: DigestData;
  let ts: string | undefined;
  try {
    digest = await collectDigest(o.store, { now, ...(o.hours !== undefined ? { hours: o.hours } : {}) });
    const message = digestMessage(digest);
    // No unfurls: five Notion links would otherwise add five previews under the digest.
    ({ ts } = await o.client.chat.postMessage({ channel: o.channel, text: message.text, blocks: message.blocks, unfurl_links: false }));
    o.logger.info({ key, ts, forced: !claimed }, 'digest posted');
  } catch (error) {
    if (claimed) await o.store.triggers.release(key);
    throw error;
  }
  return { posted: true, ts, chart: await attachChart(o, digest, ts) };
}

/** Draws the digest's chart and uploads it into the digest's thread (the channel when Slack gave no ts). */
async function attachChart(o: PostDigestOptions, digest: DigestData, threadTs: string | undefined): Promise<ChartResult> {
  const filename = `quote-sync-digest-${dayIn(digest.to, o.timezone)}.png`;
  try {
    const chart = await collectDigestChart(o.store, digest, o.timezone);
    const destination = threadTs ? { channel_id: o.channel, thread_ts: threadTs } : { channel_id: o.channel };
    await o.client.filesUploadV2({
      ...destination,
      file: renderDigestChart(chart),
      filename,
      title: `Quotes written: by category, by sentiment, and the last ${chart.days.length} days`,
      alt_text: digestChartAltText(chart),
    });
    o.logger.info({ channel: o.channel, filename }, 'digest chart attached');
    return { attached: true, filename };
  } catch (error) {
    const problem = slackFailure(error);
    o.logger.warn({ channel: o.channel, filename, error: problem }, 'the digest chart could not be attached; the text digest is posted');
    return { attached: false, problem };
  }
}

/** The key that lets one digest a day into a channel. */
export function digestKey(channel: string, now: Date, timezone: string): string {
  return `digest:${channel}:${dayIn(now, timezone)}`;
}

/** The calendar day (YYYY-MM-DD) at `date` in `timezone`. */
export function dayIn(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

export interface DigestSchedule {
  stop(): void;
}

/**
 * Runs `run` at every `cron` tick in `timezone`. Both are checked now, so a bad value stops the
 * app at start-up instead of failing silently at 9 o'clock. A run that fails is logged, and the
 * next tick runs again; a tick that comes while a run is still going is skipped.
 */
export function scheduleDigest(o: { cron: string; timezone: string; run: () => Promise<void>; logger: Logger }): DigestSchedule {
  const problems = digestSettingProblems(o.cron, o.timezone);
  if (problems.length > 0) throw ConfigError.naming(problems);
  const task = schedule(
    o.cron,
    async () => {
      try {
        await o.run();
      } catch (error) {
        o.logger.error({ err: error }, 'the daily digest failed; the next one runs at the next scheduled time');
      }
    },
    { timezone: o.timezone, name: 'quote-sync-digest', noOverlap: true },
  );
  return {
    // destroy, not stop: stop only pauses, and the task would stay in node-cron's registry.
    stop: () => void Promise.resolve(task.destroy()).catch((error: unknown) => o.logger.warn({ err: error }, 'stopping the digest schedule failed')),
  };
}

/** A problem per digest setting that cannot be used, so a start names DIGEST_CRON and DIGEST_TZ together. */
export function digestSettingProblems(cron: string, timezone: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const result = validateDetailed(cron);
  if (!result.valid) {
    const why = result.errors.map((e) => e.message).join('; ');
    problems.push({
      variable: 'DIGEST_CRON',
      message:
        `DIGEST_CRON is "${cron}", which is not a cron expression (${why}). ` +
        'Expected five fields (minute hour day-of-month month day-of-week), or six with seconds first, e.g. "0 9 * * *".',
    });
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    problems.push({
      variable: 'DIGEST_TZ',
      message: `DIGEST_TZ is "${timezone}", which is not a time zone. Expected an IANA name such as "UTC", "Europe/Berlin" or "America/New_York".`,
    });
  }
  return problems;
}
