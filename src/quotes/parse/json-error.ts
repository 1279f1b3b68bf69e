/**
 * Where JSON.parse failed. Node 20's messages often have no position ("Unexpected token ']',
 * "[1,]" is not valid JSON"), so a small scanner finds the first offending character and the
 * message names its line and column, as an editor shows them.
 */

/** The sentence an InputError carries for text that JSON.parse refused with `error`. */
export function jsonSyntaxMessage(text: string, name: string, error: unknown): string {
  const offset = jsonErrorOffset(text);
  // Should the scanner find nothing wrong, JSON.parse's own words are better than none.
  if (offset < 0) return `${name} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`;
  const { line, column } = lineAndColumn(text, offset);
  if (offset >= text.length) {
    return `${name} is not valid JSON: it ends at line ${line}, column ${column} before the JSON is complete.`;
  }
  const found = String.fromCodePoint(text.codePointAt(offset)!);
  return `${name} is not valid JSON: unexpected ${JSON.stringify(found)} at line ${line}, column ${column}.`;
}

/** Both counted from 1; the column in UTF-16 code units from the start of the line. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_ESCAPABLE = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Offset of the first character that makes `text` invalid JSON (text.length if it ends early); -1 if valid. */
export function jsonErrorOffset(text: string): number {
  const stack: Array<'[' | '{'> = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  /** Moves past a string starting at i; false at the offending character. */
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!HEX4.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (next !== undefined && JSON_ESCAPABLE.has(next)) {
          i += 2;
        } else {
          i++;
          return false;
        }
      } else {
        i++;
      }
    }
    return false;
  };

  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    skipSpace();
    if (state === 'value') {
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        skipSpace();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          state = 'after';
        } else {
          stack.push(c);
          state = c === '{' ? 'key' : 'value';
        }
      } else if (c === '"') {
        if (!string()) return i;
        state = 'after';
      } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
        JSON_NUMBER.lastIndex = i;
        if (!JSON_NUMBER.test(text)) return i;
        i = JSON_NUMBER.lastIndex;
        state = 'after';
      } else {
        const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
        if (literal === undefined) return i;
        i += literal.length;
        state = 'after';
      }
    } else if (state === 'key') {
      if (text[i] !== '"' || !string()) return i;
      skipSpace();
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i < text.length ? i : -1;
      const c = text[i];
      if (c === ',') {
        i++;
        state = top === '{' ? 'key' : 'value';
      } else if (c === (top === '{' ? '}' : ']')) {
        i++;
        stack.pop();
      } else {
        return i;
      }
    }
  }
}
