/**
 * What a job's steps take from the engine (the configuration, the store, the clock, the
 * integration's pacer), and their one way to Notion: a gateway on that pacer, with the retry
 * runtime that set-up reads go through.
 */
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { NotionGateway } from '../../notion/gateway.js';
import type { RequestPacer } from '../../notion/pacing/pacer.js';
import type { JobStore } from '../../store/index.js';
import type { RetryRuntime } from '../resilience/requests.js';
import { retryPolicyFor } from '../resilience/retry.js';
import type { TargetDeps } from '../target/target.js';
import type { EngineObserver } from './job-observer.js';

/** The engine's dependencies, with the defaults filled in: what preparing and running a job use. */
export interface EngineParts {
  config: Config;
  store: JobStore;
  logger: Logger;
  /** One pacer per integration; shared by every job that uses the same token. */
  pacer: RequestPacer;
  observer?: EngineObserver;
  random: () => number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What a connection's requests carry: see GatewayOptions. */
export interface ConnectionOptions {
  beforeSend?: () => void;
  signal?: AbortSignal;
  askedAt?: number;
}

/** A gateway paced by the integration's queue, and the retry runtime of set-up reads through it. */
export function connect(parts: EngineParts, token: string, options: ConnectionOptions = {}): { gateway: NotionGateway; runtime: RetryRuntime } {
  const { config } = parts;
  const gateway = new NotionGateway({
    token,
    apiUrl: config.notion.apiUrl,
    timeoutMs: config.notion.timeoutMs,
    pacer: parts.pacer,
    ...options,
  });
  const runtime: RetryRuntime = {
    gateway,
    policy: retryPolicyFor(config, false),
    random: parts.random,
    sleep: parts.sleep,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return { gateway, runtime };
}

/** What finding, making and opening a job's database needs, reading through `runtime`. */
export function targetDepsOf(parts: EngineParts, runtime: RetryRuntime): TargetDeps {
  return {
    store: parts.store,
    runtime,
    readyTimeoutMs: parts.config.notion.readyTimeoutMs,
    creationTakeoverMs: parts.config.notion.createClaimTakeoverMs,
    now: parts.now,
  };
}
