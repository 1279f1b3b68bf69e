import { describe, expect, it } from 'vitest';
import { describeName, keyWarnings, listNames, listReasons } from '../../../src/quotes/parse/input-warnings.js';

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i + 1}`);

describe('keyWarnings', () => {
  it('says nothing when every key holds a field of its own', () => {
    expect(keyWarnings('q.csv', 'column', { keysByField: [['text', ['text']], ['category', ['Category']]] })).toEqual([]);
    expect(keyWarnings('q.csv', 'column', { keysByField: [] })).toEqual([]);
  });

  it('warns once per field held by more than one key, naming the first as the one used and the others as not written', () => {
    const keysByField = new Map([
      ['text', ['text', 'quote']],
      ['category', ['category']],
      ['redditUrl', ['url', 'post_url', 'Reddit URL']],
    ] as const);
    expect(keyWarnings('q.csv', 'column', { keysByField })).toEqual([
      'q.csv has more than one column for text (text, quote); the first, text, was used and the other was not written.',
      'q.csv has more than one column for reddit_url (url, post_url, Reddit URL); the first, url, was used and the others were not written.',
    ]);
  });

  it('speaks of fields for JSON', () => {
    expect(keyWarnings('q.json', 'field', { keysByField: [['relevanceScore', ['score', 'relevance']]] })).toEqual([
      'q.json has more than one field for relevance_score (score, relevance); the first, score, was used and the other was not written.',
    ]);
  });

  it('reads keys gathered in sets as well as in lists', () => {
    const fromSets = keyWarnings('q.json', 'field', { keysByField: new Map([['text', new Set(['Quote', 'text'])]]) });
    const fromLists = keyWarnings('q.json', 'field', { keysByField: [['text', ['Quote', 'text']]] });
    expect(fromSets).toEqual(fromLists);
    expect(fromSets).toEqual(['q.json has more than one field for text (Quote, text); the first, Quote, was used and the other was not written.']);
  });
});

describe('listNames', () => {
  it('shows 20 names in full', () => {
    expect(listNames(names(20))).toBe(names(20).join(', '));
  });

  it('past 20 names, says how many more there are', () => {
    expect(listNames(names(23))).toBe(`${names(20).join(', ')} and 3 more`);
  });
});

describe('listReasons', () => {
  it('shows 3 reasons in full', () => {
    expect(listReasons(['row 2: a', 'row 3: b', 'row 4: c'])).toBe('row 2: a; row 3: b; row 4: c');
  });

  it('past 3 reasons, says how many more there are', () => {
    expect(listReasons(['row 2: a', 'row 3: b', 'row 4: c', 'row 5: d', 'row 6: e'])).toBe('row 2: a; row 3: b; row 4: c; and 2 more');
  });
});

describe('describeName', () => {
  it('keeps a name of up to 40 characters as it is', () => {
    expect(describeName('x'.repeat(40))).toBe('x'.repeat(40));
  });

  it('cuts a longer name at 40 characters and marks the cut', () => {
    expect(describeName('x'.repeat(41))).toBe(`${'x'.repeat(40)}…`);
  });

  it('never cuts inside an emoji', () => {
    expect(describeName(`${'x'.repeat(39)}🚀 launch`)).toBe(`${'x'.repeat(39)}…`);
  });
});
