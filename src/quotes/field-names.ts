/**
 * Which input column or key is which quote field, and what each field is called in messages.
 * Headers are matched loosely (case, spaces, `_` and `-` aside) because people rename columns
 * in spreadsheets and other tools name them their own way.
 */
import type { Quote } from './model.js';

/** A field Quote Sync knows by name (the input's other fields are in `extra`). */
export type QuoteField = Exclude<keyof Quote, 'extra'>;

/** How each field is named in messages: the column names of the app's own CSV. */
export const FIELD_LABELS: Readonly<Record<QuoteField, string>> = {
  id: 'id',
  text: 'text',
  category: 'category',
  sentiment: 'sentiment',
  relevanceScore: 'relevance_score',
  relevanceJustification: 'relevance_justification',
  redditUrl: 'reddit_url',
  subreddit: 'subreddit',
  postTitle: 'post_title',
  insertedAt: 'inserted_at',
};

const KEY_NOISE = /[\s_-]+/g;

/** Case, spaces, `_` and `-` do not matter: `Relevance Score`, `relevance-score`, `RELEVANCESCORE`. */
export function normaliseKey(name: string): string {
  return name.replace(KEY_NOISE, '').toLowerCase();
}

const FIELD_ALIASES: ReadonlyArray<readonly [QuoteField, readonly string[]]> = [
  ['text', ['text', 'quote']],
  ['category', ['category']],
  ['sentiment', ['sentiment']],
  ['relevanceScore', ['relevance_score', 'relevance', 'score']],
  ['relevanceJustification', ['relevance_justification', 'justification']],
  ['redditUrl', ['reddit_url', 'post_url', 'url']],
  ['subreddit', ['subreddit']],
  ['postTitle', ['post_title', 'title']],
  ['insertedAt', ['inserted_at', 'date_added', 'date']],
  ['id', ['id', 'quote_id']],
];

/** The names each field's column may have, besides its label. */
export const FIELD_ALIASES_BY_FIELD: ReadonlyMap<QuoteField, readonly string[]> = new Map(FIELD_ALIASES);

/** Columns the app's own fallback CSV writes for people to read; accepted and not used. */
const INFORMATIONAL_KEYS = ['reason', 'row'];

const FIELD_BY_KEY = new Map<string, QuoteField>(
  FIELD_ALIASES.flatMap(([field, names]) => names.map((name) => [normaliseKey(name), field] as const)),
);
const INFORMATIONAL = new Set(INFORMATIONAL_KEYS.map(normaliseKey));

/** The field a column or key holds; `ignored` for informational columns; undefined when unknown. */
export function fieldForKey(name: string): QuoteField | 'ignored' | undefined {
  const key = normaliseKey(name);
  return FIELD_BY_KEY.get(key) ?? (INFORMATIONAL.has(key) ? 'ignored' : undefined);
}

/** Keys of the nested Gumloop `post` object: only the post's own fields (its `id` is not the quote's). */
const POST_FIELD_BY_KEY = new Map<string, QuoteField>([
  ['url', 'redditUrl'],
  ['redditurl', 'redditUrl'],
  ['posturl', 'redditUrl'],
  ['permalink', 'redditUrl'],
  ['title', 'postTitle'],
  ['posttitle', 'postTitle'],
  ['subreddit', 'subreddit'],
]);

export function postFieldForKey(name: string): QuoteField | undefined {
  return POST_FIELD_BY_KEY.get(normaliseKey(name));
}

/** What the names of the text column may be, for messages. */
export const TEXT_COLUMN_NAMES = ['text', 'quote'] as const;
