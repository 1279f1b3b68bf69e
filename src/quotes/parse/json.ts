/**
 * The JSON reader: finds the list of records in the document, says which key of each record
 * holds which field, and hands each record to the collector as field values.
 */
import { InputError } from '../../errors.js';
import { TEXT_COLUMN_NAMES, fieldForKey, normaliseKey, postFieldForKey, type QuoteField } from '../field-names.js';
import { describeValue, kindOf, normaliseSubreddit } from '../field-values.js';
import { normaliseUrlForId } from '../id.js';
import type { FieldValues, QuoteCollector } from './collector.js';
import { ExtraFields, type RowExtras } from './extra-values.js';
import { keyWarnings, listNames } from './input-warnings.js';
import { jsonSyntaxMessage } from './json-error.js';

const POST_KEY = 'post';

/**
 * An array of quotes, `{ "quotes": [...] }`, or one quote object. Records may be flat or
 * Gumloop-shaped with a nested `post: { url, title, subreddit }`; a flat field wins over the
 * nested one (with a warning when they differ). Records are numbered from 1.
 */
export function readJson(text: string, name: string, collector: QuoteCollector): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(jsonSyntaxMessage(text, name, error));
  }
  const records = recordsIn(value, name);
  collector.noRows('has no quotes: its list is empty');

  const fieldByKey = new Map<string, QuoteField | 'ignored' | typeof POST_KEY | undefined>();
  const lookup = (key: string) => {
    if (!fieldByKey.has(key)) fieldByKey.set(key, normaliseKey(key) === POST_KEY ? POST_KEY : fieldForKey(key));
    return fieldByKey.get(key);
  };
  const extras = new ExtraFields(collector);
  const repeatedFields = new Map<QuoteField, Set<string>>();
  const seenKeys = new Set<string>();
  const ignored = new Set<string>();
  let hasTextKey = false;

  records.forEach((record, index) => {
    const row = index + 1;
    if (!isPlainObject(record)) {
      collector.reject(row, `expected a quote object, found ${kindOf(record)}`, { value: record });
      return;
    }
    const values: FieldValues = {};
    const keyOf: Partial<Record<QuoteField, string>> = {};
    const extra = extras.forRow(row);
    let post: unknown;
    for (const key of Object.keys(record)) {
      seenKeys.add(key);
      const field = lookup(key);
      if (field === 'ignored') {
        ignored.add(key);
        continue;
      }
      if (field === undefined) {
        extra.addNested(key, record[key]);
        continue;
      }
      if (field === POST_KEY) {
        post ??= record[key];
        continue;
      }
      if (field === 'text') hasTextKey = true;
      const first = keyOf[field];
      if (first !== undefined) {
        const names = repeatedFields.get(field) ?? new Set([first]);
        repeatedFields.set(field, names.add(key));
        continue;
      }
      keyOf[field] = key;
      values[field] = record[key];
    }
    if (isPlainObject(post)) {
      mergePost(row, post, values, keyOf, extra, collector);
    } else if (post !== undefined && post !== null) {
      // Not the usual nested post: a field of its own, as read.
      extra.add(POST_KEY, post);
    }
    collector.add(row, values, () => record, extra.values);
  });

  if (!hasTextKey && records.some(isPlainObject)) {
    throw new InputError(
      `${name} has no text field (${TEXT_COLUMN_NAMES.join(' or ')}) in ${records.length === 1 ? 'its one record' : `any of its ${records.length} records`}; the fields found are: ${listNames([...seenKeys])}.`,
    );
  }
  for (const warning of keyWarnings(name, 'field', { keysByField: repeatedFields })) collector.warnInput(warning);
  collector.ignore(ignored);
}

/** Fills fields from the nested post where the record has no flat value for them; its other keys are extra fields. */
function mergePost(
  row: number,
  post: Record<string, unknown>,
  values: FieldValues,
  keyOf: Partial<Record<QuoteField, string>>,
  extra: RowExtras,
  collector: QuoteCollector,
): void {
  const taken = new Set<QuoteField>();
  for (const key of Object.keys(post)) {
    const field = postFieldForKey(key);
    if (field === undefined || taken.has(field)) {
      extra.add(`${POST_KEY}.${key}`, post[key]);
      continue;
    }
    taken.add(field);
    const nested = post[key];
    if (isBlank(nested)) continue;
    const flat = values[field];
    if (isBlank(flat)) {
      values[field] = nested;
    } else if (!sameFieldValue(field, flat, nested)) {
      collector.warnRow(
        row,
        `${keyOf[field]} ${describeValue(flat)} and ${POST_KEY}.${key} ${describeValue(nested)} differ; ${keyOf[field]} was used and ${POST_KEY}.${key} was written as a field of its own.`,
      );
      extra.add(`${POST_KEY}.${key}`, nested);
    }
  }
}

/** Whether a flat and a nested value say the same, as the field reads them (`r/SaaS` is `SaaS`; a URL's query aside). */
function sameFieldValue(field: QuoteField, a: unknown, b: unknown): boolean {
  if (field === 'redditUrl') return normaliseUrlForId(String(a).trim()) === normaliseUrlForId(String(b).trim());
  if (field === 'subreddit') {
    const [x, y] = [normaliseSubreddit(a), normaliseSubreddit(b)];
    if (x.kind === 'ok' && y.kind === 'ok') return x.value.toLowerCase() === y.value.toLowerCase();
  }
  return String(a).trim() === String(b).trim();
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordsIn(value: unknown, name: string): unknown[] {
  if (Array.isArray(value)) return value;
  const expected =
    'a list of quotes, an object with a "quotes" list, or a single quote object with a "text" field';
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const quotesKey = keys.find((key) => normaliseKey(key) === 'quotes');
    if (quotesKey !== undefined) {
      const quotes = value[quotesKey];
      if (Array.isArray(quotes)) return quotes;
      throw new InputError(`${name} is JSON of an unknown shape: its "${quotesKey}" field is ${kindOf(quotes)}, not a list of quotes.`);
    }
    if (keys.some((key) => fieldForKey(key) === 'text')) return [value];
    throw new InputError(
      `${name} is JSON of an unknown shape: expected ${expected}; found an object with ${keys.length === 0 ? 'no keys' : `the keys ${listNames(keys)}`}.`,
    );
  }
  throw new InputError(`${name} is JSON of an unknown shape: expected ${expected}; found ${kindOf(value)}.`);
}
