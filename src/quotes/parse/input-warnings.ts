/**
 * What the parser says about the input as a whole, worded once for both readers so a CSV and a
 * JSON upload read alike: keys Quote Sync does not use, fields held by more than one key, and the
 * lists of names and reasons such messages show. A key is a CSV column or a JSON record's field;
 * each reader gathers its keys its own way and hands them here.
 */
import { FIELD_LABELS, type QuoteField } from '../field-names.js';
import { cutToLength } from '../field-values.js';

/** What a key is called in messages: a CSV has columns, a JSON record has fields. */
export type KeyNoun = 'column' | 'field';

export interface KeysFound {
  /** The keys that hold each field, in input order; the first is the one that was read. */
  keysByField: Iterable<readonly [QuoteField, Iterable<string>]>;
}

/** How many names a list of columns or keys in a message shows. */
const NAMES_IN_MESSAGE = 20;
/** How many reasons an "every row was rejected" message quotes. */
const REASONS_IN_SUMMARY = 3;
/** Names longer than this are cut in messages: a broken header can be a whole line of text. */
const NAME_CHARS = 40;

/** One warning per field that more than one key holds (other keys are fields of their own, not warnings). */
export function keyWarnings(name: string, noun: KeyNoun, found: KeysFound): string[] {
  const warnings: string[] = [];
  for (const [field, keys] of found.keysByField) {
    const names = [...keys];
    if (names.length > 1) {
      warnings.push(`${name} has more than one ${noun} for ${FIELD_LABELS[field]} (${listNames(names)}); the first, ${names[0]}, was used and the other${names.length > 2 ? 's were' : ' was'} not written.`);
    }
  }
  return warnings;
}

/** A column or key name as a message shows it: cut short if it is long. */
export function describeName(name: string): string {
  const cut = cutToLength(name, NAME_CHARS);
  return cut.length < name.length ? `${cut}…` : cut;
}

/** `a, b, c`, and past 20 names `… and 3 more`. */
export function listNames(names: readonly string[]): string {
  return listFirst(names, NAMES_IN_MESSAGE, ', ', ' and ');
}

/** `row 2: …; row 3: …`, and past 3 reasons `…; and 5 more`. */
export function listReasons(reasons: readonly string[]): string {
  return listFirst(reasons, REASONS_IN_SUMMARY, '; ', '; and ');
}

function listFirst(items: readonly string[], limit: number, separator: string, beforeMore: string): string {
  const shown = items.slice(0, limit).join(separator);
  return items.length > limit ? `${shown}${beforeMore}${items.length - limit} more` : shown;
}
