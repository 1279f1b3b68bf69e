/**
 * A local Gumloop API on 127.0.0.1, as its docs describe it (https://docs.gumloop.com/api-reference):
 * - `POST /api/v1/start_pipeline` with `{ user_id, saved_item_id, pipeline_inputs?: [{ input_name,
 *   value }], project_id? }` (user_id and saved_item_id may also come in the query) answers
 *   `{ run_id, saved_item_id, workbook_id, url }`.
 * - `GET /api/v1/get_pl_run?run_id=…&user_id=…` answers `{ user_id, state, outputs, log,
 *   created_ts, finished_ts? }`; outputs stay `{}` until the run is DONE.
 * - The key comes as `Authorization: Bearer <key>` or, the docs' other way, `?api_key=<key>`.
 * - Failures: 400 for a missing or malformed parameter, 401 for a missing or wrong key, 403 for a
 *   user the key may not act for, 404 for an unknown run or flow. The docs give the statuses but
 *   not the bodies; the bodies here are `{"error": "<text>"}`, the flat shape the official SDK
 *   reads (and the one a third-party reference shows for 400: "Bad request (missing run_id)").
 *   That an unknown flow answers 404 is our choice: the docs are silent.
 * - The plan's concurrency limit (docs `core-concepts/rate_limits`: Free 2 runs at once, Pro 5,
 *   Enterprise 15 and queued): with `concurrentRuns` set, a start while that many of the user's
 *   runs are RUNNING is rejected with 429 (`{"error": …}`, Retry-After when `busyRetryAfterSeconds`
 *   is set), or, `atLimit: 'queue'`, starts QUEUED and runs when a slot frees. Queued runs do not
 *   count; a run that finishes (done, failed or terminated) frees its slot.
 *
 * A run moves RUNNING → DONE (or FAILED / TERMINATED with log lines) after a set number of polls,
 * or when a test calls `finishRun`, so tests are deterministic and need no timers. No vitest
 * here: a local run can use it too.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback.js';

export interface LocalGumloopFlow {
  /** What the run's output nodes give, keyed by output name, once DONE. */
  outputs?: Record<string, unknown>;
  /** End FAILED with these log lines instead of DONE. */
  fail?: { log: string[] };
  /** End TERMINATED (stopped by someone) with these log lines. */
  terminate?: { log: string[] };
  /** The poll (1-based) that first sees the run finished; earlier polls see RUNNING. Default 2. */
  pollsUntilDone?: number;
  /** Stays RUNNING, however often it is polled, until `finishRun` (a flow that takes its time). */
  finishesWhenTold?: boolean;
}

export interface LocalGumloopRun {
  runId: string;
  savedItemId: string;
  userId: string;
  inputs: { input_name: string; value: string }[];
  state: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | 'TERMINATED';
  polls: number;
  log: string[];
  createdTs: string;
  finishedTs?: string;
}

export interface LocalGumloopRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The Authorization header as sent. */
  auth: string | undefined;
  body: unknown;
  status: number;
}

export interface LocalGumloopOptions {
  apiKey?: string;
  userId?: string;
  flows?: Record<string, LocalGumloopFlow>;
  /** The plan's concurrent runs (Free 2, Pro 5, Enterprise 15); unset: no limit. */
  concurrentRuns?: number;
  /** What a start beyond the limit gets: 429 (Free, Pro; the default) or a QUEUED run (Enterprise). */
  atLimit?: 'reject' | 'queue';
  /** Retry-After (seconds) on a start rejected for the limit; none when unset. */
  busyRetryAfterSeconds?: number;
}

/**
 * An injected fault: an HTTP status; `drop` (the connection is closed with no answer, the request
 * not handled); or `drop-after` (the request is handled, a start starts its run, and the answer is
 * lost: the connection is closed instead).
 */
export type LocalGumloopFault = number | 'drop' | 'drop-after';

/** Names the docs reserve; a pipeline input must not use them. */
const RESERVED_INPUT_NAMES = new Set(['api_key', 'saved_item_id', 'user_id', 'project_id', 'openai_token', 'action_id', 'reuse_action', 'trigger_id', 'pipeline_inputs']);
const API_PREFIX = '/api/v1';

export class LocalGumloop {
  readonly apiKey: string;
  readonly userId: string;
  readonly runs: LocalGumloopRun[] = [];
  readonly requests: LocalGumloopRequest[] = [];
  /** The base URL to give the client, e.g. `http://127.0.0.1:PORT/api/v1`. */
  url = '';
  private readonly server: LoopbackServer;
  private readonly flows = new Map<string, LocalGumloopFlow>();
  private readonly faults: { fault: LocalGumloopFault; retryAfterSeconds?: number }[] = [];
  private readonly waiters = new Set<{ condition: () => boolean; resolve: () => void }>();
  private plan: Pick<LocalGumloopOptions, 'concurrentRuns' | 'atLimit' | 'busyRetryAfterSeconds'> = {};

  constructor(options: LocalGumloopOptions = {}) {
    this.apiKey = options.apiKey ?? 'gumloop-local-test-key';
    this.userId = options.userId ?? 'local-user';
    const { atLimit, busyRetryAfterSeconds } = options;
    this.limitConcurrentRuns(options.concurrentRuns, { ...(atLimit ? { atLimit } : {}), ...(busyRetryAfterSeconds !== undefined ? { busyRetryAfterSeconds } : {}) });
    for (const [id, flow] of Object.entries(options.flows ?? {})) this.defineFlow(id, flow);
    this.server = new LoopbackServer((req, res) => void this.handle(req, res));
  }

  async listen(): Promise<this> {
    this.url = `${await this.server.listen()}${API_PREFIX}`;
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Defines (or replaces) the flow a saved item id starts. */
  defineFlow(savedItemId: string, flow: LocalGumloopFlow): void {
    const polls = flow.pollsUntilDone ?? 2;
    if (!Number.isInteger(polls) || polls < 1) throw new Error(`pollsUntilDone must be a whole number of at least 1, got ${String(polls)}`);
    this.flows.set(savedItemId, flow);
  }

  /** The next `count` requests, whatever they are, fail this way (429 and 503 carry Retry-After when given). */
  injectNext(fault: LocalGumloopFault, count = 1, options: { retryAfterSeconds?: number } = {}): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault, ...options });
  }

  run(runId: string): LocalGumloopRun | undefined {
    return this.runs.find((r) => r.runId === runId);
  }

  /** Sets (or, undefined, lifts) the plan's limit on runs at once; see LocalGumloopOptions. */
  limitConcurrentRuns(limit: number | undefined, options: Pick<LocalGumloopOptions, 'atLimit' | 'busyRetryAfterSeconds'> = {}): void {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new Error(`concurrentRuns must be a whole number of at least 1, got ${String(limit)}`);
    this.plan = { ...(limit !== undefined ? { concurrentRuns: limit } : {}), ...options };
  }

  /** The user's runs taking a slot now (RUNNING; queued ones wait for one). */
  runningCount(userId = this.userId): number {
    return this.runs.filter((r) => r.userId === userId && r.state === 'RUNNING').length;
  }

  /**
   * Starts a run of `savedItemId` as if from Gumloop's UI or a schedule (it takes a slot like any
   * other); throws when the plan's limit rejects it.
   */
  startRun(savedItemId: string, inputs: LocalGumloopRun['inputs'] = []): LocalGumloopRun {
    const [status, answer] = this.startPipeline({ user_id: this.userId, saved_item_id: savedItemId, pipeline_inputs: inputs }, {});
    if (status !== 200) throw new Error(`the local Gumloop refused to start ${savedItemId}: ${status} ${JSON.stringify(answer)}`);
    return this.run(answer.run_id as string)!;
  }

  /** Ends a RUNNING or QUEUED run now, as its flow ends (DONE, FAILED or TERMINATED): its slot frees. */
  finishRun(runId: string): LocalGumloopRun {
    const run = this.run(runId);
    if (!run) throw new Error(`the local Gumloop has no run ${runId}`);
    if (run.state === 'RUNNING' || run.state === 'QUEUED') this.finish(run, this.flows.get(run.savedItemId) ?? {});
    this.settleWaiters();
    return run;
  }

  /**
   * Resolves once `condition` holds, checked after every request this server answers and every
   * `finishRun` (so tests await what Gumloop saw instead of sleeping); rejects after `timeoutMs`.
   */
  waitFor(condition: () => boolean, what = 'a condition', timeoutMs = 20_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { condition, resolve };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs).unref();
    });
  }

  /** The start_pipeline requests answered so far, oldest first (-1: no answer was sent). */
  starts(): LocalGumloopRequest[] {
    return this.requests.filter((r) => r.path === `${API_PREFIX}/start_pipeline` && r.status !== 0);
  }

  private settleWaiters(): void {
    for (const w of [...this.waiters]) {
      if (w.condition()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const query = Object.fromEntries(url.searchParams);
    const record: LocalGumloopRequest = { method: req.method ?? 'GET', path: url.pathname, query, auth: req.headers.authorization, body: undefined, status: 0 };
    this.requests.push(record);
    const injected = this.faults.shift();
    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      if (injected?.fault === 'drop-after') {
        record.status = -1;
        req.socket.destroy();
      } else {
        record.status = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      }
      this.settleWaiters();
    };

    if (injected?.fault === 'drop') {
      record.status = -1;
      req.socket.destroy();
      this.settleWaiters();
      return;
    }
    if (injected && injected.fault !== 'drop-after') {
      const headers: Record<string, string> = injected.retryAfterSeconds === undefined ? {} : { 'retry-after': String(injected.retryAfterSeconds) };
      return reply(injected.fault, { error: injected.fault === 429 ? 'Concurrent run limit reached' : 'Internal server error' }, headers);
    }

    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    const key = bearer ?? query.api_key;
    if (!key) return reply(401, { error: 'Unauthorized: missing API key' });
    if (key !== this.apiKey) return reply(401, { error: 'Unauthorized: invalid API key' });

    if (url.pathname === `${API_PREFIX}/start_pipeline`) {
      if (req.method !== 'POST') return reply(405, { error: 'Method not allowed' });
      let body: unknown = {};
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          return reply(400, { error: 'Bad request (body is not valid JSON)' });
        }
      }
      record.body = body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply(400, { error: 'Bad request (body must be a JSON object)' });
      const [status, answer, headers] = this.startPipeline(body as Record<string, unknown>, query);
      return reply(status, answer, headers);
    }
    if (url.pathname === `${API_PREFIX}/get_pl_run`) {
      if (req.method !== 'GET') return reply(405, { error: 'Method not allowed' });
      const [status, answer] = this.getRun(query);
      return reply(status, answer);
    }
    reply(404, { error: 'Not found' });
  }

  private startPipeline(body: Record<string, unknown>, query: Record<string, string>): [number, Record<string, unknown>, Record<string, string>?] {
    const userId = body.user_id ?? query.user_id;
    const savedItemId = body.saved_item_id ?? query.saved_item_id;
    if (typeof userId !== 'string' || userId === '') return [400, { error: 'Bad request (missing user_id)' }];
    if (typeof savedItemId !== 'string' || savedItemId === '') return [400, { error: 'Bad request (missing saved_item_id)' }];
    if (userId !== this.userId) return [403, { error: 'Forbidden (API key does not match)' }];
    const inputs = body.pipeline_inputs ?? [];
    if (!Array.isArray(inputs)) return [400, { error: 'Bad request (pipeline_inputs must be a list)' }];
    for (const input of inputs as unknown[]) {
      const { input_name: name, value } = (input ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name === '' || typeof value !== 'string') {
        return [400, { error: 'Bad request (each pipeline input needs a string input_name and value)' }];
      }
      if (RESERVED_INPUT_NAMES.has(name)) return [400, { error: `Bad request (${name} is a reserved input name)` }];
    }
    if (!this.flows.has(savedItemId)) return [404, { error: 'Saved item not found' }];
    const limit = this.plan.concurrentRuns;
    const full = limit !== undefined && this.runningCount(userId) >= limit;
    if (full && this.plan.atLimit !== 'queue') {
      // The docs give the status, not the body: ours says what a person would need to know.
      const retryAfter = this.plan.busyRetryAfterSeconds;
      return [
        429,
        { error: `Concurrent run limit reached: ${limit} of ${limit} runs in progress. Wait for a run to finish or upgrade your plan.` },
        retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      ];
    }

    const run: LocalGumloopRun = {
      runId: randomUUID().replace(/-/g, '').slice(0, 22),
      savedItemId,
      userId,
      inputs: inputs as LocalGumloopRun['inputs'],
      state: full ? 'QUEUED' : 'RUNNING',
      polls: 0,
      log: [full ? 'Queued: waiting for a free slot' : 'Starting flow...'],
      createdTs: new Date().toISOString(),
    };
    this.runs.push(run);
    const origin = this.url.slice(0, -API_PREFIX.length);
    return [200, { run_id: run.runId, saved_item_id: savedItemId, workbook_id: `wb-${savedItemId}`, url: `${origin}/pipeline?run_id=${run.runId}` }];
  }

  private getRun(query: Record<string, string>): [number, Record<string, unknown>] {
    if (!query.run_id) return [400, { error: 'Bad request (missing run_id)' }];
    const userId = query.user_id;
    if (!userId && !query.project_id) return [400, { error: 'Bad request (missing user_id or project_id)' }];
    if (userId && userId !== this.userId) return [403, { error: 'Forbidden (API key does not match)' }];
    const run = this.run(query.run_id);
    if (!run) return [404, { error: 'Flow run not found' }];
    const flow = this.flows.get(run.savedItemId) ?? {};
    run.polls += 1;
    if (run.state === 'RUNNING' && !flow.finishesWhenTold && run.polls >= (flow.pollsUntilDone ?? 2)) this.finish(run, flow);
    else if (run.state === 'RUNNING') run.log.push(`Still running (poll ${run.polls})`);
    return [
      200,
      {
        user_id: run.userId,
        state: run.state,
        outputs: run.state === 'DONE' ? (flow.outputs ?? {}) : {},
        log: run.log,
        created_ts: run.createdTs,
        ...(run.finishedTs ? { finished_ts: run.finishedTs } : {}),
      },
    ];
  }

  private finish(run: LocalGumloopRun, flow: LocalGumloopFlow): void {
    const end = flow.fail ? { state: 'FAILED' as const, log: flow.fail.log } : flow.terminate ? { state: 'TERMINATED' as const, log: flow.terminate.log } : { state: 'DONE' as const, log: ['Flow finished'] };
    run.state = end.state;
    run.log.push(...end.log);
    run.finishedTs = new Date().toISOString();
    // Its slot frees: the oldest queued run of the user starts (Enterprise's queue).
    const next = this.runs.find((r) => r.userId === run.userId && r.state === 'QUEUED');
    const limit = this.plan.concurrentRuns;
    if (next && (limit === undefined || this.runningCount(run.userId) < limit)) {
      next.state = 'RUNNING';
      next.polls = 0;
      next.log.push('Starting flow...');
    }
  }
}

export async function startGumloopServer(options: LocalGumloopOptions = {}): Promise<LocalGumloop> {
  return new LocalGumloop(options).listen();
}
