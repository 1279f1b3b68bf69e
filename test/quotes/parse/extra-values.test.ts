import { describe, expect, it } from 'vitest';
import { parseQuotes } from '../../../src/quotes/parse/index.js';

const json = (records: unknown[]) => parseQuotes(JSON.stringify(records), { filename: 'q.json' });

describe('extra fields as read', () => {
  it('keeps no copy of a nested post value that says what the flat one says', () => {
    const parsed = json([
      { text: 'a', subreddit: 'r/SaaS', url: 'https://www.reddit.com/r/SaaS/comments/1/x/?utm=1', post: { subreddit: 'saas', url: 'https://WWW.reddit.com/r/SaaS/comments/1/x' } },
    ]);
    expect(parsed.quotes[0]!.quote.extra).toBeUndefined();
    expect(parsed.warnings).toEqual([]);
  });

  it('keeps a nested post value that differs, as a field of its own, and says so', () => {
    const parsed = json([{ text: 'a', subreddit: 'SaaS', post: { subreddit: 'startups' } }]);
    expect(parsed.quotes[0]!.quote.extra).toEqual({ 'post.subreddit': 'startups' });
    expect(parsed.warnings[0]!.message).toContain('post.subreddit was written as a field of its own');
  });

  it('names the key that was kept when two keys of one record name the same field', () => {
    const parsed = json([{ text: 'a', 'post.author': 'flat', post: { author: 'nested' } }]);
    expect(parsed.quotes[0]!.quote.extra).toEqual({ 'post.author': 'flat' });
    expect(parsed.warnings.map((w) => w.message)).toEqual(['row 1: post.author is given twice; post.author "flat" was used and post.author "nested" was not written.']);
  });

  it('keeps two CSV columns spelled alike as two fields, named by header order, with no warning per row', () => {
    const parsed = parseQuotes('text,Up votes,up_votes\na,,5\nb,1,2\n', { filename: 'q.csv' });
    expect(parsed.quotes.map((q) => q.quote.extra)).toEqual([{ 'up_votes (column 3)': '5' }, { 'Up votes': '1', 'up_votes (column 3)': '2' }]);
    expect(parsed.warnings).toEqual([]);
  });
});
