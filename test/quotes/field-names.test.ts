import { describe, expect, it } from 'vitest';
import { fieldForKey } from '../../src/quotes/field-names.js';

describe('fieldForKey', () => {
  it.each([
    ['text', 'text'],
    [' Quote ', 'text'],
    ['QUOTE', 'text'],
    ['Relevance Score', 'relevanceScore'],
    ['relevance-score', 'relevanceScore'],
    ['score', 'relevanceScore'],
    ['Justification', 'relevanceJustification'],
    ['Reddit URL', 'redditUrl'],
    ['post_url', 'redditUrl'],
    ['url', 'redditUrl'],
    ['Post Title', 'postTitle'],
    ['title', 'postTitle'],
    ['Date Added', 'insertedAt'],
    ['inserted_at', 'insertedAt'],
    ['date', 'insertedAt'],
    ['Quote ID', 'id'],
    ['id', 'id'],
    ['Sub_Reddit', 'subreddit'],
    ['reason', 'ignored'],
    ['Row', 'ignored'],
    ['upvotes', undefined],
  ])('%j holds %s', (name, field) => {
    expect(fieldForKey(name)).toBe(field);
  });
});
