import { describe, expect, it } from 'vitest';
import { inferKind, kindOfValue, matchKey, propertyNameFor, summariseFields } from '../../src/quotes/extra-fields.js';
import type { Quote } from '../../src/quotes/model.js';

describe('propertyNameFor', () => {
  it.each([
    ['comment_url', 'Comment URL'],
    ['post.author', 'Post Author'],
    ['post.num_comments', 'Post Num Comments'],
    ['numComments', 'Num Comments'],
    ['pain-point', 'Pain Point'],
    ['quote_id', 'Quote ID'],
    ['🔥 heat', '🔥 Heat'],
    ['Persona', 'Persona'],
    ['iOS version', 'iOS Version'], ['post_URL', 'Post URL'],
    ['___', '___'],
  ])('%s → %s', (field, name) => {
    expect(propertyNameFor(field)).toBe(name);
  });

  it('keeps a long name readable: at most 100 characters, cut between characters', () => {
    const name = propertyNameFor(`${'x'.repeat(99)}👍🏽 more`);
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('matchKey', () => {
  it('sets case, spaces, _, - and . aside', () => {
    expect(matchKey('Post Author')).toBe(matchKey('post.author'));
    expect(matchKey('comment-URL')).toBe(matchKey('Comment_url'));
    expect(matchKey('Tags')).not.toBe(matchKey('Tag'));
  });
});

describe('kindOfValue', () => {
  it('reads JSON values by their type, and empty ones as nothing', () => {
    expect(kindOfValue(3, false)).toBe('number');
    expect(kindOfValue(true, false)).toBe('checkbox');
    expect(kindOfValue(['a', 'b'], false)).toBe('multi_select');
    expect(kindOfValue([1, 2], false)).toBe('rich_text');
    expect(kindOfValue({ a: 1 }, false)).toBe('rich_text');
    for (const empty of [undefined, null, '', '  ', [], {}]) expect(kindOfValue(empty, false)).toBeUndefined();
  });

  it('reads links and ISO 8601 dates in text', () => {
    expect(kindOfValue('https://example.com/a?b=1', false)).toBe('url');
    expect(kindOfValue('ftp://example.com', false)).toBe('rich_text');
    expect(kindOfValue('2026-11-30', false)).toBe('date');
    expect(kindOfValue('2026-11-30T09:15:00Z', false)).toBe('date');
    expect(kindOfValue('2026-11-30T09:15:00+01:00', false)).toBe('date');
    expect(kindOfValue('2026-02-30', false)).toBe('rich_text');
    expect(kindOfValue('30/11/2026', false)).toBe('rich_text');
  });

  it('reads numbers, true/false and lists in CSV cells only, and keeps zip codes as text', () => {
    expect(kindOfValue('42', true)).toBe('number');
    expect(kindOfValue('-0.5', true)).toBe('number');
    expect(kindOfValue('1e3', true)).toBe('number');
    expect(kindOfValue('42', false)).toBe('rich_text');
    expect(kindOfValue('02134', true)).toBe('rich_text');
    expect(kindOfValue('1,234', true)).toBe('rich_text');
    expect(kindOfValue('TRUE', true)).toBe('checkbox');
    expect(kindOfValue('true', false)).toBe('rich_text');
    expect(kindOfValue('["a","b"]', true)).toBe('multi_select');
    expect(kindOfValue('[1,2]', true)).toBe('rich_text');
  });
});

describe('inferKind', () => {
  it('is the kind every non-empty value shares', () => {
    expect(inferKind([1, undefined, 2, ''], false)).toBe('number');
    expect(inferKind(['2026-01-01', '2026-01-02T10:00:00Z'], false)).toBe('date');
  });

  it('is text when the values differ, and nothing when all are empty', () => {
    expect(inferKind([1, 'one'], false)).toBe('rich_text');
    expect(inferKind(['https://a.example', 'not a link'], false)).toBe('rich_text');
    expect(inferKind([true, 1], false)).toBe('rich_text');
    expect(inferKind(['', null], false)).toBeUndefined();
  });
});

describe('summariseFields', () => {
  const quotes: Quote[] = [
    { id: 'a', text: 'one', relevanceScore: 0.5, extra: { upvotes: 3, tags: ['x'] } },
    { id: 'b', text: 'two', extra: { upvotes: 'many', persona: 'PM' } },
    { id: 'c', text: 'three', extra: { tags: ['y', 'z'] } },
  ];

  it('lists the known fields a batch has (text and id always), then the others in the order met', () => {
    expect(summariseFields(quotes, false)).toEqual([
      { field: 'text', known: 'text', kind: 'rich_text', quotes: 3 },
      { field: 'relevance_score', known: 'relevanceScore', kind: 'number', quotes: 1 },
      { field: 'id', known: 'id', kind: 'rich_text', quotes: 3 },
      { field: 'upvotes', kind: 'rich_text', kinds: ['number', 'rich_text'], quotes: 2 },
      { field: 'tags', kind: 'multi_select', quotes: 2 },
      { field: 'persona', kind: 'rich_text', quotes: 1 },
    ]);
  });
});
