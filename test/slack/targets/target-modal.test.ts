import { describe, expect, it } from 'vitest';
import type { PropertyInfo } from '../../../src/notion/responses.js';
import { MAP_NEW, MAP_SKIP } from '../../../src/notion/pages/field-plan.js';
import { mappableKnownFields } from '../../../src/quotes/extra-fields.js';
import { readMappingValue, readMetadata, targetModal, TARGET_INPUTS } from '../../../src/slack/targets/target-modal.js';

const properties: PropertyInfo[] = [
  { id: 'title', name: 'Name', type: 'title' },
  { id: '%3Ds%5E', name: 'Score', type: 'number' },
  { id: 'Ab%7C', name: 'Notes', type: 'rich_text' },
  { id: 'f1', name: 'Upvotes', type: 'formula' },
  { id: 'qid', name: 'Quote ID', type: 'rich_text' },
];

type Block = { type: string; block_id?: string; label?: { text: string }; element?: { type: string; options?: { text: { text: string }; value: string }[]; initial_option?: { value: string } } };

describe('targetModal', () => {
  it('offers a database, a link or a page, and no mapping until a database is chosen', () => {
    const view = targetModal({ channel: 'C1', now: 'nowhere yet' });
    const blocks = view.blocks as Block[];
    expect(blocks.filter((b) => b.type === 'input').map((b) => [b.block_id, b.element?.type])).toEqual([
      [TARGET_INPUTS.database, 'external_select'],
      [TARGET_INPUTS.link, 'plain_text_input'],
      [TARGET_INPUTS.parent, 'external_select'],
    ]);
    expect(readMetadata(view.private_metadata)).toEqual({ c: 'C1' });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it("maps each field to the properties that can hold it, or automatic, don't write, a property of its own; kept mappings preselected", () => {
    const fields = [...mappableKnownFields(), { field: 'post.author', kind: 'rich_text' as const, quotes: 3 }];
    const view = targetModal({
      channel: 'C1',
      now: 'x',
      selected: { id: 'db1', title: 'Acme' },
      mapping: { url: 'https://www.notion.so/db1', title: 'Acme', properties, fields, maps: { relevance_score: 'Score', 'post.author': MAP_SKIP, category: MAP_NEW } },
    });
    const blocks = view.blocks as Block[];
    const maps = blocks.filter((b) => b.block_id?.startsWith(`${TARGET_INPUTS.map}_`));
    expect(maps.map((b) => b.label?.text)).toEqual(fields.map((f) => f.field));
    const score = maps.find((b) => b.label?.text === 'relevance_score')!;
    // A number field: the number property, or text, which holds anything; never the title, Quote ID or a formula.
    expect(score.element?.options?.map((o) => o.text.text)).toEqual(['Automatic', "Don't write", 'Add a property of its own', 'Score (number)', 'Notes (text)']);
    expect(readMappingValue(score.element?.initial_option?.value, properties)).toEqual({ kind: 'property', name: 'Score' });
    expect(readMappingValue(maps.find((b) => b.label?.text === 'post.author')!.element?.initial_option?.value, properties)).toEqual({ kind: 'skip' });
    expect(readMappingValue(maps.find((b) => b.label?.text === 'category')!.element?.initial_option?.value, properties)).toEqual({ kind: 'new' });
    expect(readMappingValue(maps.find((b) => b.label?.text === 'sentiment')!.element?.initial_option?.value, properties)).toEqual({ kind: 'auto' });
    // A property removed since the form was opened.
    expect(readMappingValue('p:gone', properties)).toEqual({ kind: 'gone' });
    expect(readMetadata(view.private_metadata)).toEqual({ c: 'C1', d: 'db1', f: fields.map((f) => f.field) });
  });

  it('stays within what Slack takes: 100 blocks, 3000 characters of metadata, 75 per option, for long names in any script', () => {
    const fields = Array.from({ length: 200 }, (_, i) => ({ field: `${'字段🔥'.repeat(20)} ${i}`, kind: 'rich_text' as const, quotes: 1 }));
    const many: PropertyInfo[] = [{ id: 'title', name: 'Name', type: 'title' }, ...Array.from({ length: 150 }, (_, i) => ({ id: `p${i}`, name: `${'é'.repeat(90)} ${i}`, type: 'rich_text' }))];
    const view = targetModal({ channel: 'C1', now: 'x', selected: { id: 'db1', title: 'T' }, mapping: { url: 'u', title: 'T'.repeat(500), properties: many, fields, maps: {} } });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(view.private_metadata!.length).toBeLessThanOrEqual(3000);
    for (const b of view.blocks as Block[]) {
      expect(b.element?.options?.length ?? 0).toBeLessThanOrEqual(100);
      for (const o of b.element?.options ?? []) {
        expect(o.text.text.length).toBeLessThanOrEqual(75);
        expect(o.value.length).toBeLessThanOrEqual(150);
      }
    }
    const mapped = readMetadata(view.private_metadata)!.f!;
    expect(mapped.length).toBeGreaterThan(5);
    expect(mapped).toEqual(fields.slice(0, mapped.length).map((f) => f.field));
  });
});
