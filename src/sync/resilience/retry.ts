/**
 * Retry decisions, as pure functions: can this failure be retried, how long to wait, and must
 * the quote be looked up first because the failed create may have been applied.
 */
import type { Config } from '../../config.js';
import { mayHaveBeenApplied, type NotionFailure } from '../../notion/failure.js';

export interface RetryPolicy {
  /** First back-off after a 409 or 5xx; doubles per attempt. */
  baseMs: number;
  maxMs: number;
  /** Attempts per request (409s, 5xx, timeouts) before it fails. 429/529 waits are not attempts. */
  maxAttempts: number;
  /** Rate-limit answers one request may receive before it fails. */
  maxRateLimitWaits: number;
}

/** create: a page that may be written twice if sent twice; update: safe to repeat; read: no effect. */
export type Operation = 'create' | 'update' | 'read';

/** Most rate-limit answers one request may receive in a row before it fails. */
export const MAX_RATE_LIMIT_WAITS = 20;

/** The policy of a job: the configured back-off, or the careful profile's long one after conflicts. */
export function retryPolicyFor(config: Config, careful: boolean): RetryPolicy {
  const { notion } = config;
  return {
    baseMs: careful ? notion.carefulConflictMs : notion.retryBaseMs,
    maxMs: careful ? Math.max(notion.retryMaxMs, notion.carefulConflictMs) : notion.retryMaxMs,
    maxAttempts: notion.maxAttempts,
    maxRateLimitWaits: MAX_RATE_LIMIT_WAITS,
  };
}

export type RetryDecision =
  /** Notion asked everyone to slow down: the pacer holds the whole queue; send this again after it. */
  | { action: 'pause_all' }
  /** Try this request again after `delayMs`; if `lookupFirst`, find out first whether it was applied. */
  | { action: 'retry'; delayMs: number; lookupFirst: boolean }
  /** This quote cannot be written; the job goes on. */
  | { action: 'give_up'; reason: string }
  /** Nothing more can be written in this job (token, access, target). */
  | { action: 'stop_job'; reason: string };

/** Tries of a request whose host name does not resolve before the job stops. */
export const UNREACHABLE_ATTEMPTS = 3;
/** The name does not exist (ENOTFOUND), or no resolver answers, as on a machine offline (EAI_AGAIN). */
const UNRESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/** Exponential back-off with equal jitter: half fixed, half random, capped. `attempt` counts from 1. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function decideRetry(
  failure: NotionFailure,
  context: { operation: Operation; attempt: number; rateLimitWaits: number; policy: RetryPolicy; random: () => number },
): RetryDecision {
  const { operation, attempt, policy } = context;
  switch (failure.kind) {
    case 'rate_limited':
    case 'overloaded': {
      if (countsAsRateLimitWait(failure) && context.rateLimitWaits >= policy.maxRateLimitWaits) {
        return {
          action: 'give_up',
          reason: `Notion kept answering "${failure.kind === 'rate_limited' ? 'rate limited' : 'overloaded'}" (${context.rateLimitWaits} times in a row).`,
        };
      }
      return { action: 'pause_all' };
    }
    case 'conflict':
    case 'server':
    case 'timeout':
    case 'network': {
      // A name that does not resolve is not a blip: the machine has no way to Notion. Said once, soon.
      if (failure.kind === 'network' && UNRESOLVED.has(failure.code ?? '') && attempt >= UNREACHABLE_ATTEMPTS) {
        return {
          action: 'stop_job',
          reason: `Notion cannot be reached: its address does not resolve (${failure.code}, ${attempt} tries). Check this machine's network and DNS, and NOTION_API_URL, then retry the job.`,
        };
      }
      if (attempt >= policy.maxAttempts) {
        return { action: 'give_up', reason: `${describeFailure(failure)}, ${attempt} times; gave up.` };
      }
      return {
        action: 'retry',
        delayMs: backoffMs(attempt, policy, context.random),
        lookupFirst: operation === 'create' && mayHaveBeenApplied(failure),
      };
    }
    case 'unauthorized':
      return {
        action: 'stop_job',
        reason: 'Notion refused the integration token (401): it is invalid or was revoked. Set a valid NOTION_TOKEN and retry the job.',
      };
    case 'not_found':
      if (operation === 'update') {
        return {
          action: 'give_up',
          reason: 'Its page is no longer in Notion (deleted, or no longer shared); an update never creates a page, so it was left out.',
        };
      }
      return notFoundOrForbidden(failure.status);
    case 'forbidden':
      return notFoundOrForbidden(failure.status);
    case 'blocked':
      return {
        action: 'stop_job',
        reason:
          'Notion has blocked this integration\'s requests (429 public_api_request_blocked) and says not to retry them. Nothing more was sent. Check the integration at notion.so/profile/integrations or ask Notion support, then retry the job.',
      };
    case 'workspace_full':
      return {
        action: 'stop_job',
        reason:
          "The Notion workspace has reached its block limit: Notion's Free plan allows a workspace with more than one member 1,000 blocks in its lifetime, and deleting pages does not give them back. No more pages can be created there. Upgrade the workspace's plan, or choose a database in another workspace (`/sync-quotes target`, or NOTION_DATABASE_ID), then retry the job.",
      };
    case 'invalid':
      return operation !== 'read'
        ? { action: 'give_up', reason: `Notion refused this quote: ${failure.message}` }
        : { action: 'stop_job', reason: `Notion refused a request: ${failure.message}` };
  }
}

/** How often one request has failed so far, in the two counts the policy limits. */
export interface RetryCounters {
  /** Failed attempts (409, 5xx, timeouts, dropped connections). */
  attempts: number;
  /** Rate-limit answers in a row. */
  rateLimitWaits: number;
}

/**
 * Counts a failure of one request and decides what to do about it: the one place the counters
 * move, for creates and reads alike. A rate-limit answer is no failed attempt (it is Notion's
 * pace) and the workspace-wide one does not count at all; a retry for another reason ends a run
 * of rate-limit answers.
 */
export function applyRetryDecision(
  failure: NotionFailure,
  counters: RetryCounters,
  context: { operation: Operation; policy: RetryPolicy; random: () => number },
): RetryDecision {
  if (failure.kind !== 'rate_limited' && failure.kind !== 'overloaded') counters.attempts += 1;
  const decision = decideRetry(failure, {
    ...context,
    attempt: counters.attempts,
    rateLimitWaits: counters.rateLimitWaits,
  });
  if (decision.action === 'pause_all' && countsAsRateLimitWait(failure)) counters.rateLimitWaits += 1;
  if (decision.action === 'retry') counters.rateLimitWaits = 0;
  return decision;
}

/** The target database or page cannot be reached: nothing more can be written in this job. */
function notFoundOrForbidden(status: number): RetryDecision {
  return {
    action: 'stop_job',
    reason: `Notion cannot find the target database or page, or it is not shared with the integration (${status}). Share it with the integration (••• menu → Connections) and retry the job.`,
  };
}

/**
 * Whether a rate-limit answer counts towards the ones a request may meet before it fails. The
 * workspace-wide limit does not: other integrations spent it, and waiting it out always works.
 */
export function countsAsRateLimitWait(failure: NotionFailure): boolean {
  return !(failure.kind === 'rate_limited' && failure.limit === 'workspace');
}

/** The gateway's endpoints in words, for the thread and the terminal. */
const ENDPOINT_WORDS: Readonly<Record<string, string>> = {
  'POST /v1/pages': 'page creates',
  'PATCH /v1/pages/:id': 'page updates',
  'GET /v1/pages/:id': 'page reads',
  'POST /v1/data_sources/:id/query': 'database queries',
  'GET /v1/data_sources/:id': 'database reads',
  'PATCH /v1/data_sources/:id': 'database changes',
  'GET /v1/databases/:id': 'database reads',
  'POST /v1/databases': 'database creates',
  'POST /v1/search': 'searches',
};

/** What an endpoint limit holds, in words: "page creates", or the endpoint itself. */
export function endpointWords(endpoint: string | undefined): string {
  if (endpoint === undefined) return 'one endpoint';
  return ENDPOINT_WORDS[endpoint] ?? endpoint;
}

export function describeFailure(failure: NotionFailure): string {
  switch (failure.kind) {
    case 'rate_limited':
      if (failure.limit === 'workspace') return "Notion's workspace-wide limit";
      if (failure.limit === 'endpoint') return `Notion's own limit on ${endpointWords(failure.endpoint)} (429 public_api_endpoint_rate_limit)`;
      return 'Notion rate-limited the request (429)';
    case 'overloaded':
      return 'Notion was overloaded (529)';
    case 'conflict':
      return 'Notion reported a conflicting write (409)';
    case 'server':
      return `Notion answered with a server error (${failure.status})`;
    case 'timeout':
      return 'the request to Notion timed out';
    case 'network':
      return failure.message;
    case 'unauthorized':
      return 'Notion refused the token (401)';
    case 'forbidden':
      return 'Notion refused access (403)';
    case 'not_found':
      return 'Notion could not find the object (404)';
    case 'workspace_full':
      return 'the Notion workspace is full (block limit)';
    case 'blocked':
      return "Notion blocked the integration's requests (429 public_api_request_blocked)";
    case 'invalid':
      return `Notion refused the request (${failure.status} ${failure.code})`;
  }
}
