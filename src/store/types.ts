/** What the store records, as the rest of the app sees it: jobs, their quotes, targets and counts. */
import type { Quote } from '../quotes/model.js';

export type JobState = 'running' | 'interrupted' | 'done' | 'partial' | 'failed' | 'cancelled';
/** Job states after which nothing is left to do unless a person asks for a retry. */
export const FINISHED_JOB_STATES: readonly JobState[] = ['done', 'cancelled'];

/**
 * pending: not yet sent. in_flight: a create was sent and no answer recorded (a crash here is
 * resolved by looking the id up). uncertain: a create failed in a way that may have written it.
 * written: this job created the page. present: the page was already in Notion.
 * In update mode, a quote already in Notion is stale (its page differs from the input: an update
 * is due), then updated; or unchanged (its page holds the input's values already).
 */
export type QuoteState =
  | 'pending'
  | 'in_flight'
  | 'uncertain'
  | 'written'
  | 'present'
  | 'stale'
  | 'updated'
  | 'unchanged'
  | 'rejected'
  | 'failed';

export type JobTarget =
  | { kind: 'database'; databaseId: string }
  | { kind: 'parent'; parentPageId: string; title: string };

/** One text per target, so two jobs can be compared by where they write. */
export function targetKey(target: JobTarget): string {
  return target.kind === 'database' ? `database:${target.databaseId}` : `parent:${target.parentPageId}:${target.title}`;
}

/** Where one field of a job's input went (the `fields` of its report). */
export interface FieldReport {
  /** As in the input: a known field's label (`relevance_score`), else the input's own name (`post.author`). */
  field: string;
  /** The Notion property it is written to; absent when it is not written. */
  property?: string;
  /** That property's type. */
  type?: string;
  /** How it was chosen: our schema's property, an existing property of the same name, a mapping, or a new property. */
  by?: 'schema' | 'name' | 'map' | 'new';
  /** This job added the property to the database. */
  added?: boolean;
  /** Quotes with a value for it. */
  quotes: number;
  /** Why it went elsewhere than a person might expect, or why it is not written. */
  note?: string;
}

export interface JobOptions {
  chunkSize?: number;
  /** The careful profile: a pause between quotes, long back-off after conflicts. */
  careful?: boolean;
  /** Update mode: quotes already in Notion whose fields differ get their pages changed in place. */
  update?: boolean;
  /** The input is CSV: its cells are text that may spell numbers, true/false or lists. */
  csv?: boolean;
  /** Mappings given for this job (`--map FIELD=PROPERTY`), over those kept for its database. */
  map?: Record<string, string>;
  /** Keys of the input read and not written: the not-written CSV's own `reason` and `row`. */
  ignored?: string[];
}

export interface SyncJob {
  id: string;
  createdAt: string;
  updatedAt: string;
  state: JobState;
  source: string;
  sourceSha256: string;
  target: JobTarget;
  options: JobOptions;
  origin: unknown;
  error: string | undefined;
  requests: number;
  activeMs: number;
}

export interface StoredQuote {
  quote: Quote;
  row: number;
  position: number;
  state: QuoteState;
  pageId: string | undefined;
  reason: string | undefined;
  chunk: number;
}

export interface JobDatabase {
  chunk: number;
  databaseId: string;
  dataSourceId: string;
  url: string;
  title: string;
}

export interface JobCounts {
  /** Rows read: valid quotes + duplicates + rejected rows. */
  total: number;
  pending: number;
  written: number;
  alreadyPresent: number;
  /** Update mode: pages this job changed in place, and pages that held the input's values already. */
  updated: number;
  unchanged: number;
  duplicates: number;
  rejected: number;
  failed: number;
}

export interface RejectedEntry {
  row: number;
  reason: string;
  raw: Record<string, unknown>;
}

export interface FailedEntry {
  id: string;
  row: number;
  reason: string;
  quote: Quote;
}
