/**
 * What the integration can see in Notion, for a person choosing where a channel's quotes go:
 * the databases and pages Notion's search finds as they type, and what a pasted link or id
 * turns out to be. Every request goes through the integration's pacer, like a job's.
 *
 * A person typing sends Slack an options request per key, and Slack wants each answered within
 * 3 s. So a search waits a moment (debounce) and is dropped when the same person typed again
 * meanwhile; answers are kept for a minute, and a query already answered, or one whose results
 * the kept answers already hold, costs nothing. While Notion has the integration waiting (a 429),
 * or when the search is slow, the answer is what is kept, marked `pending`, never a time-out.
 */
import type { Config } from '../../config.js';
import { classifyNotionError } from '../../notion/failure.js';
import { NotionGateway } from '../../notion/gateway.js';
import type { PropertyInfo, SearchHit } from '../../notion/responses.js';
import type { RequestPacer } from '../../notion/pacing/pacer.js';
import { notionUrlOf } from '../../notion/links.js';
import { sleepEndingOnAbort } from '../../time/sleep.js';

export type SearchKind = 'data_source' | 'page';

export interface DirectoryOptions {
  config: Config;
  pacer: RequestPacer;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long a search's answer is reused. */
  cacheMs?: number;
  /** How long a search waits for the person to stop typing. */
  debounceMs?: number;
  /** When an options request must be answered, from its arrival (Slack waits 3 s). */
  answerWithinMs?: number;
}

export const DIRECTORY_DEFAULTS = Object.freeze({ cacheMs: 60_000, debounceMs: 300, answerWithinMs: 2_000 });

/** A search's answer for a picker: what was found, and whether Notion is still being asked. */
export interface FoundTargets {
  hits: SearchHit[];
  /** The search did not finish in time, or was not sent: more may come at the next key. */
  pending: boolean;
  /** Why Notion could not be asked, in words for the picker. */
  problem?: string;
}

/** What an id turned out to be. */
export type InspectedTarget =
  | { ok: true; kind: 'database'; databaseId: string; dataSourceId: string; title: string; url: string; properties: PropertyInfo[] }
  | { ok: true; kind: 'page'; pageId: string; title: string; url: string }
  | { ok: false; message: string };

/** How many requests the directory sent and spared (the benchmark reads them). */
export interface DirectoryStats {
  searches: number;
  fromCache: number;
  superseded: number;
  late: number;
}

export class NotionDirectory {
  readonly stats: DirectoryStats = { searches: 0, fromCache: 0, superseded: 0, late: 0 };
  private readonly cache = new Map<string, { at: number; hits: SearchHit[] }>();
  private readonly inFlight = new Map<string, Promise<SearchHit[]>>();
  private readonly latest = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly settings: { cacheMs: number; debounceMs: number; answerWithinMs: number };

  constructor(private readonly options: DirectoryOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => sleepEndingOnAbort(ms));
    this.settings = {
      cacheMs: options.cacheMs ?? DIRECTORY_DEFAULTS.cacheMs,
      debounceMs: options.debounceMs ?? DIRECTORY_DEFAULTS.debounceMs,
      answerWithinMs: options.answerWithinMs ?? DIRECTORY_DEFAULTS.answerWithinMs,
    };
  }

  private gateway(signal?: AbortSignal): NotionGateway | undefined {
    const { notion } = this.options.config;
    if (!notion.token) return undefined;
    return new NotionGateway({ token: notion.token, apiUrl: notion.apiUrl, timeoutMs: notion.timeoutMs, pacer: this.options.pacer, ...(signal ? { signal } : {}) });
  }

  /** Databases (`data_source`) or pages whose title holds `query`, for `asker` (one person's picker). */
  async find(kind: SearchKind, query: string, asker: string): Promise<FoundTargets> {
    const started = this.now();
    const q = query.trim().toLowerCase();
    const key = `${kind}\u0000${q}`;
    const kept = this.kept(key);
    if (kept) {
      this.stats.fromCache += 1;
      return { hits: kept, pending: false };
    }
    const turn = `${asker}\u0000${kind}`;
    const ticket = (this.latest.get(turn) ?? 0) + 1;
    this.latest.set(turn, ticket);
    await this.sleep(this.settings.debounceMs);
    if (this.latest.get(turn) !== ticket) {
      // The person typed on: this request is answered from what is known, and only the latest is sent.
      this.stats.superseded += 1;
      return { hits: this.known(kind, q), pending: true };
    }
    if (this.options.pacer.pause) return { hits: this.known(kind, q), pending: true, problem: 'Notion asked Quote Sync to wait; try again in a moment.' };
    let search = this.inFlight.get(key);
    if (!search) {
      search = this.search(kind, q).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, search);
    }
    const left = Math.max(0, this.settings.answerWithinMs - (this.now() - started));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), left)));
    try {
      const hits = await Promise.race([search, late]);
      if (hits) return { hits, pending: false };
      this.stats.late += 1;
      return { hits: this.known(kind, q), pending: true };
    } catch (error) {
      return { hits: this.known(kind, q), pending: false, problem: searchProblem(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One search, kept for `cacheMs`. Pages that are rows of a database are left out: a database is not made inside one. */
  private async search(kind: SearchKind, q: string): Promise<SearchHit[]> {
    const gateway = this.gateway();
    if (!gateway) throw new Error('NOTION_TOKEN is not set');
    this.stats.searches += 1;
    const page = await gateway.search({ query: q, object: kind, pageSize: 100 });
    const hits = page.hits.filter((h) => h.object === kind && (kind === 'data_source' || (h.parentType !== 'data_source_id' && h.parentType !== 'database_id')));
    this.cache.set(`${kind}\u0000${q}`, { at: this.now(), hits });
    return hits;
  }

  private kept(key: string): SearchHit[] | undefined {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.settings.cacheMs) {
      this.cache.delete(key);
      return undefined;
    }
    return entry.hits;
  }

  /** Every kept hit of this kind whose title holds `q`: an answer that costs nothing. */
  private known(kind: SearchKind, q: string): SearchHit[] {
    const seen = new Map<string, SearchHit>();
    for (const [key, entry] of this.cache) {
      if (!key.startsWith(`${kind}\u0000`) || this.now() - entry.at > this.settings.cacheMs) continue;
      for (const hit of entry.hits) if (hit.title.toLowerCase().includes(q)) seen.set(hit.id, hit);
    }
    return [...seen.values()];
  }

  /**
   * What the id names, asked within `deadlineMs`: a database (with its properties), else a page
   * (a database can be made under it), else a data source (its database). One try each, no retry:
   * a person is waiting for the answer.
   */
  async inspect(id: string, deadlineMs: number): Promise<InspectedTarget> {
    const signal = AbortSignal.timeout(deadlineMs);
    const gateway = this.gateway(signal);
    if (!gateway) return { ok: false, message: 'NOTION_TOKEN is not set, so Quote Sync cannot open anything in Notion.' };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<InspectedTarget>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, message: `Notion did not answer within ${Math.round(deadlineMs / 1000)} s. Try again in a moment.` }), deadlineMs);
    });
    try {
      return await Promise.race([this.identify(gateway, id), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async identify(gateway: NotionGateway, id: string): Promise<InspectedTarget> {
    const missing = (error: unknown) => {
      const failure = classifyNotionError(error);
      if (!failure) throw error;
      if (failure.kind === 'not_found' || failure.kind === 'invalid' || failure.kind === 'forbidden') return undefined;
      return { ok: false as const, message: accessWords(failure.kind) };
    };
    const asDatabase = async (databaseId: string): Promise<InspectedTarget | undefined> => {
      const db = await gateway.retrieveDatabase(databaseId);
      const title = db.title || 'Untitled';
      if (db.inTrash) return { ok: false, message: `The Notion database "${title}" is in the trash. Restore it, or choose another.` };
      const dataSourceId = db.dataSourceIds[0];
      if (!dataSourceId) return { ok: false, message: `The Notion database "${title}" has no data source to write into.` };
      const source = await gateway.retrieveDataSource(dataSourceId);
      return { ok: true, kind: 'database', databaseId: db.id, dataSourceId, title, url: db.url || notionUrlOf(db.id), properties: source.properties };
    };
    try {
      const database = await asDatabase(id).catch(missing);
      if (database) return database;
      const page = await gateway.retrievePage(id).catch(missing);
      if (page && 'ok' in page) return page;
      if (page) {
        if (page.inTrash) return { ok: false, message: `The Notion page "${page.title || 'Untitled'}" is in the trash. Restore it, or choose another.` };
        return { ok: true, kind: 'page', pageId: page.id, title: page.title || 'Untitled', url: page.url || notionUrlOf(page.id) };
      }
      const source = await gateway.retrieveDataSource(id).catch(missing);
      if (source && 'ok' in source) return source;
      if (source?.databaseId) {
        const parent = await asDatabase(source.databaseId).catch(missing);
        if (parent) return parent;
      }
    } catch (error) {
      if (error instanceof DOMException || (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
        return { ok: false, message: 'Notion did not answer in time. Try again in a moment.' };
      }
      throw error;
    }
    return {
      ok: false,
      message: 'Quote Sync cannot open it: it is not shared with the integration, or it does not exist. In Notion, open it, choose ••• → Connections, and add the integration.',
    };
  }
}

function accessWords(kind: string): string {
  switch (kind) {
    case 'unauthorized':
      return 'Notion refused the integration token (401): copy it again into NOTION_TOKEN.';
    case 'rate_limited':
    case 'overloaded':
      return 'Notion asked Quote Sync to wait. Try again in a moment.';
    default:
      return `Notion could not be asked (${kind.replace('_', ' ')}). Try again in a moment.`;
  }
}

function searchProblem(error: unknown): string {
  const failure = classifyNotionError(error);
  if (!failure) return 'Notion could not be searched (the details are in the app log).';
  return accessWords(failure.kind);
}
