/**
 * One normaliser per quote field, and how a value is shown in messages.
 *
 * Normalisers take a value as read (a CSV cell, or any JSON value) and say whether it is absent,
 * usable (perhaps changed, with why), or invalid (with why). They never throw and never log: the
 * parser turns their verdicts into field warnings that name the row, the field and the value.
 */
import { SENTIMENTS, type Sentiment } from './model.js';

/** Notion limits a value must respect (see DESIGN.md). */
export const MAX_URL_CHARS = 2000;
export const MAX_SELECT_NAME_CHARS = 100;

// ---------------------------------------------------------------------------------------------
// Verdicts

export type Normalised<T> =
  | { kind: 'absent' }
  /** `changed` says why the value differs from the input beyond trimming (worth a warning). */
  | { kind: 'ok'; value: T; changed?: string }
  | { kind: 'invalid'; problem: string };

const ABSENT: Normalised<never> = { kind: 'absent' };
const ok = <T>(value: T, changed?: string): Normalised<T> =>
  changed === undefined ? { kind: 'ok', value } : { kind: 'ok', value, changed };
const invalid = (problem: string): Normalised<never> => ({ kind: 'invalid', problem });

const CRLF = /\r\n/g;

/** "a number", "a list", "an object", … for messages about a value of the wrong kind. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}

/**
 * A value as trimmed text, with Windows line endings made `\n` (so a quote reads the same
 * whichever file it came from). Numbers and booleans are written out; objects are not text.
 */
function textOf(value: unknown): Normalised<string> {
  if (value === undefined || value === null) return ABSENT;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'boolean') s = String(value);
  else return invalid(`is ${kindOf(value)}, not text`);
  s = s.trim();
  if (s === '') return ABSENT;
  return ok(s.includes('\r\n') ? s.replace(CRLF, '\n') : s);
}

// ---------------------------------------------------------------------------------------------
// One normaliser per field

/**
 * The quote itself: a string, trimmed, otherwise exactly as given (no length limit here: the
 * Notion mapping decides what it can store). Absent when missing or blank.
 */
export function normaliseText(value: unknown): Normalised<string> {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    return invalid(`is ${kindOf(value)}, not a string`);
  }
  return textOf(value);
}

/** Free text (justification, post title, id): trimmed, empty means absent. */
export function normaliseOptionalText(value: unknown): Normalised<string> {
  return textOf(value);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const PERCENT = /^([^%]+?)\s*%$/;

/**
 * A finite number. Strings are read strictly ("0.85", "1e-2", " 7 "); "85%" means 0.85, since a
 * percentage is a fraction written differently. Not "0,85", "high", NaN or Infinity.
 */
export function normaliseRelevance(value: unknown): Normalised<number> {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? ok(value) : invalid('is not a finite number');
  }
  if (typeof value !== 'string') return invalid('is not a number');
  const s = value.trim();
  if (s === '') return ABSENT;
  const percent = PERCENT.exec(s);
  const digits = percent ? percent[1]! : s;
  if (!DECIMAL.test(digits)) return invalid('is not a number');
  const n = Number(digits);
  if (!Number.isFinite(n)) return invalid('is not a finite number');
  // Dividing by 100 can show float noise (57% → 0.5700000000000001); round to 12 places.
  return ok(percent ? Number((n / 100).toPrecision(12)) : n);
}

const HTTP_SCHEME = /^https?:\/\//i;

/** An http(s) URL of at most 2000 characters, kept as written (trimmed). */
export function normaliseUrl(value: unknown): Normalised<{ text: string; url: URL }> {
  const t = textOf(value);
  if (t.kind !== 'ok') return t;
  const s = t.value;
  if (s.length > MAX_URL_CHARS) return invalid(`is longer than ${MAX_URL_CHARS} characters (${s.length})`);
  if (!HTTP_SCHEME.test(s)) return invalid('is not an http(s) URL');
  if (!URL.canParse(s)) return invalid('is not a valid URL');
  return ok({ text: s, url: new URL(s) });
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz]|UTC|GMT)|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const EPOCH = /^\d+(?:\.\d+)?$/;

/** Epoch values are believed only between 2000-01-01 and 2100-01-01: a bare 2024 is not a date. */
const EPOCH_MIN_SECONDS = 946_684_800;
const EPOCH_MAX_SECONDS = 4_102_444_800;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function fromEpoch(n: number): Normalised<string> {
  let ms: number;
  if (n >= EPOCH_MIN_SECONDS && n < EPOCH_MAX_SECONDS) ms = n * 1000;
  else if (n >= EPOCH_MIN_SECONDS * 1000 && n < EPOCH_MAX_SECONDS * 1000) ms = n;
  else return invalid('is a number but not epoch seconds or milliseconds between 2000 and 2100');
  return ok(new Date(Math.round(ms)).toISOString());
}

/**
 * ISO 8601 date (kept as YYYY-MM-DD) or date-time (written as UTC, `toISOString()`); a date-time
 * without an offset ("2024-05-01 12:00:00", "2024-05-01T12:00") is read as UTC; epoch seconds
 * or milliseconds. Impossible calendar dates (2024-02-30, 25:00) are invalid.
 */
export function normaliseDate(value: unknown): Normalised<string> {
  if (value === undefined || value === null) return ABSENT;
  if (typeof value === 'number') return Number.isFinite(value) ? fromEpoch(value) : invalid('is not a date');
  if (typeof value !== 'string') return invalid('is not a date');
  const s = value.trim();
  if (s === '') return ABSENT;

  const d = DATE_ONLY.exec(s);
  if (d) {
    return isCalendarDate(Number(d[1]), Number(d[2]), Number(d[3])) ? ok(s) : invalid('is not a real calendar date');
  }
  const m = DATE_TIME.exec(s);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = m[6] === undefined ? 0 : Number(m[6]);
    const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
    const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
    const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
    if (!isCalendarDate(year, month, day)) return invalid('is not a real calendar date');
    if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
      return invalid('is not a real time of day');
    }
    // Already what toISOString() would write: skip the Date round trip (most rows, in our own files).
    if (s.length === 24 && s[10] === 'T' && s[19] === '.' && s[23] === 'Z') return ok(s);
    const sign = m[9] === '-' ? -1 : 1;
    const offsetMs = sign * (offsetHours * 60 + offsetMinutes) * 60_000;
    let utcMs = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    // Date.UTC reads years 0-99 as 1900-1999.
    if (year < 100) utcMs = new Date(utcMs).setUTCFullYear(year);
    return ok(new Date(utcMs - offsetMs).toISOString());
  }
  if (EPOCH.test(s)) return fromEpoch(Number(s));
  return invalid('is not an ISO 8601 date, "YYYY-MM-DD HH:MM:SS" or epoch time');
}

const SENTIMENT_SYNONYMS: ReadonlyArray<readonly [Sentiment, readonly string[]]> = [
  ['positive', ['positive', 'pos', 'favorable', 'favourable', 'good']],
  ['negative', ['negative', 'neg', 'unfavorable', 'unfavourable', 'bad']],
  ['neutral', ['neutral', 'neu', 'neut']],
  [
    'mixed',
    ['mixed', 'mix', 'ambivalent', 'both', 'mixed feelings', 'positive and negative', 'negative and positive', 'positive/negative', 'pos/neg'],
  ],
];
const SENTIMENT_BY_WORD = new Map<string, Sentiment>(
  SENTIMENT_SYNONYMS.flatMap(([sentiment, words]) => words.map((w) => [w, sentiment] as const)),
);
/** Words of degree that do not change which of the four a sentiment is ("very positive"). */
const INTENSIFIER = /^(?:very|slightly|somewhat|mostly|mildly|strongly|extremely|highly|quite|fairly|moderately|largely|generally|predominantly|weakly|overwhelmingly|really|a bit|kind of|leaning)\s+/;
const SENTIMENT_NOISE = /[\s_-]+/g;
const TRAILING_PUNCTUATION = /[.!]+$/;

/** positive / negative / neutral / mixed, from any case and the usual synonyms. */
export function normaliseSentiment(value: unknown): Normalised<Sentiment> {
  const t = textOf(value);
  if (t.kind !== 'ok') return t;
  let s = t.value.toLowerCase().replace(SENTIMENT_NOISE, ' ').replace(TRAILING_PUNCTUATION, '');
  for (let i = 0; i < 3; i++) {
    const found = SENTIMENT_BY_WORD.get(s);
    if (found) return ok(found);
    const stripped = s.replace(INTENSIFIER, '');
    if (stripped === s) break;
    s = stripped;
  }
  return invalid(`is not one of ${SENTIMENTS.join(', ')}`);
}

const COMMAS = /,/g;
const WHITESPACE_RUN = /\s+/g;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * At most `max` UTF-16 code units, cut between user-perceived characters: never inside a
 * surrogate pair, a ZWJ emoji sequence or a flag.
 */
export function cutToLength(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = 0;
  for (const { segment } of graphemes.segment(s)) {
    if (end + segment.length > max) break;
    end += segment.length;
  }
  return s.slice(0, end);
}

/**
 * A valid Notion select option name: no commas (each becomes a space), whitespace collapsed,
 * trimmed, at most 100 characters.
 */
export function normaliseSelectName(value: unknown): Normalised<string> {
  const t = textOf(value);
  if (t.kind !== 'ok') return t;
  const hadCommas = t.value.includes(',');
  let name = (hadCommas ? t.value.replace(COMMAS, ' ') : t.value).replace(WHITESPACE_RUN, ' ').trim();
  if (name === '') return ABSENT;
  const tooLong = name.length > MAX_SELECT_NAME_CHARS;
  if (tooLong) name = cutToLength(name, MAX_SELECT_NAME_CHARS).trim();
  if (!hadCommas && !tooLong) return ok(name);
  const why = [
    hadCommas ? 'has commas, which a Notion select option cannot hold' : undefined,
    tooLong ? `is longer than ${MAX_SELECT_NAME_CHARS} characters` : undefined,
  ].filter((w) => w !== undefined);
  return ok(name, why.join(' and '));
}

export const normaliseCategory = normaliseSelectName;

const SUBREDDIT_PREFIX = /^\/?r\//i;
const TRAILING_SLASHES = /\/+$/;

/** A select name without a leading `r/` or `/r/` (or a trailing slash). */
export function normaliseSubreddit(value: unknown): Normalised<string> {
  const t = textOf(value);
  if (t.kind !== 'ok') return t;
  return normaliseSelectName(t.value.replace(SUBREDDIT_PREFIX, '').replace(TRAILING_SLASHES, ''));
}

const SUBREDDIT_PATH = /^\/r\/([^/]+)/i;

/** `NAME` from `https://(www|old|…).reddit.com/r/NAME/…`; undefined for any other URL. */
export function subredditFromUrl(url: URL): string | undefined {
  const host = url.hostname;
  if (host !== 'reddit.com' && !host.endsWith('.reddit.com')) return undefined;
  const name = SUBREDDIT_PATH.exec(url.pathname)?.[1];
  if (name === undefined) return undefined;
  const n = normaliseSubreddit(safeDecode(name));
  return n.kind === 'ok' ? n.value : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

const PREVIEW_CHARS = 60;

/** A bad value as a message shows it: quoted, escapes visible, cut at 60 characters. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const cut = cutToLength(value, PREVIEW_CHARS);
    return JSON.stringify(cut.length < value.length ? `${cut}…` : cut);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) return typeof value;
  const cut = cutToLength(json, PREVIEW_CHARS);
  return cut.length < json.length ? `${cut}…` : cut;
}
