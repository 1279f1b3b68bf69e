/**
 * The quotes of a finished Gumloop run, as a source `parseQuotes` reads. A flow's output node can
 * hand them over in several shapes: JSON text (a list, or `{ "quotes": [...] }`), a JSON value
 * already decoded, a list with one JSON string per quote (how Gumloop list outputs usually
 * arrive), or CSV text. Validating the quotes themselves is left to the parser.
 */
import { GumloopOutputError } from '../errors.js';
import { normaliseKey } from '../quotes/field-names.js';
import { kindOf } from '../quotes/field-values.js';
import type { SyncSource } from '../sync/run/engine.js';
import type { GumloopRun } from './client.js';

export function quotesFromOutputs(run: GumloopRun, outputName: string): SyncSource {
  const name = `gumloop run ${run.runId}`;
  const available = Object.keys(run.outputs);
  const key = findOutput(available, outputName);
  const fail = (problem: string) => {
    throw new GumloopOutputError(`The Gumloop run ${run.runId} ${problem}`, run.runId, outputName, available);
  };
  if (key === undefined) {
    const names = available.length === 0 ? 'it has no outputs at all' : `its outputs are: ${available.join(', ')}`;
    return fail(
      `has no output named "${outputName}"; ${names}. Name the flow's output node "${outputName}", or set GUMLOOP_QUOTES_OUTPUT to the output that holds the quotes.`,
    );
  }

  const value = run.outputs[key];
  if (typeof value === 'string') {
    if (value.trim() === '') return fail(`finished, but its output "${key}" is empty.`);
    // JSON text is left as it came so the parser's syntax errors point into it.
    return { name, content: value, format: looksLikeJson(value) ? 'json' : 'csv' };
  }
  if (Array.isArray(value)) return { name, content: JSON.stringify(value.flatMap(decodeListItem)), format: 'json' };
  if (typeof value === 'object' && value !== null) return { name, content: JSON.stringify(value), format: 'json' };
  return fail(
    value === undefined || value === null
      ? `finished, but its output "${key}" is empty.`
      : `has ${kindOf(value)} in its output "${key}", not quotes (expected a list of quotes as JSON, or CSV text).`,
  );
}

/** The output named like `wanted`, ignoring case, spaces, `_` and `-` as headers do; an exact name wins. */
function findOutput(names: readonly string[], wanted: string): string | undefined {
  if (names.includes(wanted)) return wanted;
  const key = normaliseKey(wanted);
  return names.find((name) => normaliseKey(name) === key);
}

function looksLikeJson(text: string): boolean {
  const first = /\S/.exec(text)?.[0];
  return first === '[' || first === '{';
}

/**
 * A list item that is JSON text is decoded (a list inside is spread into the quotes); anything
 * else stays as it is, so the parser rejects it with its row number instead of it vanishing.
 */
function decodeListItem(item: unknown): unknown[] {
  if (typeof item !== 'string' || !looksLikeJson(item)) return [item];
  try {
    const decoded: unknown = JSON.parse(item);
    return Array.isArray(decoded) ? decoded : [decoded];
  } catch {
    return [item];
  }
}
