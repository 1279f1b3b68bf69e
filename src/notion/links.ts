/**
 * The Notion id in what a person pastes: a link copied from Notion ("Copy link": the page or
 * database title, then its 32-hex id, maybe a `?v=` view id), a link Slack wrapped as
 * `<https://…|label>`, or the id itself, with or without dashes. Pure.
 */

const HEX32 = /[0-9a-f]{32}/gi;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Notion's hosts: notion.so and its www, workspace sites on notion.site, and the app's own. */
function isNotionHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'notion.so' || h.endsWith('.notion.so') || h.endsWith('.notion.site') || h === 'notion.com' || h.endsWith('.notion.com');
}

function dashed(hex: string): string {
  const h = hex.toLowerCase().replace(/-/g, '');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id the text names (dashed, lower case), or undefined when it names none. A view id (`?v=`) is never the answer. */
export function notionIdOf(input: string): string | undefined {
  const text = input.trim().replace(/^<([^|>]+)(?:\|[^>]*)?>$/, '$1');
  if (UUID.test(text)) return dashed(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !isNotionHost(url.hostname)) return undefined;
  // The id is the last 32-hex run of the path ("…/Acme-quotes-0123…"); the query's `v` is a view.
  const found = decodeURIComponent(url.pathname).match(HEX32);
  const last = found?.[found.length - 1];
  return last ? dashed(last) : undefined;
}

/** A Notion link for an id, as Notion writes them. */
export function notionUrlOf(id: string): string {
  return `https://www.notion.so/${id.replace(/-/g, '')}`;
}
