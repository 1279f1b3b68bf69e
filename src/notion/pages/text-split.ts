/** Text split into pieces Notion takes, never inside a character a person sees as one. Pure. */
import { RICH_TEXT_CONTENT_MAX_CHARS } from './limits.js';

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
