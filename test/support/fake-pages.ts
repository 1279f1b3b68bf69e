/**
 * An in-memory Notion for the writer (the NotionPages it is given): pages kept by their
 * `Quote ID`, a script of answers for each quote's creates, the pause a refusal puts on the
 * integration's queue, and a log of every call. Notion's failures are the SDK's own error
 * classes, so the real classifier reads them as it reads Notion's.
 */
import { APIErrorCode, APIResponseError, RequestTimeoutError, type CreatePageParameters } from '@notionhq/client';
import type { NotionPages, QueryInput } from '../../src/notion/gateway.js';
import type { PageInfo, QueryPage } from '../../src/notion/responses.js';
import type { PauseInfo, RefusalLimit } from '../../src/notion/pacing/refusals.js';
import { quoteIdOf } from '../../src/notion/pages/page.js';
import { QUOTE_PROPERTY } from '../../src/notion/pages/schema.js';
import type { FakeClock } from './fake-clock.js';

/** What Notion does with one create. A quote with no script left is created. */
export type CreateAnswer =
  | 'created'
  /** 409: nothing written. */
  | 'conflict'
  /** 500 before anything was written. */
  | 'server_error'
  /** 500 after the page was made (the answer was lost on the way back). */
  | 'server_error_applied'
  /** No answer in time; nothing was written. */
  | 'timeout'
  /** No answer in time, but the page was made. */
  | 'timeout_applied'
  /** 400 validation_error: Notion refuses this body. */
  | 'invalid'
  | 'unauthorized'
  | 'not_found'
  /** 429 (the integration's own limit or the workspace's) or 529: the queue is paused for `pauseMs`. */
  | { refused: 'rate_limited' | 'workspace_limited' | 'overloaded'; pauseMs: number }
  /** Throws this value as it is: a failure that is not Notion's (a bug). */
  | { throws: unknown };

export type FakeCall =
  /** `answer` is 'unqueued' when the signal took the request out of the queue before it was sent. */
  | { kind: 'create'; quoteId: string; dataSourceId: string; at: number; answer: CreateAnswer | 'unqueued' }
  | { kind: 'query'; dataSourceId: string; ids: string[]; input: QueryInput; at: number }
  | { kind: 'update'; pageId: string; properties: Record<string, unknown>; at: number; answer: UpdateAnswer };

/** What a call was about: a create's quote id, a query's ids, an update's page id. */
export function subjectOf(call: FakeCall): string | string[] {
  return call.kind === 'create' ? call.quoteId : call.kind === 'query' ? call.ids : call.pageId;
}

/** How the fake answers one `pages.update`. */
export type UpdateAnswer = 'updated' | 'conflict' | 'server_error' | 'not_found';

export interface FakePage extends PageInfo {
  quoteId: string;
  dataSourceId: string;
}

export interface FakePagesOptions {
  clock: FakeClock;
  /** How long each request takes, the queue's spacing included (ms); the clock moves on by it. 0 by default. */
  requestMs?: number;
  /** Takes requests not yet sent out of the queue, as the gateway's signal does. */
  signal?: AbortSignal;
  /** Called as a request reaches the queue, before it is sent (say, to abort a job right then). */
  beforeSend?: (request: { kind: 'create'; quoteId: string } | { kind: 'query'; ids: string[] }) => void;
}

export class FakePages implements NotionPages {
  readonly calls: FakeCall[] = [];
  readonly pages: FakePage[] = [];
  private readonly scripts = new Map<string, CreateAnswer[]>();
  private readonly updateScripts = new Map<string, UpdateAnswer[]>();
  private resumeAt = 0;
  private pauseLimit: RefusalLimit = 'connection';

  constructor(private readonly options: FakePagesOptions) {}

  /** The pause in force on the queue, as the real pacer reports it. */
  get pacer(): { readonly pause: PauseInfo | undefined } {
    const left = this.resumeAt - this.options.clock.now();
    return { pause: left > 0 ? { limit: this.pauseLimit, ms: left } : undefined };
  }

  /** The answers to the next creates of `quoteId`, in order. */
  script(quoteId: string, ...answers: CreateAnswer[]): this {
    this.scripts.set(quoteId, [...(this.scripts.get(quoteId) ?? []), ...answers]);
    return this;
  }

  /** The answers to the next updates of page `pageId`, in order (then: updated). */
  scriptUpdates(pageId: string, ...answers: UpdateAnswer[]): this {
    this.updateScripts.set(pageId, [...(this.updateScripts.get(pageId) ?? []), ...answers]);
    return this;
  }

  updates(): Extract<FakeCall, { kind: 'update' }>[] {
    return this.calls.filter((c): c is Extract<FakeCall, { kind: 'update' }> => c.kind === 'update');
  }

  async updatePage(pageId: string, properties: Record<string, unknown>): Promise<PageInfo> {
    const at = this.send();
    const answer = this.updateScripts.get(pageId)?.shift() ?? 'updated';
    this.calls.push({ kind: 'update', pageId, properties, at, answer });
    const page = this.pages.find((p) => p.id === pageId);
    if (answer === 'not_found' || !page) {
      throw apiError(404, APIErrorCode.ObjectNotFound, `Could not find page with ID: ${pageId}. Make sure the relevant pages and databases are shared with your integration.`);
    }
    if (answer === 'conflict') throw apiError(409, APIErrorCode.ConflictError, 'Conflict occurred while saving. Please try again.');
    if (answer === 'server_error') throw apiError(503, APIErrorCode.ServiceUnavailable, 'Notion is unavailable. Please try again later.');
    page.properties = { ...page.properties, ...properties };
    return page;
  }

  /** Quote ids of the creates sent, in order. */
  creates(): string[] {
    return this.calls.flatMap((c) => (c.kind === 'create' && c.answer !== 'unqueued' ? [c.quoteId] : []));
  }

  queries(): Extract<FakeCall, { kind: 'query' }>[] {
    return this.calls.filter((c): c is Extract<FakeCall, { kind: 'query' }> => c.kind === 'query');
  }

  pagesOf(quoteId: string): FakePage[] {
    return this.pages.filter((p) => p.quoteId === quoteId);
  }

  async createPage(body: CreatePageParameters): Promise<PageInfo> {
    const quoteId = quoteIdOf(body as { properties?: Record<string, unknown> }) ?? '';
    const dataSourceId = (body.parent as { data_source_id?: string }).data_source_id ?? '';
    this.options.beforeSend?.({ kind: 'create', quoteId });
    if (this.options.signal?.aborted) {
      this.calls.push({ kind: 'create', quoteId, dataSourceId, at: this.options.clock.now(), answer: 'unqueued' });
      throw this.options.signal.reason;
    }
    const at = this.send();
    const answer = this.scripts.get(quoteId)?.shift() ?? 'created';
    this.calls.push({ kind: 'create', quoteId, dataSourceId, at, answer });
    if (typeof answer === 'object') {
      if ('throws' in answer) throw answer.throws;
      throw this.refuse(answer.refused, answer.pauseMs);
    }
    switch (answer) {
      case 'created':
        return this.make(quoteId, dataSourceId, body);
      case 'conflict':
        throw apiError(409, APIErrorCode.ConflictError, 'Conflict occurred while saving. Please try again.');
      case 'server_error':
        throw apiError(500, APIErrorCode.InternalServerError, 'Unexpected error occurred.');
      case 'server_error_applied':
        this.make(quoteId, dataSourceId, body);
        throw apiError(500, APIErrorCode.InternalServerError, 'Unexpected error occurred.');
      case 'timeout':
        throw new RequestTimeoutError();
      case 'timeout_applied':
        this.make(quoteId, dataSourceId, body);
        throw new RequestTimeoutError();
      case 'invalid':
        throw apiError(400, APIErrorCode.ValidationError, 'body failed validation: body.properties.Quote.title should be defined.');
      case 'unauthorized':
        throw apiError(401, APIErrorCode.Unauthorized, 'API token is invalid.');
      case 'not_found':
        throw apiError(
          404,
          APIErrorCode.ObjectNotFound,
          `Could not find data_source with ID: ${dataSourceId}. Make sure the relevant pages and databases are shared with your integration.`,
        );
    }
  }

  async queryDataSource(dataSourceId: string, input: QueryInput = {}): Promise<QueryPage> {
    const ids = quoteIdsIn(input.filter);
    this.options.beforeSend?.({ kind: 'query', ids });
    if (this.options.signal?.aborted) throw this.options.signal.reason;
    const at = this.send();
    this.calls.push({ kind: 'query', dataSourceId, ids, input, at });
    const wanted = new Set(ids);
    const matches = this.pages.filter((p) => p.dataSourceId === dataSourceId && wanted.has(p.quoteId));
    const start = Number(input.startCursor ?? 0);
    const end = start + (input.pageSize ?? 100);
    return {
      pages: matches.slice(start, end).map(({ id, url, properties }) => ({ id, url, properties })),
      nextCursor: end < matches.length ? String(end) : undefined,
      incomplete: false,
    };
  }

  /** A request's turn: it waits out a pause in force, then takes `requestMs`. Returns when it was sent. */
  private send(): number {
    const { clock } = this.options;
    if (this.resumeAt > clock.now()) clock.advance(this.resumeAt - clock.now());
    const at = clock.now();
    clock.advance(this.options.requestMs ?? 0);
    return at;
  }

  /** The refusal's answer; the queue pauses first, as the pacer does when it sees one. */
  private refuse(refused: 'rate_limited' | 'workspace_limited' | 'overloaded', pauseMs: number): APIResponseError {
    this.resumeAt = this.options.clock.now() + pauseMs;
    this.pauseLimit = refused === 'overloaded' ? 'overloaded' : refused === 'workspace_limited' ? 'workspace' : 'connection';
    const headers = { 'retry-after': String(Math.ceil(pauseMs / 1000)) };
    if (refused === 'overloaded') {
      return apiError(529, APIErrorCode.ServiceOverload, 'Notion is temporarily overloaded. Please try again later.', headers);
    }
    return apiError(
      429,
      APIErrorCode.RateLimited,
      'You have been rate limited. Please try again in a few minutes.',
      headers,
      refused === 'workspace_limited' ? { rate_limit_reason: 'public_api_space_request_rate_limit' } : undefined,
    );
  }

  private make(quoteId: string, dataSourceId: string, body: CreatePageParameters): PageInfo {
    const id = `page-${this.pages.length + 1}`;
    const page: FakePage = { id, url: `https://www.notion.so/${id}`, properties: body.properties as Record<string, unknown>, quoteId, dataSourceId };
    this.pages.push(page);
    return { id: page.id, url: page.url, properties: page.properties };
  }
}

function apiError(
  status: number,
  code: APIErrorCode,
  message: string,
  headers: Record<string, string> = {},
  additionalData?: Record<string, string>,
): APIResponseError {
  return new APIResponseError({
    code,
    status,
    message,
    headers: new Headers(headers),
    rawBodyText: JSON.stringify({ object: 'error', status, code, message, ...(additionalData ? { additional_data: additionalData } : {}) }),
    additional_data: additionalData,
    request_id: `request-${status}`,
  });
}

/** The quote ids a look-up's filter asks for: one `Quote ID` condition, or an `or` of them. Anything else is a mistake. */
function quoteIdsIn(filter: QueryInput['filter']): string[] {
  const f = filter as { or?: unknown[] } | undefined;
  const conditions = f && Array.isArray(f.or) ? f.or : [f];
  return conditions.map((c) => {
    const condition = c as { property?: string; rich_text?: { equals?: string } } | undefined;
    if (condition?.property !== QUOTE_PROPERTY.id || typeof condition.rich_text?.equals !== 'string') {
      throw new Error(`the fake reads only look-ups by ${QUOTE_PROPERTY.id}, got ${JSON.stringify(filter)}`);
    }
    return condition.rich_text.equals;
  });
}
