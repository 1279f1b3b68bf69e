/**
 * Notion's answers as the app reads them: a database, a data source and its properties, a page,
 * a page of query results, search hits. Made from the SDK's responses here, so the gateway's
 * callers never see Notion's raw shapes. Pure.
 */

export interface DatabaseInfo {
  id: string;
  url: string;
  title: string;
  inTrash: boolean;
  dataSourceIds: string[];
}

export interface PropertyInfo {
  id: string;
  name: string;
  type: string;
  /** Option names of a select, multi-select or status property. */
  options?: string[];
}

export interface DataSourceInfo {
  id: string;
  databaseId: string | undefined;
  inTrash: boolean;
  properties: PropertyInfo[];
}

/** A page as the writer needs it: its id, url and properties (possibly filtered). */
export interface PageInfo {
  id: string;
  url: string;
  properties: Record<string, unknown>;
}

/** A page as the set-up check of a parent page reads it. */
export interface PageSummary {
  id: string;
  url: string;
  title: string;
  inTrash: boolean;
  parentType: string | undefined;
}

export interface QueryPage {
  pages: PageInfo[];
  nextCursor: string | undefined;
  /** Notion stopped the query at its result cap (10,000): pages past it exist but were not returned. */
  incomplete: boolean;
}

/** One result of `search`: a data source (with its database) or a page, as a picker shows it. */
export interface SearchHit {
  object: 'data_source' | 'page';
  id: string;
  /** A data source's database: what a job's target names. */
  databaseId?: string;
  title: string;
  url: string;
  /** What the object sits in: a page of a data source is a database row, not a place for a new database. */
  parentType: string | undefined;
  /** A data source's database's own parent page (`database_parent.page_id`), when it sits in a page. */
  databaseParentPageId?: string;
  createdTime: string | undefined;
  lastEditedTime: string | undefined;
}

export interface SearchPage {
  hits: SearchHit[];
  nextCursor: string | undefined;
}

export function plainTitle(items: unknown): string {
  if (!Array.isArray(items)) return '';
  return items.map((i: { plain_text?: string }) => i.plain_text ?? '').join('');
}

export function toDatabaseInfo(db: object): DatabaseInfo {
  const d = db as {
    id: string;
    url?: string;
    title?: unknown;
    in_trash?: boolean;
    archived?: boolean;
    data_sources?: { id: string }[];
  };
  return {
    id: d.id,
    url: d.url ?? '',
    title: plainTitle(d.title),
    inTrash: Boolean(d.in_trash ?? d.archived),
    dataSourceIds: (d.data_sources ?? []).map((s) => s.id),
  };
}

export function toDataSourceInfo(ds: object): DataSourceInfo {
  const d = ds as {
    id: string;
    parent?: { type?: string; database_id?: string };
    in_trash?: boolean;
    archived?: boolean;
    properties?: Record<string, { id: string; name?: string; type: string } & Record<string, unknown>>;
  };
  return {
    id: d.id,
    databaseId: d.parent?.database_id,
    inTrash: Boolean(d.in_trash ?? d.archived),
    properties: Object.entries(d.properties ?? {}).map(([name, p]) => {
      const options = (p[p.type] as { options?: { name?: unknown }[] } | undefined)?.options;
      return {
        id: p.id,
        name: p.name ?? name,
        type: p.type,
        ...(Array.isArray(options) ? { options: options.map((o) => String(o.name ?? '')) } : {}),
      };
    }),
  };
}

/** A created or updated page: its id, url and the properties Notion sent back. */
export function toPageInfo(page: object & { id: string }): PageInfo {
  return {
    id: page.id,
    url: 'url' in page ? String(page.url) : '',
    properties: 'properties' in page ? (page.properties as Record<string, unknown>) : {},
  };
}

export function toPageSummary(page: object): PageSummary {
  const p = page as { id: string; url?: string; in_trash?: boolean; archived?: boolean; parent?: { type?: string }; properties?: Record<string, { type?: string; title?: unknown }> };
  const title = plainTitle(Object.values(p.properties ?? {}).find((q) => q.type === 'title')?.title);
  return { id: p.id, url: p.url ?? '', title, inTrash: Boolean(p.in_trash ?? p.archived), parentType: p.parent?.type };
}

/** A query's answer: its pages (other objects left out), the next cursor, and whether Notion cut it at its cap. */
export function toQueryPage(result: { results: readonly object[]; has_more: boolean; next_cursor: string | null; request_status?: { type?: string } }): QueryPage {
  const pages: PageInfo[] = [];
  for (const item of result.results as ({ object: string; id: string } & Record<string, unknown>)[]) {
    if (item.object === 'page' && 'properties' in item) {
      pages.push({ id: item.id, url: 'url' in item ? String(item.url) : '', properties: item.properties as Record<string, unknown> });
    }
  }
  return {
    pages,
    nextCursor: result.has_more ? (result.next_cursor ?? undefined) : undefined,
    incomplete: result.request_status?.type === 'incomplete',
  };
}

/** A search's answer as hits: data sources and pages only, each with the title a picker shows. */
export function toSearchPage(result: { results: readonly object[]; has_more: boolean; next_cursor: string | null }): SearchPage {
  const hits: SearchHit[] = [];
  for (const item of result.results as Record<string, unknown>[]) {
    const object = item.object;
    if (object !== 'data_source' && object !== 'page') continue;
    const parent = item.parent as { type?: string; database_id?: string } | undefined;
    const databaseParent = item.database_parent as { type?: string; page_id?: string } | undefined;
    const title =
      object === 'data_source'
        ? plainTitle(item.title)
        : plainTitle(Object.values((item.properties ?? {}) as Record<string, { type?: string; title?: unknown }>).find((p) => p.type === 'title')?.title);
    hits.push({
      object,
      id: String(item.id),
      ...(object === 'data_source' && parent?.database_id ? { databaseId: parent.database_id } : {}),
      title,
      url: typeof item.url === 'string' ? item.url : '',
      parentType: parent?.type,
      ...(object === 'data_source' && databaseParent?.type === 'page_id' && databaseParent.page_id ? { databaseParentPageId: databaseParent.page_id } : {}),
      createdTime: typeof item.created_time === 'string' ? item.created_time : undefined,
      lastEditedTime: typeof item.last_edited_time === 'string' ? item.last_edited_time : undefined,
    });
  }
  return { hits, nextCursor: result.has_more ? (result.next_cursor ?? undefined) : undefined };
}
