/**
 * A quote as a Notion page, within Notion's limits, and back: every field the plan places
 * (field-plan.ts) as the value of its property. Pure: no I/O.
 */
import type { CreatePageParameters } from '@notionhq/client';
import type { QuoteField } from '../../quotes/field-names.js';
import { summariseFields } from '../../quotes/extra-fields.js';
import type { Quote } from '../../quotes/model.js';
import { ourSchemaProperties, planFields, type FieldPlan, type PlannedField } from './field-plan.js';
import { REQUEST_BODY_MAX_BYTES, RICH_TEXT_CONTENT_MAX_CHARS } from './limits.js';
import { propertyValue } from './property-values.js';
import { QUOTE_PROPERTY } from './schema.js';
import { splitText } from './text-split.js';

export { splitText };

export type PageMapping =
  /** `notes`: each field value that was changed to fit, or left out, in a sentence that starts with the field's name. */
  | { ok: true; body: CreatePageParameters; bodyBytes: number; notes: string[] }
  | { ok: false; reason: string };

const count = (n: number) => n.toLocaleString('en-US');

/** How the too-long message names a known field. */
const LABELS: Partial<Record<QuoteField, string>> = {
  text: 'text',
  relevanceJustification: 'relevance justification',
  postTitle: 'post title',
};

let ourPlan: FieldPlan | undefined;

/** Our ten properties in a database Quote Sync made: the plan when a batch has no other field. */
export function ourFieldPlan(): FieldPlan {
  const every: Quote = {
    id: 'x',
    text: 'x',
    category: 'x',
    sentiment: 'neutral',
    relevanceScore: 1,
    relevanceJustification: 'x',
    redditUrl: 'https://x',
    subreddit: 'x',
    postTitle: 'x',
    insertedAt: '2024-01-01',
  };
  ourPlan ??= planFields(ourSchemaProperties(), summariseFields([every], false));
  return ourPlan;
}

/** The value a planned field has in a quote. */
export function fieldValue(quote: Quote, entry: Pick<PlannedField, 'known' | 'field'>): unknown {
  return entry.known ? quote[entry.known] : quote.extra?.[entry.field];
}

/** The `pages.create` body for a quote, or why it cannot fit in one request. */
export function quoteToPage(quote: Quote, dataSourceId: string, plan: FieldPlan = ourFieldPlan()): PageMapping {
  if (quote.id.length > RICH_TEXT_CONTENT_MAX_CHARS) {
    return { ok: false, reason: `the id is ${count(quote.id.length)} characters; Notion takes at most ${count(RICH_TEXT_CONTENT_MAX_CHARS)}` };
  }
  const properties: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const entry of plan.entries) {
    const value = fieldValue(quote, entry);
    if (value === undefined) continue;
    const result = propertyValue({ type: entry.type, property: entry.property, ...(entry.options ? { options: entry.options } : {}) }, value);
    switch (result.kind) {
      case 'ok':
        properties[entry.property] = result.value;
        if (result.note) notes.push(`${entry.field} ${result.note}.`);
        break;
      case 'too_long':
        return { ok: false, reason: `the ${(entry.known && LABELS[entry.known]) ?? entry.field} ${result.problem}` };
      case 'unfit':
        notes.push(`${entry.field} ${result.problem}, so it was not written.`);
        break;
      case 'empty':
        break;
    }
  }
  if (!properties[plan.titleProperty]) return { ok: false, reason: 'the text is empty' };
  if (!properties[QUOTE_PROPERTY.id]) properties[QUOTE_PROPERTY.id] = { rich_text: [{ type: 'text', text: { content: quote.id } }] };

  const body = {
    parent: { type: 'data_source_id', data_source_id: dataSourceId },
    properties,
  } as CreatePageParameters;
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  if (bodyBytes > REQUEST_BODY_MAX_BYTES) {
    return {
      ok: false,
      reason: `the quote is ${count(bodyBytes)} bytes as a Notion request; Notion takes at most ${count(REQUEST_BODY_MAX_BYTES)} (shorten the text or the justification)`,
    };
  }
  return { ok: true, body, bodyBytes, notes };
}

/** The text of a title or rich_text value, as returned by the API (or as sent). */
export function textFromRichText(items: unknown): string {
  if (!Array.isArray(items)) return '';
  return items
    .map((item: { plain_text?: string; text?: { content?: string } }) => item.plain_text ?? item.text?.content ?? '')
    .join('');
}

/** The `Quote ID` of a page object (from pages.create or a data source query), if it has one. */
export function quoteIdOf(page: { properties?: Record<string, unknown> }): string | undefined {
  const property = page.properties?.[QUOTE_PROPERTY.id] as { rich_text?: unknown } | undefined;
  const text = textFromRichText(property?.rich_text);
  return text === '' ? undefined : text;
}
