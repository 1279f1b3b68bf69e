/** A quote as a flat record under its input names: known fields by their labels, then every extra field. */
import { FIELD_LABELS, type QuoteField } from './field-names.js';
import type { Quote } from './model.js';

export function quoteRecord(quote: Quote): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(quote)) {
    if (field === 'extra' || value === undefined) continue;
    record[FIELD_LABELS[field as QuoteField]] = value;
  }
  for (const [key, value] of Object.entries(quote.extra ?? {})) if (!(key in record)) record[key] = value;
  return record;
}
