/**
 * The daily digest's content: what the store says about a window (by default the last 24
 * hours), and that as one Slack message in Block Kit. Pure functions of the store and the
 * clock; posting and scheduling are in ./schedule.ts.
 *
 * Slack's limits, which the message keeps to whatever the data (docs.slack.dev, Block Kit
 * reference): 50 blocks per message; a section's text at most 3000 characters; a section's
 * fields at most 10, each at most 2000 characters; a header's plain text at most 150
 * characters; a context block at most 10 elements. With blocks, the top-level `text` is what
 * notifications show, so it carries a one-line summary.
 */
import type { KnownBlock } from '@slack/web-api';
import {
  capBlocks,
  escapeMrkdwn,
  section,
  slackDate,
  SLACK_MAX_FIELD_CHARS,
  SLACK_MAX_HEADER_CHARS,
  SLACK_MAX_SECTION_CHARS,
  truncate,
} from '../slack/blocks.js';

export { escapeMrkdwn, truncate } from '../slack/blocks.js';
import type { JobEventKind, JobState, JobStore, SyncJob } from '../store/index.js';


export const DEFAULT_DIGEST_HOURS = 24;
/** Quotes shown with their text and link. */
const TOP_QUOTES = 5;
/** A quote's text in the digest: enough to recognise it; the whole text is in Notion. */
const QUOTE_PREVIEW_CHARS = 280;
const SOURCE_CHARS = 80;
const REASON_CHARS = 200;
const VALUE_CHARS = 60;
/** Jobs needing a person read from the store, latest first; the message lists as many as fit. */
const ATTENTION_JOBS = 50;
/** A job in one of these states has quotes left that only a person's retry (or cancel) settles. */
export const NEEDS_PERSON_STATES: readonly JobState[] = ['failed', 'partial', 'interrupted'];

export interface DigestJob {
  id: string;
  source: string;
  state: JobState;
  error: string | undefined;
  written: number;
  failed: number;
  /** Quotes not yet settled (the job stopped first). */
  pending: number;
  /** Unusable rows and quotes Notion cannot hold. */
  rejected: number;
}

export interface Tally {
  /** Undefined: the quotes had no value for it. */
  value: string | undefined;
  count: number;
}

export interface TopQuote {
  jobId: string;
  quoteId: string;
  text: string;
  relevance: number | undefined;
  category: string | undefined;
  sentiment: string | undefined;
  pageId: string | undefined;
}

export interface DigestData {
  from: Date;
  to: Date;
  hours: number;
  /** Jobs that changed in the window, oldest first, with their counts as a whole. */
  jobs: DigestJob[];
  /** Quotes settled in the window. */
  quotes: { written: number; alreadyPresent: number; duplicates: number; rejected: number; failed: number };
  /** Notion trouble the writer absorbed in the window (each a retry or a pause, not a loss). */
  absorbed: { conflicts: number; rateLimits: number; serverErrors: number; breakerTrips: number };
  /** Jobs of the window that handed quotes back as a CSV (failed, unwritten or rejected ones). */
  fallbacks: number;
  byCategory: Tally[];
  bySentiment: Tally[];
  topQuotes: TopQuote[];
  /** Jobs with quotes left that wait for a person, however old, latest first. */
  needsPerson: DigestJob[];
}

export async function collectDigest(store: JobStore, options: { now: Date; hours?: number }): Promise<DigestData> {
  const hours = options.hours ?? DEFAULT_DIGEST_HOURS;
  const to = options.now;
  const from = new Date(to.getTime() - hours * 3_600_000);
  const jobs = await digestJobs(store, await store.digest.jobsUpdatedBetween(from, to));
  const states = await store.digest.quoteStatesBetween(from, to);
  const inputs = await store.digest.inputIssuesBetween(from, to);
  const events = await store.digest.eventCountsBetween(from, to);
  const n = (kind: JobEventKind) => events[kind] ?? 0;
  return {
    from,
    to,
    hours,
    jobs,
    quotes: {
      written: states.written ?? 0,
      alreadyPresent: states.present ?? 0,
      duplicates: inputs.duplicates,
      rejected: inputs.rejectedRows + (states.rejected ?? 0),
      failed: states.failed ?? 0,
    },
    // The same groupings as a job's own report (src/sync/outcome/report.ts).
    absorbed: {
      conflicts: n('conflict'),
      rateLimits: n('rate_limited') + n('workspace_limited') + n('endpoint_limited') + n('overloaded'),
      serverErrors: n('server_error') + n('timeout') + n('network'),
      breakerTrips: n('breaker_open'),
    },
    // The engine writes the fallback CSV at the end of every run that left something out.
    fallbacks: jobs.filter((j) => j.state !== 'running' && j.failed + j.pending + j.rejected > 0).length,
    byCategory: await store.digest.writtenCountsBy('category', from, to),
    bySentiment: await store.digest.writtenCountsBy('sentiment', from, to),
    topQuotes: (await store.digest.topWrittenBetween(from, to, TOP_QUOTES)).map(({ jobId, quote, pageId }) => ({
      jobId,
      quoteId: quote.id,
      text: quote.text,
      relevance: quote.relevanceScore,
      category: quote.category,
      sentiment: quote.sentiment,
      pageId,
    })),
    needsPerson: await digestJobs(store, await store.digest.jobsInStates(NEEDS_PERSON_STATES, ATTENTION_JOBS)),
  };
}

async function digestJobs(store: JobStore, jobs: SyncJob[]): Promise<DigestJob[]> {
  const out: DigestJob[] = [];
  for (const job of jobs) out.push(await digestJob(store, job));
  return out;
}

async function digestJob(store: JobStore, job: SyncJob): Promise<DigestJob> {
  const counts = await store.quotes.counts(job.id);
  return {
    id: job.id,
    source: job.source,
    state: job.state,
    error: job.error,
    written: counts.written,
    failed: counts.failed,
    pending: counts.pending,
    rejected: counts.rejected,
  };
}

/** Nothing happened in the window and nothing waits for a person. */
export function isEmptyDigest(d: DigestData): boolean {
  const q = d.quotes;
  const a = d.absorbed;
  return (
    d.jobs.length === 0 &&
    d.needsPerson.length === 0 &&
    q.written + q.alreadyPresent + q.duplicates + q.rejected + q.failed === 0 &&
    a.conflicts + a.rateLimits + a.serverErrors + a.breakerTrips === 0
  );
}

export function emptyDigestText(hours: number): string {
  return `No quotes were synced in the last ${hours} hours.`;
}

export function notionPageUrl(pageId: string): string {
  return `https://www.notion.so/${pageId.replace(/-/g, '')}`;
}

export function retryCommand(jobId: string): string {
  return `/sync-quotes retry ${jobId}`;
}

export function digestMessage(d: DigestData): { text: string; blocks: KnownBlock[] } {
  if (isEmptyDigest(d)) {
    const line = emptyDigestText(d.hours);
    return { text: line, blocks: [section(line)] };
  }
  const q = d.quotes;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`Quote Sync: the last ${d.hours} hours`, SLACK_MAX_HEADER_CHARS) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${slackDate(d.from)} to ${slackDate(d.to)}` }] },
    section(summaryText(d)),
  ];
  if (d.jobs.length > 0) {
    blocks.push(section(bulletList('*Jobs*', d.jobs.map(jobLine), SLACK_MAX_SECTION_CHARS)));
  }
  if (q.written > 0) {
    blocks.push({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: bulletList('*By category*', d.byCategory.map((t) => tallyLine(t, 'no category')), SLACK_MAX_FIELD_CHARS) },
        { type: 'mrkdwn', text: bulletList('*By sentiment*', d.bySentiment.map((t) => tallyLine(t, 'no sentiment')), SLACK_MAX_FIELD_CHARS) },
      ],
    });
  }
  if (d.topQuotes.length > 0) {
    blocks.push({ type: 'divider' }, section('*Top quotes by relevance*'));
    for (const quote of d.topQuotes) blocks.push(section(quoteText(quote)));
  }
  if (d.needsPerson.length > 0) {
    blocks.push({ type: 'divider' }, section(bulletList('*Needs a person*', d.needsPerson.map(attentionLine), SLACK_MAX_SECTION_CHARS)));
  }
  return { text: fallbackText(d), blocks: capBlocks(blocks) };
}

function summaryText(d: DigestData): string {
  const q = d.quotes;
  const a = d.absorbed;
  const byState = new Map<JobState, number>();
  for (const job of d.jobs) byState.set(job.state, (byState.get(job.state) ?? 0) + 1);
  const outcomes = [...byState].map(([state, count]) => `${count} ${state}`).join(', ');
  return [
    `*Jobs:* ${d.jobs.length}${outcomes ? ` (${outcomes})` : ''}`,
    `*Quotes:* ${q.written} written · ${q.alreadyPresent} already in Notion · ${plural(q.duplicates, 'duplicate')} skipped · ${q.rejected} rejected · ${q.failed} failed`,
    `*Absorbed:* ${plural(a.conflicts, 'conflict')} · ${plural(a.rateLimits, 'rate limit')} · ${plural(a.serverErrors, 'server error')} · ${plural(a.breakerTrips, 'breaker trip')} · ${plural(d.fallbacks, 'fallback CSV')}`,
  ].join('\n');
}

function fallbackText(d: DigestData): string {
  const waiting = d.needsPerson.length > 0 ? `; ${d.needsPerson.length} job(s) need a person` : '';
  return `Quote Sync, the last ${d.hours} hours: ${d.jobs.length} job(s), ${d.quotes.written} quote(s) written, ${d.quotes.failed} failed${waiting}.`;
}

function jobLine(j: DigestJob): string {
  const left = j.failed + j.pending > 0 ? `, ${j.failed + j.pending} not written` : '';
  return `\`${j.id}\` ${escapeMrkdwn(truncate(j.source, SOURCE_CHARS))}: ${j.state}, ${j.written} written${left}`;
}

function attentionLine(j: DigestJob): string {
  const why = j.error ? `: ${escapeMrkdwn(truncate(oneLine(j.error), REASON_CHARS))}` : '';
  return `${sentence(`\`${j.id}\` ${j.state}, ${j.failed + j.pending} not written${why}`)} Retry with \`${retryCommand(j.id)}\``;
}

function tallyLine(t: Tally, none: string): string {
  return `${t.value === undefined ? `_${none}_` : escapeMrkdwn(truncate(t.value, VALUE_CHARS))}: ${t.count}`;
}

function quoteText(q: TopQuote): string {
  const facts = [
    q.relevance === undefined ? '_unscored_' : `*${q.relevance}*`,
    ...[q.category, q.sentiment].filter((v): v is string => v !== undefined).map((v) => escapeMrkdwn(truncate(v, VALUE_CHARS))),
    ...(q.pageId ? [`<${notionPageUrl(q.pageId)}|Open in Notion>`] : []),
  ];
  return `${facts.join(' · ')}\n>${escapeMrkdwn(truncate(oneLine(q.text), QUOTE_PREVIEW_CHARS))}`;
}

/** A title and bullet lines, as many as fit in `max` characters; the rest counted in a last line. */
function bulletList(title: string, lines: string[], max: number): string {
  let text = title;
  for (let i = 0; i < lines.length; i++) {
    const rest = lines.length - i - 1;
    const more = rest > 0 ? `\n…and ${rest} more` : '';
    const next = `${text}\n• ${lines[i]}`;
    // Keep room for the "and N more" line that would follow this one.
    if (next.length + more.length > max) {
      return `${text}\n…and ${lines.length - i} more`;
    }
    text = next;
  }
  return text;
}

/** Slack reads &, < and > as control characters in mrkdwn; everything else is shown as is. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}


/**
 * At most `max` UTF-16 code units (what Slack's limits count, or more), ending in "…" when cut.
 * Cuts between grapheme clusters, so neither a surrogate pair nor an emoji sequence (👨‍👩‍👧, a flag)
 * is split.
 */
