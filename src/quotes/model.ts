/** The quote model shared by the parser, the store, the Notion mapping and the fallback CSV. */

export const SENTIMENTS = ['positive', 'negative', 'neutral', 'mixed'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

/** A validated quote, ready to be written. Optional fields are absent, never empty strings. */
export interface Quote {
  /** Stable de-duplication key: the input's own id, else a hash of the normalised text and post URL. */
  id: string;
  /** The whole text, trimmed. Never empty. */
  text: string;
  category?: string;
  sentiment?: Sentiment;
  relevanceScore?: number;
  relevanceJustification?: string;
  /** An http(s) URL of at most 2000 characters. */
  redditUrl?: string;
  subreddit?: string;
  postTitle?: string;
  /** ISO 8601 date (YYYY-MM-DD) or date-time with offset. */
  insertedAt?: string;
  /**
   * Every other field of the input, by its input name: a JSON record's own keys, a nested
   * object's keys one level down as `parent.key` (`post.author`), a CSV's other columns. Values
   * as read (deeper nesting kept as it is); blank ones left out. Written to Notion as properties
   * of their own (see notion/pages/field-plan.ts).
   */
  extra?: Record<string, unknown>;
}

/**
 * Row numbers are what a person sees: in a CSV the header is row 1 and the first quote row 2
 * (as a spreadsheet shows it); in JSON the first record is row 1.
 */
export interface QuoteRow {
  row: number;
  quote: Quote;
}

export interface RejectedRow {
  row: number;
  reason: string;
  /** The row as read, so the fallback CSV can hand it back. */
  raw: Record<string, unknown>;
}

export interface DuplicateRow {
  row: number;
  id: string;
  /** The row that holds the copy that will be written. */
  firstRow: number;
}

export interface FieldWarning {
  row: number;
  message: string;
}

export interface ParsedQuotes {
  format: 'csv' | 'json';
  /** Valid quotes in input order, each id once. */
  quotes: QuoteRow[];
  rejected: RejectedRow[];
  duplicates: DuplicateRow[];
  warnings: FieldWarning[];
  /** Keys read and not written anywhere: the not-written CSV's own `reason` and `row` columns. */
  ignored?: string[];
}

/**
 * Columns of every CSV this app writes (the fallback CSV). The parser accepts all of them, so a
 * file the app exported parses back to the same quotes; `reason` and `row` are informational.
 */
export const QUOTE_CSV_COLUMNS = [
  'id',
  'text',
  'category',
  'sentiment',
  'relevance_score',
  'relevance_justification',
  'reddit_url',
  'subreddit',
  'post_title',
  'inserted_at',
  'reason',
  'row',
] as const;
export type QuoteCsvColumn = (typeof QUOTE_CSV_COLUMNS)[number];
