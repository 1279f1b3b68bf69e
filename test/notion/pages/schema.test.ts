import { describe, expect, it } from 'vitest';
import { quoteDatabaseProperties } from '../../../src/notion/pages/schema.js';

const full = Object.entries(quoteDatabaseProperties()).map(([name, p], i) => ({ id: `p${i}`, name, type: (p as { type: string }).type }));

describe('quote database schema', () => {
  it('has the contract properties with their types', () => {
    expect(Object.fromEntries(full.map((p) => [p.name, p.type]))).toEqual({
      Quote: 'title',
      Category: 'select',
      Sentiment: 'select',
      Relevance: 'number',
      Justification: 'rich_text',
      'Reddit URL': 'url',
      Subreddit: 'select',
      'Post Title': 'rich_text',
      'Date Added': 'date',
      'Quote ID': 'rich_text',
    });
  });
});
