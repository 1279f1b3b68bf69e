import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { parseQuotes } from '../../../src/quotes/parse/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/quotes/${name}`, import.meta.url));
const parseFixture = (name: string) => parseQuotes(fixture(name), { filename: name });
const unusable = (run: () => unknown): InputError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('parsed without an InputError');
};

describe('JSON input that is unusable as a whole', () => {
  it('malformed JSON: says where', () => {
    expect(unusable(() => parseFixture('trailing-comma.json')).message).toBe(
      'trailing-comma.json is not valid JSON: unexpected "]" at line 4, column 1.',
    );
    expect(unusable(() => parseFixture('truncated.json')).message).toBe(
      'truncated.json is not valid JSON: it ends at line 4, column 1 before the JSON is complete.',
    );
    expect(unusable(() => parseQuotes('[{"text": "a"', { filename: 'q.json' })).message).toBe(
      'q.json is not valid JSON: it ends at line 1, column 14 before the JSON is complete.',
    );
  });

  it('JSON of an unknown shape: says what it expected and what it found', () => {
    expect(unusable(() => parseFixture('unknown-shape.json')).message).toBe(
      'unknown-shape.json is JSON of an unknown shape: expected a list of quotes, an object with a "quotes" list, or a single quote object with a "text" field; found an object with the keys rows, items.',
    );
    expect(unusable(() => parseFixture('quotes-not-a-list.json')).message).toBe(
      'quotes-not-a-list.json is JSON of an unknown shape: its "quotes" field is a string, not a list of quotes.',
    );
    expect(unusable(() => parseQuotes('"just a string"', { format: 'json' })).message).toMatch(/unknown shape.*found a string\.$/);
    expect(unusable(() => parseQuotes('{}', { format: 'json' })).message).toMatch(/found an object with no keys\.$/);
  });

  it('an empty list', () => {
    expect(unusable(() => parseFixture('empty-list.json')).message).toBe('empty-list.json has no quotes: its list is empty.');
  });

  it('records without a text field: names the fields it found', () => {
    expect(unusable(() => parseFixture('no-text-field.json')).message).toBe(
      'no-text-field.json has no text field (text or quote) in any of its 2 records; the fields found are: quote_text, tone.',
    );
  });

  it('no valid quote', () => {
    expect(unusable(() => parseQuotes('[{"text": " "}, {"text": 5}]', { format: 'json' })).message).toBe(
      'The input has no valid quote: all 2 rows were rejected (row 1: the text is empty; row 2: the text is a number, not a string).',
    );
  });
});

describe('JSON shapes', () => {
  it('Gumloop records with a nested post', () => {
    const parsed = parseFixture('gumloop.json');
    expect(parsed.quotes.map((q) => q.row)).toEqual([1, 2, 3, 4, 5]);
    expect(parsed.quotes[0]!.quote).toEqual({
      id: expect.stringMatching(/^q_/),
      text: 'Nested post fields are used',
      category: 'Pricing',
      sentiment: 'positive',
      relevanceScore: 0.9,
      relevanceJustification: 'Nested post.',
      redditUrl: 'https://www.reddit.com/r/SaaS/comments/g1/nested/',
      subreddit: 'SaaS',
      postTitle: 'Nested title',
      insertedAt: '2025-01-06T10:00:00.000Z',
      extra: { 'post.author': 'u/someone', 'post.score': 412 },
    });
  });

  it('flat fields win over the nested post, with a warning when they differ, and the nested values are kept as fields of their own', () => {
    const parsed = parseFixture('gumloop.json');
    expect(parsed.quotes[1]!.quote).toMatchObject({
      redditUrl: 'https://www.reddit.com/r/startups/comments/g2/flat/',
      postTitle: 'Flat title',
      subreddit: 'startups',
    });
    // post.subreddit is the same as the subreddit used, so it is not a field of its own.
    expect(parsed.quotes[1]!.quote.extra).toEqual({
      'post.url': 'https://www.reddit.com/r/startups/comments/g2/nested/',
      'post.title': 'Nested title',
    });
    expect(parsed.warnings.filter((w) => w.row === 2)).toEqual([
      {
        row: 2,
        message:
          'row 2: reddit_url "https://www.reddit.com/r/startups/comments/g2/flat/" and post.url "https://www.reddit.com/r/startups/comments/g2/nested/" differ; reddit_url was used and post.url was written as a field of its own.',
      },
      {
        row: 2,
        message: 'row 2: post_title "Flat title" and post.title "Nested title" differ; post_title was used and post.title was written as a field of its own.',
      },
    ]);
  });

  it('derives the subreddit from the URL, keeps a post that is not an object as a field of its own, reads epoch milliseconds', () => {
    const parsed = parseFixture('gumloop.json');
    expect(parsed.quotes[2]!.quote.subreddit).toBe('smallbusiness');
    expect(parsed.quotes[2]!.quote).not.toHaveProperty('extra');
    expect(parsed.quotes[3]!.quote).toEqual({
      id: expect.stringMatching(/^q_/),
      text: 'A post that is not an object',
      extra: { post: 'https://www.reddit.com/r/SaaS/comments/g4/x/' },
    });
    expect(parsed.warnings.filter((w) => w.row === 4)).toEqual([]);
    expect(parsed.quotes[4]!.quote).toMatchObject({ sentiment: 'negative', relevanceScore: 0.4, insertedAt: '2025-01-06T10:00:00.000Z' });
  });

  it('does not warn about fields it does not know by name: they are kept, nested ones included', () => {
    const parsed = parseFixture('gumloop.json');
    expect(parsed.warnings.map((w) => w.row)).toEqual([2, 2]);
    expect(parsed.quotes.map((q) => q.quote.extra)).toEqual([
      { 'post.author': 'u/someone', 'post.score': 412 },
      { 'post.url': 'https://www.reddit.com/r/startups/comments/g2/nested/', 'post.title': 'Nested title' },
      undefined,
      { post: 'https://www.reddit.com/r/SaaS/comments/g4/x/' },
      undefined,
    ]);
    expect(parsed.ignored).toEqual([]);
  });

  it('{ "quotes": [...] } gives the same quotes as the bare list', () => {
    const wrapped = parseFixture('wrapped.json');
    const bare = parseFixture('gumloop.json');
    expect(wrapped.quotes).toEqual(bare.quotes.slice(0, 2));
    // The wrapper's own run_id is not a quote's field; the warnings are those of the same two records.
    expect(wrapped.warnings).toEqual(bare.warnings.filter((w) => w.row <= 2));
    expect(wrapped.warnings).toHaveLength(2);
  });

  it('a single quote object', () => {
    const parsed = parseFixture('single-quote.json');
    expect(parsed.quotes).toEqual([{ row: 1, quote: parseFixture('gumloop.json').quotes[0]!.quote }]);
  });

  it('rejects elements that are not objects, numbered from 1', () => {
    const parsed = parseFixture('non-objects.json');
    expect(parsed.quotes.map((q) => [q.row, q.quote.text])).toEqual([
      [1, 'A real quote'],
      [6, 'Another real quote'],
    ]);
    expect(parsed.rejected).toEqual([
      { row: 2, reason: 'row 2: expected a quote object, found a string', raw: { value: 'just a string' } },
      { row: 3, reason: 'row 3: expected a quote object, found a number', raw: { value: 42 } },
      { row: 4, reason: 'row 4: expected a quote object, found null', raw: { value: null } },
      { row: 5, reason: 'row 5: expected a quote object, found a list', raw: { value: ['a', 'list'] } },
    ]);
  });
});

describe('JSON values', () => {
  it('keeps the text exactly (no formula unescaping in JSON) and the record as raw when rejecting', () => {
    const record = { text: "'=not escaped", category: 'Pricing' };
    const parsed = parseQuotes(JSON.stringify([record, { text: '', category: 'x' }]), { format: 'json' });
    expect(parsed.quotes[0]!.quote.text).toBe("'=not escaped");
    expect(parsed.rejected).toEqual([{ row: 2, reason: 'row 2: the text is empty', raw: { text: '', category: 'x' } }]);
  });

  it('writes numbers and booleans in text fields out, and drops objects with a warning', () => {
    const parsed = parseQuotes(JSON.stringify([{ text: 'x', id: 17, category: 2024, post_title: { a: 1 } }]), { format: 'json' });
    expect(parsed.quotes[0]!.quote).toMatchObject({ id: '17', category: '2024' });
    expect(parsed.quotes[0]!.quote).not.toHaveProperty('postTitle');
    expect(parsed.warnings).toEqual([{ row: 1, message: 'row 1: post_title {"a":1} is an object, not text, so it was left out.' }]);
  });

  it('null and blank values are absent without a warning', () => {
    const parsed = parseQuotes(
      JSON.stringify([{ text: 'x', category: null, sentiment: '', relevance_score: null, post: null, note: '  ', tags: [], meta: {}, gone: null, nested: { a: '', b: [] } }]),
      { format: 'json' },
    );
    expect(parsed.quotes[0]!.quote).toEqual({ id: expect.any(String), text: 'x' });
    expect(parsed.warnings).toEqual([]);
  });

  it('matches keys loosely and uses the first of two keys for one field', () => {
    const parsed = parseQuotes(JSON.stringify([{ Quote: 'first', text: 'second', 'Relevance Score': '85%' }]), { filename: 'k.json' });
    expect(parsed.quotes[0]!.quote).toMatchObject({ text: 'first', relevanceScore: 0.85 });
    expect(parsed.quotes[0]!.quote).not.toHaveProperty('extra');
    expect(parsed.warnings).toEqual([
      { row: 0, message: 'k.json has more than one field for text (Quote, text); the first, Quote, was used and the other was not written.' },
    ]);
  });

  it('keeps fields it does not know by their own name: an object one level down, text trimmed, one spelling per batch', () => {
    const parsed = parseQuotes(
      JSON.stringify([
        { text: 'a', comment_url: ' https://example.com/c1 ', meta: { model: 'gpt', run: { id: 1 }, empty: '' }, upvotes: 3, is_op: false, reason: 'r', row: 2 },
        { text: 'b', 'Comment URL': 'https://example.com/c2', Upvotes: 0, post: ['not', 'an object'] },
      ]),
      { filename: 'x.json' },
    );
    expect(parsed.quotes.map((q) => q.quote.extra)).toEqual([
      { comment_url: 'https://example.com/c1', 'meta.model': 'gpt', 'meta.run': { id: 1 }, upvotes: 3, is_op: false },
      { comment_url: 'https://example.com/c2', upvotes: 0, post: ['not', 'an object'] },
    ]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.ignored).toEqual(['reason', 'row']);
  });

  it('keeps a nested post key that fills no field, and a second key for a field it already has', () => {
    const parsed = parseQuotes(
      JSON.stringify([
        {
          text: 'a',
          post: { url: 'https://www.reddit.com/r/SaaS/comments/p1/x/', permalink: 'https://www.reddit.com/r/SaaS/comments/p1/y/', id: 'p1', num_comments: 4 },
        },
      ]),
      { format: 'json' },
    );
    expect(parsed.quotes[0]!.quote).toMatchObject({ redditUrl: 'https://www.reddit.com/r/SaaS/comments/p1/x/', subreddit: 'SaaS' });
    expect(parsed.quotes[0]!.quote.extra).toEqual({ 'post.permalink': 'https://www.reddit.com/r/SaaS/comments/p1/y/', 'post.id': 'p1', 'post.num_comments': 4 });
    expect(parsed.warnings).toEqual([]);
  });

  it('drops a NaN-like score or a bad date from JSON with a warning', () => {
    const parsed = parseQuotes('[{"text": "x", "relevance_score": "NaN", "inserted_at": "2024-02-30T10:00:00Z"}]', { format: 'json' });
    expect(parsed.warnings.map((w) => w.message)).toEqual([
      'row 1: relevance_score "NaN" is not a number, so it was left out.',
      'row 1: inserted_at "2024-02-30T10:00:00Z" is not a real calendar date, so it was left out.',
    ]);
  });

  it('de-duplicates across flat and nested URLs of the same post', () => {
    const parsed = parseQuotes(
      JSON.stringify([
        { text: 'Same quote', post: { url: 'https://www.reddit.com/r/SaaS/comments/1/x/' } },
        { text: 'same  QUOTE', reddit_url: 'https://www.reddit.com/r/SaaS/comments/1/x?utm=1' },
      ]),
      { format: 'json' },
    );
    expect(parsed.quotes).toHaveLength(1);
    expect(parsed.duplicates).toEqual([{ row: 2, id: parsed.quotes[0]!.quote.id, firstRow: 1 }]);
  });
});
