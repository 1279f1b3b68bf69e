import { describe, expect, it } from 'vitest';
import { MAP_NEW, MAP_SKIP, ourSchemaProperties, planFields, type SchemaProperty } from '../../../src/notion/pages/field-plan.js';
import type { FieldSummary } from '../../../src/quotes/extra-fields.js';

const known = (field: string, k: FieldSummary['known'], kind: FieldSummary['kind'] = 'rich_text'): FieldSummary => ({ field, known: k, kind, quotes: 2 });
const extra = (field: string, kind: FieldSummary['kind']): FieldSummary => ({ field, kind, quotes: 2 });
const base = [known('text', 'text'), known('id', 'id')];

/** A database a person made in Notion. */
const person: SchemaProperty[] = [
  { name: 'Name', type: 'title' },
  { name: 'Tags', type: 'multi_select', options: ['a'] },
  { name: 'Link', type: 'url' },
  { name: 'Notes', type: 'rich_text' },
  { name: 'Score', type: 'number' },
  { name: 'Upvotes', type: 'formula' },
  { name: 'Created', type: 'created_time' },
  { name: 'Stage', type: 'status', options: ['Not started', 'Done'] },
];

const where = (plan: ReturnType<typeof planFields>) => Object.fromEntries(plan.entries.map((e) => [e.field, `${e.property} (${e.type}, ${e.by}${e.added ? ', added' : ''})`]));

describe('planFields', () => {
  it('keeps our properties in a database Quote Sync made, and adds one per other field, typed from its values', () => {
    const plan = planFields(ourSchemaProperties(), [...base, known('relevance_score', 'relevanceScore', 'number'), extra('post.author', 'rich_text'), extra('upvotes', 'number'), extra('tags', 'multi_select')]);
    expect(where(plan)).toEqual({
      text: 'Quote (title, schema)',
      id: 'Quote ID (rich_text, schema)',
      relevance_score: 'Relevance (number, schema)',
      'post.author': 'Post Author (rich_text, new, added)',
      upvotes: 'Upvotes (number, new, added)',
      tags: 'Tags (multi_select, new, added)',
    });
    expect(plan.add).toEqual({
      'Post Author': { type: 'rich_text', rich_text: {} },
      Upvotes: { type: 'number', number: { format: 'number' } },
      Tags: { type: 'multi_select', multi_select: { options: [] } },
    });
    expect(plan.problems).toEqual([]);
  });

  it('is stable: a later batch with the same fields uses the properties the first one added', () => {
    const fields = [...base, extra('post.author', 'rich_text'), extra('upvotes', 'number')];
    const first = planFields(ourSchemaProperties(), fields);
    const after = [...ourSchemaProperties(), ...Object.entries(first.add!).map(([name, p]) => ({ name, type: (p as { type: string }).type }))];
    // A word among the numbers now: the values are of two kinds, and the field keeps its property.
    const second = planFields(after, [...base, extra('Post Author', 'rich_text'), { ...extra('upvotes', 'rich_text'), kinds: ['number', 'rich_text'] }]);
    expect(second.add).toBeUndefined();
    expect(where(second)['Post Author']).toBe('Post Author (rich_text, name)');
    expect(where(second).upvotes).toBe('Upvotes (number, name)');
  });

  it('writes into a person\'s database without renaming, retyping or deleting anything', () => {
    const plan = planFields(person, [...base, known('relevance_score', 'relevanceScore', 'number'), extra('tags', 'multi_select'), known('category', 'category')]);
    expect(where(plan)).toEqual({
      text: 'Name (title, name)',
      id: 'Quote ID (rich_text, new, added)',
      relevance_score: 'Score (number, name)',
      tags: 'Tags (multi_select, name)',
      category: 'Category (select, new, added)',
    });
    // Only additions: a property of the database never appears in the update.
    for (const name of Object.keys(plan.add!)) expect(person.map((p) => p.name)).not.toContain(name);
  });

  it('passes over a computed property of the same name, with a line saying so', () => {
    const plan = planFields(person, [...base, extra('upvotes', 'number')]);
    const upvotes = plan.entries.find((e) => e.field === 'upvotes')!;
    expect(upvotes).toMatchObject({ property: 'Upvotes (input)', type: 'number', added: true });
    expect(upvotes.note).toBe('"Upvotes" is a formula property, which Notion computes itself');
  });

  it('passes over a property that cannot hold the values', () => {
    const plan = planFields(person, [...base, extra('notes', 'number'), extra('score', 'rich_text')]);
    expect(where(plan).notes).toBe('Notes (rich_text, name)');
    const fits = planFields([{ name: 'Name', type: 'title' }, { name: 'Link', type: 'number' }], [...base, extra('link', 'url')]);
    expect(fits.entries.find((e) => e.field === 'link')).toMatchObject({ property: 'Link (input)', note: '"Link" is a number property, which cannot hold its links' });
  });

  it('follows mappings, by the field\'s label or any alias', () => {
    const plan = planFields(person, [...base, known('reddit_url', 'redditUrl', 'url'), known('relevance_justification', 'relevanceJustification'), extra('post.author', 'rich_text')], {
      url: 'Link',
      relevance_justification: 'notes',
      'post.author': 'Tags',
    });
    expect(where(plan)).toMatchObject({
      reddit_url: 'Link (url, map)',
      relevance_justification: 'Notes (rich_text, map)',
      'post.author': 'Tags (multi_select, map)',
    });
    expect(plan.problems).toEqual([]);
  });

  it('refuses a mapping onto a missing, computed or unfit property, naming field, property and type', () => {
    const plan = planFields(person, [...base, extra('post.author', 'rich_text'), extra('upvotes', 'number'), extra('persona', 'rich_text'), extra('x', 'rich_text')], {
      'post.author': 'Upvotes',
      upvotes: 'Notes ',
      persona: 'Score',
      x: 'Nope',
      text: 'Notes',
    });
    expect(plan.problems).toEqual([
      '--map text=Notes: the quote text always goes to the title property, "Name".',
      '--map post.author=Upvotes: "Upvotes" is a formula property, which Notion computes itself; map post.author to another property.',
      expect.stringContaining('--map upvotes=Notes : the database has no property "Notes "'),
      '--map persona=Score: "Score" is a number property, which cannot hold persona\'s text; map persona to another property.',
      expect.stringContaining('--map x=Nope: the database has no property "Nope" (it has "Name", "Tags"'),
    ]);
  });

  it('refuses a Quote ID that is not text', () => {
    expect(planFields([{ name: 'Name', type: 'title' }, { name: 'Quote ID', type: 'number' }], base).problems[0]).toContain('"Quote ID" is a number property');
  });

  it('leaves out known fields the batch has no value for', () => {
    const plan = planFields(person, [...base, { ...known('category', 'category'), quotes: 0 }]);
    expect(plan.entries.map((e) => e.field)).toEqual(['text', 'id']);
  });

  it('leaves out a field mapped to "don\'t write", and gives one mapped to "a property of its own" a new property even where a name matches', () => {
    const plan = planFields(person, [...base, extra('notes', 'rich_text'), extra('link', 'url'), extra('tags', 'multi_select')], {
      notes: MAP_SKIP,
      link: MAP_NEW,
    });
    expect(where(plan)).toEqual({
      text: 'Name (title, name)',
      id: 'Quote ID (rich_text, new, added)',
      link: 'Link (input) (url, new, added)',
      tags: 'Tags (multi_select, name)',
    });
    expect(plan.skipped).toEqual([{ field: 'notes', quotes: 2 }]);
    expect(plan.entries.find((e) => e.field === 'link')?.note).toBeUndefined();
    expect(plan.problems).toEqual([]);
  });

  it('refuses to leave out the text or the id', () => {
    const plan = planFields(person, base, { text: MAP_SKIP, id: MAP_NEW });
    expect(plan.problems).toHaveLength(2);
  });
});
