import { describe, expect, it } from 'vitest';
import { planSchemaUpdate, quoteDatabaseProperties } from '../../src/notion/schema.js';

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

  it('plans nothing for a complete database', () => {
    expect(planSchemaUpdate(full)).toEqual({ summary: '', problems: [] });
  });

  it('adds what is missing and renames a differently named title', () => {
    const plan = planSchemaUpdate([
      { id: 't', name: 'Name', type: 'title' },
      { id: 'r', name: 'Relevance', type: 'number' },
    ]);
    expect(plan.problems).toEqual([]);
    expect(Object.keys(plan.update!).sort()).toEqual(
      ['Category', 'Date Added', 'Justification', 'Name', 'Post Title', 'Quote ID', 'Reddit URL', 'Sentiment', 'Subreddit'].sort(),
    );
    expect(plan.update!.Name).toEqual({ name: 'Quote' });
    expect(plan.summary).toContain('renamed the title "Name" to "Quote"');
  });

  it('refuses a property with our name but another type, saying what to do', () => {
    const plan = planSchemaUpdate([...full.filter((p) => p.name !== 'Relevance'), { id: 'x', name: 'Relevance', type: 'rich_text' }]);
    expect(plan.problems).toEqual([
      'The database\'s property "Relevance" is a text property; Quote Sync needs a number property there. Rename it or pick another database.',
    ]);
  });
});
