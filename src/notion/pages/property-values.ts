/**
 * One input value as the value of a Notion property of a given type, within Notion's limits, and
 * which types can hold which values. Pure: a value that does not fit says why, in words a message
 * can show after the field's name; a value that fits only once changed says how it was changed.
 */
import { stringListIn, type ValueKind } from '../../quotes/extra-fields.js';
import { describeValue, normaliseDate, normaliseSelectName } from '../../quotes/field-values.js';
import { ARRAY_MAX_ITEMS, RICH_TEXT_CONTENT_MAX_CHARS, PROPERTY_TEXT_MAX_CHARS, URL_MAX_CHARS } from './limits.js';
import { splitText } from './text-split.js';

/** The property types a page create or update can set. */
export const WRITABLE_TYPES = ['title', 'rich_text', 'number', 'select', 'multi_select', 'status', 'date', 'url', 'email', 'phone_number', 'checkbox'] as const;
export type WritableType = (typeof WRITABLE_TYPES)[number];

/** Types Notion fills itself: never written. */
export const READ_ONLY_TYPES: ReadonlySet<string> = new Set([
  'formula',
  'rollup',
  'created_time',
  'created_by',
  'last_edited_time',
  'last_edited_by',
  'unique_id',
  'button',
  'verification',
]);

export function isWritableType(type: string): type is WritableType {
  return (WRITABLE_TYPES as readonly string[]).includes(type);
}

const TYPE_WORDS: Record<string, string> = {
  rich_text: 'text',
  multi_select: 'multi-select',
  phone_number: 'phone number',
  url: 'URL',
  unique_id: 'ID',
};

/** "text", "multi-select", "created time": a property type as a message says it. */
export function typeWord(type: string): string {
  return TYPE_WORDS[type] ?? type.replace(/_/g, ' ');
}

/** Why a property of this type takes nothing from Quote Sync, for a message ("… is a formula property, which …"). */
export function whyNotWritable(type: string): string {
  return READ_ONLY_TYPES.has(type) ? 'which Notion computes itself' : 'which Quote Sync does not write';
}

/** Which kinds of values a property type can hold (the title holds only the quote text). */
const HOLDS: Readonly<Record<WritableType, ReadonlySet<ValueKind>>> = {
  title: new Set(),
  rich_text: new Set(['rich_text', 'number', 'checkbox', 'url', 'date', 'multi_select']),
  number: new Set(['number']),
  checkbox: new Set(['checkbox']),
  url: new Set(['url']),
  date: new Set(['date']),
  email: new Set(['rich_text']),
  phone_number: new Set(['rich_text', 'number']),
  select: new Set(['rich_text', 'number', 'checkbox', 'url', 'date']),
  status: new Set(['rich_text']),
  multi_select: new Set(['multi_select', 'rich_text']),
};

export function canHold(type: string, kind: ValueKind): boolean {
  return isWritableType(type) && HOLDS[type].has(kind);
}

/** A property a value is written to: its type, and the options a status property has. */
export interface ValueTarget {
  type: WritableType;
  /** The property's name, for messages. */
  property: string;
  /** A status property's options: only these can be set. */
  options?: readonly string[];
}

export type ValueResult =
  /** `note`: how the value was changed to fit (worth a warning). */
  | { kind: 'ok'; value: Record<string, unknown>; note?: string }
  /** Nothing to write. */
  | { kind: 'empty' }
  /** The value cannot go into this property: it is left out, with `problem` said after the field's name. */
  | { kind: 'unfit'; problem: string }
  /** The value is too long for any one property: the quote cannot be written whole. */
  | { kind: 'too_long'; problem: string };

const count = (n: number) => n.toLocaleString('en-US');
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A value as text: strings as they are, numbers and booleans written out, lists and objects as JSON. */
export function textOfValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** `value` as the value of a `target.type` property. */
export function propertyValue(target: ValueTarget, value: unknown): ValueResult {
  if (isEmpty(value)) return { kind: 'empty' };
  const shown = describeValue(value);
  const into = `the ${typeWord(target.type)} property "${target.property}"`;
  switch (target.type) {
    case 'title':
    case 'rich_text': {
      const text = textOfValue(value);
      const segments = splitText(text, RICH_TEXT_CONTENT_MAX_CHARS);
      if (segments.length > ARRAY_MAX_ITEMS) {
        return { kind: 'too_long', problem: `is ${count(text.length)} characters; Notion takes at most ${count(PROPERTY_TEXT_MAX_CHARS)} in one ${target.type === 'title' ? 'title' : 'text property'}` };
      }
      return { kind: 'ok', value: { [target.type]: segments.map((content) => ({ type: 'text', text: { content } })) } };
    }
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'ok', value: { number: value } };
      const s = typeof value === 'string' ? value.trim() : '';
      if (DECIMAL.test(s) && Number.isFinite(Number(s))) return { kind: 'ok', value: { number: Number(s) } };
      return { kind: 'unfit', problem: `${shown} is not a number, and ${into} holds numbers` };
    }
    case 'checkbox': {
      if (typeof value === 'boolean') return { kind: 'ok', value: { checkbox: value } };
      const s = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if (s === 'true' || s === 'false') return { kind: 'ok', value: { checkbox: s === 'true' } };
      return { kind: 'unfit', problem: `${shown} is not true or false, and ${into} is a checkbox` };
    }
    case 'url': {
      const s = typeof value === 'string' ? value.trim() : '';
      if (s !== '' && s.length <= URL_MAX_CHARS) return { kind: 'ok', value: { url: s } };
      return { kind: 'unfit', problem: s.length > URL_MAX_CHARS ? `is longer than ${count(URL_MAX_CHARS)} characters, the most ${into} takes` : `${shown} is not a link` };
    }
    case 'email':
    case 'phone_number': {
      if (typeof value !== 'string' && typeof value !== 'number') return { kind: 'unfit', problem: `${shown} is not text, and ${into} holds one` };
      const s = String(value).trim();
      if (s.length > URL_MAX_CHARS) return { kind: 'unfit', problem: `is longer than ${count(URL_MAX_CHARS)} characters` };
      return { kind: 'ok', value: { [target.type]: s } };
    }
    case 'date': {
      const d = normaliseDate(value);
      if (d.kind === 'ok') return { kind: 'ok', value: { date: { start: d.value } } };
      return { kind: 'unfit', problem: `${shown} is not a date, and ${into} holds dates` };
    }
    case 'select': {
      if (typeof value === 'object') return { kind: 'unfit', problem: `${shown} is a list, and ${into} holds one option` };
      const n = normaliseSelectName(textOfValue(value));
      if (n.kind !== 'ok') return { kind: 'empty' };
      return { kind: 'ok', value: { select: { name: n.value } }, ...(n.changed ? { note: `${shown} ${n.changed}; written as ${describeValue(n.value)}` } : {}) };
    }
    case 'status': {
      const s = typeof value === 'object' ? '' : textOfValue(value).trim();
      const option = target.options?.find((o) => o === s) ?? target.options?.find((o) => o.toLowerCase() === s.toLowerCase());
      if (option !== undefined) return { kind: 'ok', value: { status: { name: option } } };
      const options = target.options?.length ? ` (${target.options.map((o) => `"${o}"`).join(', ')})` : '';
      return { kind: 'unfit', problem: `${shown} is not one of the options of ${into}${options}, and Quote Sync adds no status options` };
    }
    case 'multi_select':
      return multiSelectValue(value, shown);
  }
}

/**
 * A list (or text: a JSON list, else names separated by commas) as multi-select options. Notion's
 * option names hold no commas and at most 100 characters, and a property at most 100 options:
 * a name that had to change, or options past the hundredth, are said in the note.
 */
function multiSelectValue(value: unknown, shown: string): ValueResult {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'object') return { kind: 'unfit', problem: `${shown} is not a list, and a multi-select holds a list` };
  else {
    const s = textOfValue(value).trim();
    items = stringListIn(s) ?? s.split(',');
  }
  const names: string[] = [];
  const changes: string[] = [];
  for (const item of items) {
    if (item !== null && typeof item === 'object') {
      changes.push(`${describeValue(item)} is not text, so it was left out`);
      continue;
    }
    const n = normaliseSelectName(textOfValue(item));
    if (n.kind !== 'ok') continue;
    if (n.changed) changes.push(`${describeValue(item)} ${n.changed}; written as ${describeValue(n.value)}`);
    if (!names.includes(n.value)) names.push(n.value);
  }
  if (names.length === 0) return changes.length ? { kind: 'unfit', problem: changes.join('; ') } : { kind: 'empty' };
  if (names.length > ARRAY_MAX_ITEMS) {
    changes.push(`has ${names.length} options; Notion takes ${ARRAY_MAX_ITEMS}, so ${describeValue(names.slice(ARRAY_MAX_ITEMS).join(', '))} were left out`);
    names.length = ARRAY_MAX_ITEMS;
  }
  return {
    kind: 'ok',
    value: { multi_select: names.map((name) => ({ name })) },
    ...(changes.length ? { note: `item ${changes.join('; item ')}` } : {}),
  };
}
