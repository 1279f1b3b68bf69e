/**
 * A quote as a Notion page, within Notion's limits, and back. Pure: no I/O.
 */
import type { CreatePageParameters } from '@notionhq/client';
import type { Quote } from '../quotes/model.js';
import {
  ARRAY_MAX_ITEMS,
  PROPERTY_TEXT_MAX_CHARS,
  REQUEST_BODY_MAX_BYTES,
  RICH_TEXT_CONTENT_MAX_CHARS,
  SELECT_NAME_MAX_CHARS,
  URL_MAX_CHARS,
} from './limits.js';
import { QUOTE_PROPERTY } from './schema.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Units either side of a cut point that are segmented to find a grapheme boundary. */
const BOUNDARY_WINDOW = 64;

/**
 * Splits text into segments of at most `maxUnits` UTF-16 code units. A grapheme cluster (an
 * emoji sequence, a flag, a letter with its combining marks) is never split unless it is longer
 * than the look-around window; a surrogate pair never is. `segments.join('') === text`.
 * Only a small window around each cut is segmented: segmenting a whole long text is quadratic.
 */
export function splitText(text: string, maxUnits = RICH_TEXT_CONTENT_MAX_CHARS): string[] {
  if (text.length === 0) return [];
  const segments: string[] = [];
  let start = 0;
  while (text.length - start > maxUnits) {
    const cut = boundaryAtOrBefore(text, start + maxUnits, start);
    segments.push(text.slice(start, cut));
    start = cut;
  }
  segments.push(text.slice(start));
  return segments;
}

/** The last grapheme boundary at or before `limit` and after `floor`; a code-point boundary if none. */
function boundaryAtOrBefore(text: string, limit: number, floor: number): number {
  const from = Math.max(floor, limit - BOUNDARY_WINDOW);
  const window = text.slice(from, Math.min(text.length, limit + BOUNDARY_WINDOW));
  let best = -1;
  for (const { index } of graphemes.segment(window)) {
    const at = from + index;
    if (at > limit) break;
    if (at > floor) best = at;
  }
  if (best > floor) return best;
  return isLowSurrogate(text.charCodeAt(limit)) ? limit - 1 : limit;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

type RichTextItem = { type: 'text'; text: { content: string } };

function richText(segments: string[]): RichTextItem[] {
  return segments.map((content) => ({ type: 'text', text: { content } }));
}

export type PageMapping = { ok: true; body: CreatePageParameters; bodyBytes: number } | { ok: false; reason: string };

const count = (n: number) => n.toLocaleString('en-US');

/** The `pages.create` body for a quote, or why it cannot fit in one request. */
export function quoteToPage(quote: Quote, dataSourceId: string): PageMapping {
  const properties: Record<string, unknown> = {};
  const textField = (label: string, value: string | undefined, property: string, kind: 'title' | 'rich_text'): string | undefined => {
    if (value === undefined || value === '') return undefined;
    const segments = splitText(value);
    if (segments.length > ARRAY_MAX_ITEMS) {
      return `the ${label} is ${count(value.length)} characters; Notion takes at most ${count(PROPERTY_TEXT_MAX_CHARS)} in one ${kind === 'title' ? 'title' : 'text property'}`;
    }
    properties[property] = { [kind]: richText(segments) };
    return undefined;
  };
  const problem =
    textField('text', quote.text, QUOTE_PROPERTY.text, 'title') ??
    textField('relevance justification', quote.relevanceJustification, QUOTE_PROPERTY.justification, 'rich_text') ??
    textField('post title', quote.postTitle, QUOTE_PROPERTY.postTitle, 'rich_text');
  if (problem) return { ok: false, reason: problem };
  if (!properties[QUOTE_PROPERTY.text]) return { ok: false, reason: 'the text is empty' };
  if (quote.id.length > RICH_TEXT_CONTENT_MAX_CHARS) {
    return { ok: false, reason: `the id is ${count(quote.id.length)} characters; Notion takes at most ${count(RICH_TEXT_CONTENT_MAX_CHARS)}` };
  }
  properties[QUOTE_PROPERTY.id] = { rich_text: richText([quote.id]) };

  const select = (property: string, value: string | undefined) => {
    const name = value?.replace(/,/g, ' ').replace(/\s+/g, ' ').trim();
    if (name) properties[property] = { select: { name: cutAtCharacter(name, SELECT_NAME_MAX_CHARS) } };
  };
  select(QUOTE_PROPERTY.category, quote.category);
  select(QUOTE_PROPERTY.sentiment, quote.sentiment);
  select(QUOTE_PROPERTY.subreddit, quote.subreddit);
  if (quote.relevanceScore !== undefined && Number.isFinite(quote.relevanceScore)) {
    properties[QUOTE_PROPERTY.relevance] = { number: quote.relevanceScore };
  }
  if (quote.redditUrl && quote.redditUrl.length <= URL_MAX_CHARS) properties[QUOTE_PROPERTY.redditUrl] = { url: quote.redditUrl };
  if (quote.insertedAt) properties[QUOTE_PROPERTY.dateAdded] = { date: { start: quote.insertedAt } };

  const body = {
    parent: { type: 'data_source_id', data_source_id: dataSourceId },
    properties,
  } as CreatePageParameters;
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  if (bodyBytes > REQUEST_BODY_MAX_BYTES) {
    return {
      ok: false,
      reason: `the quote is ${count(bodyBytes)} bytes as a Notion request; Notion takes at most ${count(REQUEST_BODY_MAX_BYTES)} (shorten the text or the justification)`,
    };
  }
  return { ok: true, body, bodyBytes };
}

function cutAtCharacter(s: string, maxUnits: number): string {
  return splitText(s, maxUnits)[0] ?? '';
}

/** The text of a title or rich_text value, as returned by the API (or as sent). */
export function textFromRichText(items: unknown): string {
  if (!Array.isArray(items)) return '';
  return items
    .map((item: { plain_text?: string; text?: { content?: string } }) => item.plain_text ?? item.text?.content ?? '')
    .join('');
}

/** The `Quote ID` of a page object (from pages.create or a data source query), if it has one. */
export function quoteIdOf(page: { properties?: Record<string, unknown> }): string | undefined {
  const property = page.properties?.[QUOTE_PROPERTY.id] as { rich_text?: unknown } | undefined;
  const text = textFromRichText(property?.rich_text);
  return text === '' ? undefined : text;
}
