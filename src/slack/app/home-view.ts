/**
 * The app's Home tab: the recent jobs (state, counts, a link to each job's thread and Notion
 * database), where each channel's quotes go (with a Change button and whether Notion opens it),
 * the daily digest's channel and next run, and the health of the set-up (Notion's answer to the
 * token and default target, the rate budget learned), each problem with what to do.
 * A pure function of what the listener gathered (commands/home-tab.ts).
 *
 * Slack's limits (Block Kit reference, docs.slack.dev): a Home view holds at most 100 blocks; a
 * section's text at most 3000 characters; a header's plain text at most 150. The view never
 * carries a token or a stack trace: only the sentences built here and names from the store.
 */
import type { HomeView, KnownBlock } from '@slack/web-api';
import { JOB_ACTIONS } from '../thread/job-message.js';
import { TARGET_CHANGE_ACTION } from '../targets/target-modal.js';
import { capBlocks, context, escapeMrkdwn, header, section, slackDate, SLACK_MAX_SECTION_CHARS, truncate } from '../blocks.js';
import type { LearnedWindow } from '../../notion/pacing/window-budget.js';
import type { JobCounts, JobState } from '../../store/index.js';
import type { NotionAccess } from '../../sync/target/setup-health.js';
import { slackDuration } from '../../time/duration.js';

export const HOME_MAX_BLOCKS = 100;
/** Jobs listed, latest first; older ones are a `/sync-quotes status <job>` away. */
export const HOME_JOBS = 20;
const SOURCE_CHARS = 80;
const DATABASE_TITLE_CHARS = 60;

export interface HomeJob {
  id: string;
  state: JobState;
  source: string;
  createdAt: string;
  counts: Pick<JobCounts, 'written' | 'alreadyPresent' | 'updated' | 'failed' | 'pending' | 'rejected' | 'duplicates'>;
  /** The job's Slack thread: a permalink when Slack gave one, else its channel. */
  thread: { url: string } | { channel: string } | undefined;
  databases: { url: string; title: string }[];
}

/** One channel's target, as the Home tab lists it. */
export interface HomeTarget {
  channel: string;
  /** "<link|Acme quotes>", or for a page "a database "Quotes" under <link|Research>". */
  words: string;
  setBy: string | undefined;
  access: NotionAccess;
  /** When a quote was last written into it (ISO), if ever. */
  lastWritten: string | undefined;
}

/** Channel targets listed; the rest are counted (each is a block, and the view holds 100). */
export const HOME_TARGETS = 25;

export interface HomeInput {
  /** The latest jobs first; at most HOME_JOBS are shown. */
  jobs: HomeJob[];
  /** More jobs exist than those given. */
  moreJobs: boolean;
  digest: { channelId: string | undefined; cron: string; timezone: string; nextRun: Date | undefined };
  notion: NotionAccess;
  rate: { learned: LearnedWindow | undefined; requestsPerSecond: number };
  /** Every channel with a target of its own. */
  targets?: HomeTarget[];
}

const STATE_WORDS: Record<JobState, string> = {
  running: ':arrows_counterclockwise: running',
  interrupted: ':pause_button: stopped before the end (resumable)',
  done: ':white_check_mark: done',
  partial: ':warning: finished with quotes not written',
  failed: ':x: stopped: Notion could not be written',
  cancelled: ':no_entry_sign: cancelled',
};

export function homeView(input: HomeInput): HomeView {
  const blocks: KnownBlock[] = [
    header('Quote Sync'),
    context('Quotes into Notion, exactly once. `/sync-quotes help` lists what you can ask for.'),
    header('Set-up'),
    ...healthBlocks(input),
    header('Where quotes go'),
    ...targetBlocks(input.targets ?? []),
    header('Daily digest'),
    section(digestText(input.digest)),
    header('Recent jobs'),
  ];
  const shown = input.jobs.slice(0, HOME_JOBS);
  if (shown.length === 0) {
    blocks.push(section('No jobs yet. Upload a CSV or JSON file of quotes to a channel I am in, or use `/sync-quotes <link>`.'));
  }
  for (const job of shown) blocks.push(jobSection(job));
  if (input.moreJobs || input.jobs.length > shown.length) {
    blocks.push(context('Older jobs are not listed here: `/sync-quotes status <job>` shows any job.'));
  }
  return { type: 'home', blocks: capBlocks(blocks, HOME_MAX_BLOCKS, 'Part of this page was left out to keep within what Slack shows.') };
}

function healthBlocks(input: HomeInput): KnownBlock[] {
  const { notion, rate } = input;
  const checked = `checked ${slackDate(new Date(notion.checkedAt))}`;
  // No default is a choice, not a fault, once channels have targets of their own.
  const chosenPerChannel = !notion.ok && notion.problem === 'target_missing' && (input.targets?.length ?? 0) > 0;
  const notionText = notion.ok
    ? `:large_green_circle: *Notion*: the token works and the ${notion.target.kind === 'database' ? 'database' : 'parent page'} is shared with the integration${notion.url ? ` (<${notion.url}|open it>)` : ''}.`
    : chosenPerChannel
      ? `:white_circle: *Notion*: ${notion.message} Channels without a target of their own are told how to choose one.`
      : `:red_circle: *Notion*: ${notion.message}\n*What to do:* ${notion.action}`;
  return [section(notionText), context(checked), section(rateText(rate))];
}

function targetBlocks(targets: readonly HomeTarget[]): KnownBlock[] {
  const help = 'Each channel can have its own Notion database: `/sync-quotes target` in the channel chooses it; channels without one use the default above.';
  if (targets.length === 0) return [section(`No channel has its own target yet. ${help}`)];
  const blocks: KnownBlock[] = targets.slice(0, HOME_TARGETS).map((t) => ({
    ...section(targetText(t)),
    accessory: { type: 'button', action_id: TARGET_CHANGE_ACTION, value: t.channel, text: { type: 'plain_text', text: 'Change' } },
  }));
  if (targets.length > HOME_TARGETS) blocks.push(context(`And ${targets.length - HOME_TARGETS} more channel(s): \`/sync-quotes target show\` in a channel tells its target.`));
  blocks.push(context(help));
  return blocks;
}

function targetText(t: HomeTarget): string {
  const health = t.access.ok ? ':large_green_circle: can be opened' : `:red_circle: ${t.access.message} *What to do:* ${t.access.action}`;
  const written = t.lastWritten ? `last written ${slackDate(new Date(t.lastWritten))}` : 'nothing written yet';
  return `<#${t.channel}> → ${t.words}${t.setBy ? ` (set by <@${t.setBy}>)` : ''}\n${health} · ${written}`;
}

function rateText(rate: HomeInput['rate']): string {
  const ceiling = `NOTION_REQUESTS_PER_SECOND caps it at ${rate.requestsPerSecond}/s`;
  if (!rate.learned) {
    return `:hourglass: *Rate budget*: not learned yet. Jobs pace at up to ${rate.requestsPerSecond} request(s) a second (NOTION_REQUESTS_PER_SECOND) until Notion first answers 429; then its budget is learned and kept.`;
  }
  const { budget, windowMs } = rate.learned;
  const perSecond = budget / (windowMs / 1000);
  const tight =
    perSecond < 1
      ? '\n*Note:* under one request a second, a batch of 1,000 quotes takes about ' +
        `${slackDuration((1000 / budget) * (windowMs / 1000))}. Nothing to do; a workspace on a larger Notion plan gets a larger budget.`
      : '';
  return `:bar_chart: *Rate budget*: learned from Notion, ${budget} request(s) per ${Math.round(windowMs / 1000)} s window (${ceiling}). Jobs keep within it.${tight}`;
}

function digestText(d: HomeInput['digest']): string {
  if (!d.channelId) {
    return 'Off: set DIGEST_CHANNEL_ID to a channel I am in (and, if you like, DIGEST_CRON and DIGEST_TZ), then restart the app. `/sync-quotes digest` posts one now in any channel.';
  }
  const when = d.nextRun ? `next run ${slackDate(d.nextRun)}` : 'next run unknown';
  return `Posted in <#${d.channelId}> on \`${escapeMrkdwn(d.cron)}\` (${escapeMrkdwn(d.timezone)}): ${when}. \`/sync-quotes digest\` posts one now.`;
}

/** States of a job that stopped short: a Retry button beside it writes the rest, as the thread's does. */
const RETRYABLE: ReadonlySet<JobState> = new Set(['failed', 'partial', 'interrupted', 'cancelled']);

function jobSection(job: HomeJob): KnownBlock {
  const block = section(jobText(job));
  if (!RETRYABLE.has(job.state)) return block;
  return {
    ...block,
    accessory: { type: 'button', action_id: JOB_ACTIONS.retry, value: job.id, text: { type: 'plain_text', text: 'Retry' } },
  };
}

function jobText(job: HomeJob): string {
  const c = job.counts;
  const state = STATE_WORDS[job.state];
  const updated = c.updated ? ` · ${c.updated} updated` : '';
  const head = [
    `\`${job.id}\` *${escapeMrkdwn(truncate(job.source, SOURCE_CHARS))}*: ${state}`,
    `${c.written} written · ${c.alreadyPresent} already there${updated} · ${c.failed} not written · ${c.pending} to write · ${c.rejected} rejected · ${c.duplicates} duplicate(s)`,
    slackDate(new Date(job.createdAt)),
  ].join('\n');
  const links = [
    ...(job.thread ? ['url' in job.thread ? `<${job.thread.url}|thread>` : `<#${job.thread.channel}>`] : []),
    ...job.databases.map((d) => `<${d.url}|${escapeMrkdwn(truncate(d.title || 'Notion database', DATABASE_TITLE_CHARS)).replace(/\|/g, '¦')}>`),
  ];
  return withLinks(head, links, SLACK_MAX_SECTION_CHARS);
}

/**
 * `head` and as many whole links as fit in `max` characters (a chunked job has a database per
 * chunk); the rest counted. A link is never cut: half a link is broken mrkdwn.
 */
function withLinks(head: string, links: string[], max: number): string {
  let text = head;
  for (let i = 0; i < links.length; i++) {
    const rest = links.length - i - 1;
    const more = rest > 0 ? ` · and ${rest} more` : '';
    const next = `${text} · ${links[i]}`;
    if (next.length + more.length > max) return `${text} · and ${links.length - i} more`;
    text = next;
  }
  return text;
}

