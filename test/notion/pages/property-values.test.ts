import { describe, expect, it } from 'vitest';
import { canHold, propertyValue, type ValueResult, type ValueTarget } from '../../../src/notion/pages/property-values.js';

/** The result's value and note, failing the test when it is not `ok`. */
const ok = (r: ValueResult): { value: Record<string, unknown>; note?: string } => {
  if (r.kind !== 'ok') throw new Error(`expected an ok value, got ${JSON.stringify(r)}`);
  return r;
};

const into = (type: ValueTarget['type'], options?: string[]): ValueTarget => ({ type, property: 'P', ...(options ? { options } : {}) });

describe('propertyValue', () => {
  it('splits text at 2000 characters and never cuts it', () => {
    const text = 'ä'.repeat(4500);
    const r = propertyValue(into('rich_text'), text);
    expect(r.kind).toBe('ok');
    const items = ok(r).value.rich_text as { text: { content: string } }[];
    expect(items.map((i) => i.text.content.length)).toEqual([2000, 2000, 500]);
    expect(items.map((i) => i.text.content).join('')).toBe(text);
  });

  it('says a text over 200,000 characters cannot go into one property', () => {
    expect(propertyValue(into('rich_text'), 'x'.repeat(200_001))).toMatchObject({ kind: 'too_long' });
  });

  it('writes lists and objects into text as JSON', () => {
    expect(propertyValue(into('rich_text'), { a: { b: 1 } })).toEqual({ kind: 'ok', value: { rich_text: [{ type: 'text', text: { content: '{"a":{"b":1}}' } }] } });
  });

  it('reads numbers from numbers and from numeric text; other text does not fit', () => {
    expect(propertyValue(into('number'), 3)).toEqual({ kind: 'ok', value: { number: 3 } });
    expect(propertyValue(into('number'), ' 4.5 ')).toEqual({ kind: 'ok', value: { number: 4.5 } });
    expect(propertyValue(into('number'), 'lots')).toEqual({ kind: 'unfit', problem: '"lots" is not a number, and the number property "P" holds numbers' });
  });

  it('reads true/false for a checkbox', () => {
    expect(propertyValue(into('checkbox'), 'TRUE')).toEqual({ kind: 'ok', value: { checkbox: true } });
    expect(propertyValue(into('checkbox'), false)).toEqual({ kind: 'ok', value: { checkbox: false } });
    expect(propertyValue(into('checkbox'), 'yes')).toMatchObject({ kind: 'unfit' });
  });

  it('writes dates as Notion reads them', () => {
    expect(propertyValue(into('date'), '2026-12-01T18:02:11+01:00')).toEqual({ kind: 'ok', value: { date: { start: '2026-12-01T17:02:11.000Z' } } });
    expect(propertyValue(into('date'), 'soon')).toMatchObject({ kind: 'unfit' });
  });

  it('keeps multi-select options within Notion limits and says what changed', () => {
    const r = propertyValue(into('multi_select'), ['exports', 'csv, excel', 'exports', 'x'.repeat(120)]);
    expect(r.kind).toBe('ok');
    const { value, note } = ok(r);
    expect((value.multi_select as { name: string }[]).map((o) => o.name)).toEqual(['exports', 'csv excel', 'x'.repeat(100)]);
    expect(note).toContain('"csv, excel" has commas');
    expect(note).toContain('is longer than 100 characters');
  });

  it('reads a list from text: a JSON list, or names separated by commas', () => {
    expect(propertyValue(into('multi_select'), '["a, b","c"]')).toMatchObject({ value: { multi_select: [{ name: 'a b' }, { name: 'c' }] } });
    expect(propertyValue(into('multi_select'), 'a, b ,c')).toEqual({ kind: 'ok', value: { multi_select: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } });
  });

  it('keeps at most 100 options and says which were left out', () => {
    const r = propertyValue(into('multi_select'), Array.from({ length: 102 }, (_, i) => `t${i}`));
    expect(ok(r).value.multi_select).toHaveLength(100);
    expect(ok(r).note).toContain('"t100, t101" were left out');
  });

  it('sets only a status option the property has', () => {
    expect(propertyValue(into('status', ['Not started', 'Done']), 'done')).toEqual({ kind: 'ok', value: { status: { name: 'Done' } } });
    expect(propertyValue(into('status', ['Not started', 'Done']), 'Archived')).toMatchObject({ kind: 'unfit' });
  });

  it('makes a select name without commas', () => {
    expect(propertyValue(into('select'), 'a, b')).toEqual({ kind: 'ok', value: { select: { name: 'a b' } }, note: '"a, b" has commas, which a Notion select option cannot hold; written as "a b"' });
  });

  it('has nothing to write for empty values', () => {
    for (const type of ['rich_text', 'number', 'multi_select', 'url'] as const) {
      expect(propertyValue(into(type), '  ')).toEqual({ kind: 'empty' });
      expect(propertyValue(into(type), [])).toEqual({ kind: 'empty' });
    }
  });
});

describe('canHold', () => {
  it('lets text hold anything, and typed properties only their kind', () => {
    expect(canHold('rich_text', 'number')).toBe(true);
    expect(canHold('number', 'rich_text')).toBe(false);
    expect(canHold('multi_select', 'multi_select')).toBe(true);
    expect(canHold('url', 'url')).toBe(true);
    expect(canHold('date', 'rich_text')).toBe(false);
  });

  it('never writes computed or unsupported properties, nor the title', () => {
    for (const type of ['formula', 'rollup', 'created_time', 'last_edited_by', 'unique_id', 'people', 'files', 'relation', 'button', 'title']) {
      expect(canHold(type, 'rich_text')).toBe(false);
    }
  });
});
