/**
 * The fields of each row that Quote Sync does not know by name, gathered as they are so they can
 * become Notion properties of their own. A field is named as the batch first spells it: a later
 * `Comment URL` is the same field as an earlier `comment_url`. A nested object is read one level
 * down (`post.author`); deeper values are kept whole.
 */
import { matchKey } from '../extra-fields.js';
import { describeValue } from '../field-values.js';
import type { QuoteCollector } from './collector.js';

const CRLF = /\r\n/g;

/** A value worth keeping: blank text, empty lists and empty objects are nothing. Text is trimmed. */
export function cleanExtraValue(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return undefined;
    return s.includes('\r\n') ? s.replace(CRLF, '\n') : s;
  }
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  if (typeof value === 'object') return Object.keys(value).length === 0 ? undefined : value;
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The batch's extra fields: one spelling for each. */
export class ExtraFields {
  private readonly spelling = new Map<string, string>();
  /** Each key as read, to its field: most keys repeat on every row. */
  private readonly byKey = new Map<string, string>();

  constructor(private readonly collector: QuoteCollector) {}

  /** The name the batch gave this field first. */
  canonical(key: string): string {
    const cached = this.byKey.get(key);
    if (cached !== undefined) return cached;
    const k = matchKey(key) || key;
    let field = this.spelling.get(k);
    if (field === undefined) {
      field = key;
      this.spelling.set(k, key);
    }
    this.byKey.set(key, field);
    return field;
  }

  forRow(row: number): RowExtras {
    return new RowExtras(this, row, this.collector);
  }
}

/** One row's extra fields. */
export class RowExtras {
  readonly values: Record<string, unknown> = {};
  /** The key each field was read from, to name it if another key of the row names the same field. */
  private readonly keyOf = new Map<string, string>();

  constructor(
    private readonly fields: ExtraFields,
    private readonly row: number,
    private readonly collector: QuoteCollector,
  ) {}

  /** A field as read. Two keys of one row that name the same field: the first is kept, the other said. */
  add(key: string, value: unknown): void {
    const clean = cleanExtraValue(value);
    if (clean === undefined) return;
    const field = this.fields.canonical(key);
    const first = this.keyOf.get(field);
    if (first !== undefined) {
      const same = first === key ? `${key} is given twice` : `${first} and ${key} name the same field`;
      this.collector.warnRow(this.row, `${same}; ${first} ${describeValue(this.values[field])} was used and ${key} ${describeValue(clean)} was not written.`);
      return;
    }
    this.keyOf.set(field, key);
    this.values[field] = clean;
  }

  /** A top-level field: an object is read one level down, as `key.subkey` fields. */
  addNested(key: string, value: unknown): void {
    if (!isPlainObject(value)) {
      this.add(key, value);
      return;
    }
    for (const [sub, nested] of Object.entries(value)) this.add(`${key}.${sub}`, nested);
  }
}
