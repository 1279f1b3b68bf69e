/**
 * Update mode: which properties of a quote's page differ from the input. The text and the id are
 * the quote's identity and never change; a field the input leaves empty is not cleared (the input
 * says nothing about it). Values are compared as Notion means them: the plain text of rich text,
 * a select's name, a date's instant. Pure: no I/O.
 */
import { textFromRichText } from './page.js';
import { QUOTE_PROPERTY } from './schema.js';

/**
 * The properties of `wanted` (a create body's `properties`) that the page, as Notion returned it,
 * does not hold yet: the body of `pages.update`, empty when nothing changed. `identity`: the
 * properties that say which quote a page is (the title, `Quote ID`), never changed.
 */
export function changedProperties(
  wanted: Record<string, unknown>,
  page: Record<string, unknown>,
  identity: readonly string[] = [QUOTE_PROPERTY.text, QUOTE_PROPERTY.id],
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(wanted)) {
    if (value === undefined || identity.includes(name)) continue;
    if (!sameValue(value, page[name])) changes[name] = value;
  }
  return changes;
}

/** Whether two property values (one as sent, one as returned) mean the same. */
export function sameValue(sent: unknown, held: unknown): boolean {
  return comparable(sent) === comparable(held);
}

function comparable(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  const v = value as Record<string, unknown>;
  if ('rich_text' in v) return `text:${textFromRichText(v.rich_text)}`;
  if ('title' in v) return `text:${textFromRichText(v.title)}`;
  if ('select' in v) return `select:${(v.select as { name?: string } | null)?.name ?? ''}`;
  if ('status' in v) return `status:${(v.status as { name?: string } | null)?.name ?? ''}`;
  if ('multi_select' in v) {
    const names = Array.isArray(v.multi_select) ? v.multi_select.map((o: { name?: string }) => o.name ?? '') : [];
    return `multi:${JSON.stringify(names.sort())}`;
  }
  if ('checkbox' in v) return `checkbox:${String(v.checkbox === true)}`;
  if ('email' in v) return `email:${(v.email as string | null) ?? ''}`;
  if ('phone_number' in v) return `phone:${(v.phone_number as string | null) ?? ''}`;
  if ('number' in v) return `number:${v.number === null || v.number === undefined ? '' : String(v.number)}`;
  if ('url' in v) return `url:${(v.url as string | null) ?? ''}`;
  if ('date' in v) {
    const start = (v.date as { start?: string } | null)?.start ?? '';
    const instant = Date.parse(start);
    return `date:${Number.isNaN(instant) ? start : String(instant)}`;
  }
  return JSON.stringify(v);
}
