import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// jsonErrorOffset through the parser's public entry, where callers find it.
import { jsonErrorOffset } from '../../../src/quotes/parse/index.js';
import { jsonSyntaxMessage, lineAndColumn } from '../../../src/quotes/parse/json-error.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/quotes/${name}`, import.meta.url), 'utf8');

describe('jsonErrorOffset', () => {
  it.each([
    ['[]', -1],
    ['{"a": [1, -2.5e3, true, null, "x\\u00e9"]}', -1],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['{a: 1}', 1],
    ['[01]', 2],
    ['"\\x"', 2],
    ['"tab\there"', 4],
    ['[1] 2', 4],
    ['[1, 2', 5],
    ['', 0],
  ])('%j → %d', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});

describe('jsonErrorOffset on files', () => {
  it('points at the bracket after a trailing comma', () => {
    const text = fixture('trailing-comma.json');
    expect(jsonErrorOffset(text)).toBe(text.lastIndexOf(']'));
  });

  it('points past the end of a file cut short', () => {
    const text = fixture('truncated.json');
    expect(jsonErrorOffset(text)).toBe(text.length);
  });
});

describe('lineAndColumn', () => {
  it('counts from line 1, column 1', () => {
    expect(lineAndColumn('[1,]', 0)).toEqual({ line: 1, column: 1 });
  });

  it('starts a new line after each \n', () => {
    expect(lineAndColumn('[\n  1,\n]', 7)).toEqual({ line: 3, column: 1 });
  });

  it('counts the \r of a CRLF line end as part of its line', () => {
    expect(lineAndColumn('[1,\r\n]', 3)).toEqual({ line: 1, column: 4 });
  });
});

describe('jsonSyntaxMessage', () => {
  it('names the unexpected character and where it is', () => {
    expect(jsonSyntaxMessage(fixture('trailing-comma.json'), 'trailing-comma.json', new SyntaxError('x'))).toBe(
      'trailing-comma.json is not valid JSON: unexpected "]" at line 4, column 1.',
    );
  });

  it('says where the text ends when it ends too early', () => {
    expect(jsonSyntaxMessage(fixture('truncated.json'), 'truncated.json', new SyntaxError('x'))).toBe(
      'truncated.json is not valid JSON: it ends at line 4, column 1 before the JSON is complete.',
    );
  });

  it('shows a whole emoji, not half of its surrogate pair', () => {
    expect(jsonSyntaxMessage('[🚀]', 'q.json', new SyntaxError('x'))).toBe('q.json is not valid JSON: unexpected "🚀" at line 1, column 2.');
  });

  it("passes JSON.parse's own words on when the scanner finds nothing wrong", () => {
    expect(jsonSyntaxMessage('[]', 'q.json', new SyntaxError('Unexpected token'))).toBe('q.json is not valid JSON (Unexpected token).');
  });

  it('passes on a thrown value that is not an Error as text', () => {
    expect(jsonSyntaxMessage('[]', 'q.json', 'too deep')).toBe('q.json is not valid JSON (too deep).');
  });
});
