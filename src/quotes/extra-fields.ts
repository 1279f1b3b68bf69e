/**
 * The fields of an input beyond the ten Quote Sync knows: what a person would call each one as a
 * Notion property, and what kind of values it holds. Pure: the Notion mapping (notion/pages/field-plan.ts)
 * decides where each field goes from this.
 */
import { FIELD_LABELS, normaliseKey, type QuoteField } from './field-names.js';
import { cutToLength, normaliseDate } from './field-values.js';
import type { Quote } from './model.js';

/** What a field's values are, as far as a Notion property type goes. */
export type ValueKind = 'number' | 'checkbox' | 'url' | 'date' | 'multi_select' | 'rich_text';

/** One field of a batch: a known one (by its label, `relevance_score`) or an extra one (by its input name). */
export interface FieldSummary {
  /** As a person names it on the command line: the label of a known field, else the input's own name. */
  field: string;
  known?: QuoteField;
  /** What the batch's non-empty values are: the type a new property for it gets. */
  kind: ValueKind;
  /** Every kind its values have (several when `kind` is text because they differ). */
  kinds?: ValueKind[];
  /** Quotes that have a value for it. */
  quotes: number;
}

/** Notion takes long property names, but a name is a column header: keep it readable. */
const PROPERTY_NAME_MAX_CHARS = 100;
/** Words people write in capitals in a column header. */
const ACRONYMS = new Set(['url', 'id', 'api', 'uuid', 'ip', 'llm', 'ai', 'seo', 'csv', 'json', 'utc', 'nps', 'roi']);
const WORD_BREAKS = /[\s._-]+/;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z][a-z])/g;
const HAS_CAPITAL = /[A-Z]/;

/**
 * A field's property name as a person would read it: `comment_url` → "Comment URL", `post.author`
 * → "Post Author", `numComments` → "Num Comments"; a word with capitals of its own (`iOS`) is kept.
 */
export function propertyNameFor(field: string): string {
  const words = field
    .replace(CAMEL_BOUNDARY, '$1 $2')
    .split(WORD_BREAKS)
    .filter((w) => w !== '')
    // A word already written with capitals (iOS, eBay, URL) is kept as it is.
    .map((w) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : HAS_CAPITAL.test(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)));
  const name = words.length > 0 ? words.join(' ') : field.trim();
  return cutToLength(name === '' ? field : name, PROPERTY_NAME_MAX_CHARS);
}

/** Two names of one field or property: case, spaces, `_`, `-` and `.` aside (`post.author` is "Post Author"). */
export function matchKey(name: string): string {
  return normaliseKey(name).replace(/\./g, '');
}

/** A CSV cell that is a number: no leading zeros (a zip code or an id stays text), no thousands separators. */
const NUMBER_CELL = /^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BOOLEAN_CELL = /^(?:true|false)$/i;
const HTTP_LINK = /^https?:\/\/\S+$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/;
const URL_MAX_CHARS = 2000;

export function isHttpLink(s: string): boolean {
  return s.length <= URL_MAX_CHARS && HTTP_LINK.test(s) && URL.canParse(s);
}

export function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && normaliseDate(s).kind === 'ok';
}

/** A CSV cell holding a JSON list of strings (as the not-written CSV writes a list), or undefined. */
export function stringListIn(s: string): string[] | undefined {
  if (!s.startsWith('[') || !s.endsWith(']')) return undefined;
  try {
    const value: unknown = JSON.parse(s);
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The kind of one value, or undefined when it is empty (and so says nothing of the field's type).
 * `csv`: the value is a cell, text that may spell a number, a boolean or a list.
 */
export function kindOfValue(value: unknown, csv: boolean): ValueKind | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return 'checkbox';
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : 'rich_text';
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return value.every((item) => typeof item === 'string') ? 'multi_select' : 'rich_text';
  }
  if (typeof value === 'object') return Object.keys(value).length === 0 ? undefined : 'rich_text';
  const s = String(value).trim();
  if (s === '') return undefined;
  if (csv && NUMBER_CELL.test(s)) return 'number';
  if (csv && BOOLEAN_CELL.test(s)) return 'checkbox';
  if (isHttpLink(s)) return 'url';
  if (isIsoDate(s)) return 'date';
  if (csv && stringListIn(s)) return 'multi_select';
  return 'rich_text';
}

/** The kind all of a field's non-empty values share; text when they differ. Undefined when all are empty. */
export function inferKind(values: Iterable<unknown>, csv: boolean): ValueKind | undefined {
  let kind: ValueKind | undefined;
  for (const value of values) {
    const k = kindOfValue(value, csv);
    if (k === undefined || k === kind) continue;
    if (kind !== undefined) return 'rich_text';
    kind = k;
  }
  return kind;
}

/** The kind of each known field's values, as the parser leaves them. */
const KNOWN_KINDS: Readonly<Record<QuoteField, ValueKind>> = {
  id: 'rich_text',
  text: 'rich_text',
  category: 'rich_text',
  sentiment: 'rich_text',
  relevanceScore: 'number',
  relevanceJustification: 'rich_text',
  redditUrl: 'url',
  subreddit: 'rich_text',
  postTitle: 'rich_text',
  insertedAt: 'date',
};

/** Known fields in the order the database shows them. */
export const KNOWN_FIELD_ORDER: readonly QuoteField[] = [
  'text',
  'category',
  'sentiment',
  'relevanceScore',
  'relevanceJustification',
  'redditUrl',
  'subreddit',
  'postTitle',
  'insertedAt',
  'id',
];

/**
 * Every field a batch has a value for: the known ones in the database's order (text and id always),
 * then the extra ones in the order they first appear, each with the kind of its values.
 */
export function summariseFields(quotes: Iterable<Quote>, csv: boolean): FieldSummary[] {
  const knownCounts = new Map<QuoteField, number>();
  const extras = new Map<string, { quotes: number; kinds: Set<ValueKind> }>();
  for (const quote of quotes) {
    for (const field of KNOWN_FIELD_ORDER) {
      if (quote[field] !== undefined) knownCounts.set(field, (knownCounts.get(field) ?? 0) + 1);
    }
    if (!quote.extra) continue;
    for (const [key, value] of Object.entries(quote.extra)) {
      const k = kindOfValue(value, csv);
      if (k === undefined) continue;
      const seen = extras.get(key);
      if (!seen) extras.set(key, { quotes: 1, kinds: new Set([k]) });
      else {
        seen.quotes += 1;
        seen.kinds.add(k);
      }
    }
  }
  const summaries: FieldSummary[] = [];
  for (const field of KNOWN_FIELD_ORDER) {
    const n = knownCounts.get(field) ?? 0;
    if (n > 0 || field === 'text' || field === 'id') summaries.push({ field: FIELD_LABELS[field], known: field, kind: KNOWN_KINDS[field], quotes: n });
  }
  for (const [field, seen] of extras) {
    const kinds = [...seen.kinds];
    summaries.push({ field, kind: kinds.length === 1 ? kinds[0]! : 'rich_text', ...(kinds.length > 1 ? { kinds } : {}), quotes: seen.quotes });
  }
  return summaries;
}

/** Every known field a person may map (not the text or the id, which always go to the title and `Quote ID`), as if each had a value. */
export function mappableKnownFields(): FieldSummary[] {
  return KNOWN_FIELD_ORDER.filter((f) => f !== 'text' && f !== 'id').map((f) => ({ field: FIELD_LABELS[f], known: f, kind: KNOWN_KINDS[f], quotes: 1 }));
}
