/**
 * Stable quote ids: the de-duplication key in one input and in Notion. The same quote from the
 * same post gets the same id however its text is spaced or cased and however its URL is spelled
 * (host case, trailing slash, query string, fragment), so a re-run never writes it twice.
 */
import { hash } from 'node:crypto';

export const GENERATED_ID_PREFIX = 'q_';
const GENERATED_ID_HEX_CHARS = 24;
/**
 * Whitespace that is not already a single plain space: a run of two or more, or one tab,
 * newline, NBSP… Same result as replacing `\s+`, about four times faster on ordinary text.
 */
const WHITESPACE_TO_COLLAPSE = /\s\s+|[^\S ]/g;
const NON_ASCII = /[^\x00-\x7f]/;
const TRAILING_SLASHES = /\/+$/;

/** NFC, trimmed, every run of whitespace one space, lower-cased. */
export function normaliseTextForId(text: string): string {
  const nfc = NON_ASCII.test(text) ? text.normalize('NFC') : text;
  return nfc.trim().replace(WHITESPACE_TO_COLLAPSE, ' ').toLowerCase();
}

/**
 * Scheme, lower-cased host and path without trailing slashes; no query string or fragment.
 * An empty string when there is no URL or it cannot be parsed.
 */
export function normaliseUrlForId(url: string | URL | undefined): string {
  if (url === undefined) return '';
  let parsed: URL;
  if (url instanceof URL) {
    parsed = url;
  } else {
    const trimmed = url.trim();
    if (trimmed === '' || !URL.canParse(trimmed)) return '';
    parsed = new URL(trimmed);
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(TRAILING_SLASHES, '')}`;
}

/** `q_` + the first 24 hex digits of sha256(normalised text + "\n" + normalised post URL). */
export function generatedQuoteId(text: string, postUrl?: string | URL): string {
  const digest = hash('sha256', `${normaliseTextForId(text)}\n${normaliseUrlForId(postUrl)}`, 'hex');
  return GENERATED_ID_PREFIX + digest.slice(0, GENERATED_ID_HEX_CHARS);
}

/** The input's own id when it has one (trimmed), else the generated one. */
export function quoteId(text: string, postUrl?: string | URL, inputId?: string): string {
  const own = inputId?.trim();
  return own ? own : generatedQuoteId(text, postUrl);
}
