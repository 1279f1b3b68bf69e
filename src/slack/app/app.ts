/**
 * The Slack app: one Bolt App (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT with
 * request signing), the engine and the job runner, put together, with the operator's routes on
 * PORT (`/healthz`, and `/readyz` and `/metrics` from src/metrics/). The listeners live in
 * `commands/` and come in through `register`, so nothing here depends on them.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { App, LogLevel, SocketModeReceiver, type App as BoltApp, type CustomRoute } from '@slack/bolt';
import type { Logger as SlackLogger } from '@slack/logger';
import type { Config } from '../../config.js';
import { ConfigError, slackErrorCode, slackFailure } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { AppMetrics } from '../../metrics/app-metrics.js';
import { operatorRoutes } from '../../metrics/operator-routes.js';
import { SocketConnection } from '../../metrics/readiness.js';
import { observedSlackFetch } from '../../metrics/slack-calls.js';
import { startRetention } from '../../retention/schedule.js';
import { JobStore, storeOpenProblem, type StoreObserver } from '../../store/index.js';
import { SyncEngine } from '../../sync/run/engine.js';
import { NotionDirectory, type DirectoryOptions } from '../../sync/target/notion-directory.js';
import { checkAppConfig } from './app-settings.js';
import { ChannelTargetService } from '../targets/channel-targets.js';
import { SlackJobs } from '../jobs/jobs.js';
import { slackRequestScope } from '../request-scope.js';

/** What the listeners in `commands/` get. */
/** Slack sends an upload's two events within a second or so of each other. */
export const DEFAULT_FILE_SHARED_GRACE_MS = 2000;

/** How the app takes an upload up; see AppContext.uploads. */
export interface UploadSettings {
  /** files.info is asked this many times while it answers `file_not_found`, as it does for a moment right after an upload. */
  fileInfoAttempts: number;
  /** The wait before the second of those tries; it doubles for each try after. */
  fileInfoRetryMs: number;
  /**
   * A claim on an upload still without a job after this long was left by a process that stopped:
   * the next delivery, or the next search for left-behind work, takes it over. Default: UPLOAD_CLAIM_TAKEOVER_MS.
   */
  claimTakeoverMs: number;
}

export const DEFAULT_UPLOAD_SETTINGS: Readonly<UploadSettings> = Object.freeze({ fileInfoAttempts: 4, fileInfoRetryMs: 500, claimTakeoverMs: 60_000 });

export interface AppContext {
  config: Config;
  logger: Logger;
  store: JobStore;
  engine: SyncEngine;
  jobs: SlackJobs;
  /** Each channel's Notion target: chosen in Slack, kept in the store. */
  targets: ChannelTargetService;
  /** What the integration can see in Notion (search, links), through the integration's pacer. */
  directory: NotionDirectory;
  /** Runs `stop` when the app stops, before the jobs are (schedules, waits on Gumloop runs). */
  onStop(stop: () => void | Promise<void>): void;
  /**
   * How long a `file_shared` event waits before it takes an upload up, so that the `message` event
   * of the same upload, which carries its thread and its words (say, `update`), goes first.
   */
  fileSharedGraceMs: number;
  uploads: UploadSettings;
}

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** Adds the listeners and any extra HTTP routes (e.g. the Gumloop webhook). */
  register: (app: BoltApp, context: AppContext) => void;
  /** Extra HTTP routes on the app's port (the same server in HTTP mode, a small one in Socket Mode). */
  routes?: AppRoute[];
  /** Least time between two edits of a job message; Slack's Tier 3 allows about one a second. */
  updateIntervalMs?: number;
  /** How long a running job's lease lasts without renewal (instances sharing the store). */
  leaseTtlMs?: number;
  /** See AppContext.fileSharedGraceMs; default DEFAULT_FILE_SHARED_GRACE_MS. */
  fileSharedGraceMs?: number;
  /** See AppContext.uploads; each unset one is DEFAULT_UPLOAD_SETTINGS'. */
  uploads?: Partial<UploadSettings>;
  random?: () => number;
  /** The Notion search's debounce, cache and answer deadline (see sync/target/notion-directory.ts). */
  directory?: Pick<DirectoryOptions, 'cacheMs' | 'debounceMs' | 'answerWithinMs'>;
}

export interface AppRoute {
  path: string;
  method: 'GET' | 'POST';
  handle(req: IncomingMessage, res: ServerResponse, context: AppContext): void | Promise<void>;
}

export interface RunningApp {
  app: BoltApp;
  context: AppContext;
  /** The HTTP port (HTTP mode), once listening. */
  port: number | undefined;
  /** Stops taking requests, lets the Notion request in flight finish, keeps every job resumable. */
  stop(): Promise<void>;
}

/** Builds and starts the app, then resumes the jobs a previous run left unfinished. */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, logger } = options;
  checkAppConfig(config);
  // The operator's view (/metrics, /readyz): a registry of this app's own, fed by observers.
  const metrics = new AppMetrics();
  const store = await openStore(config.dbPath, logger, metrics.store);
  const engine = await SyncEngine.open({
    config,
    store,
    logger,
    observer: metrics.engine,
    ...(options.random ? { random: options.random } : {}),
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
  });
  metrics.readAtScrape({ pacer: engine.pacer, store, windowMs: config.notion.rateWindowMs });
  let context: AppContext | undefined;
  let socket: SocketConnection | undefined;
  const routes: CustomRoute[] = [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => health(res, context) },
    ...operatorRoutes({
      metrics,
      token: config.slack.metricsToken,
      logger,
      // Not ready before the context exists; in Socket Mode, not before the connection is open.
      readiness: () => (context ? { store, ...(socket ? { socket } : {}) } : undefined),
    }),
    ...(options.routes ?? []).map(
      (route): CustomRoute => ({
        path: route.path,
        method: [route.method],
        // Routes are given to Bolt before the context exists; a request that early gets 503.
        handler: (req, res) => {
          if (!context) return void res.writeHead(503).end();
          Promise.resolve(route.handle(req, res, context)).catch((error: unknown) => {
            logger.error({ err: error, path: route.path }, 'route failed');
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"ok":false}');
          });
        },
      }),
    ),
  ];
  // The WebClient waits out Slack's 429s (Retry-After) itself; other failures get a few tries, not its default half hour.
  const clientOptions = {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 8000 },
    fetch: observedSlackFetch(config.slack.apiUrl, (method, error) => metrics.slackCall(method, error)),
  };
  const common = {
    token: config.slack.botToken!,
    logger: boltLogger(logger),
    customRoutes: routes,
    // Initialised in start, where a refused token becomes a ConfigError instead of an unhandled rejection.
    deferInitialization: true,
    clientOptions,
  };
  // Socket Mode's receiver is made here rather than by Bolt, for its client: readiness follows the connection.
  const receiver = config.slack.appToken
    ? new SocketModeReceiver({
        appToken: config.slack.appToken,
        logger: common.logger,
        customRoutes: routes,
        installerOptions: { port: config.slack.port, clientOptions },
      })
    : undefined;
  if (receiver) socket = new SocketConnection(receiver.client);
  const app = receiver ? new App({ ...common, socketMode: true, receiver }) : new App({ ...common, signingSecret: config.slack.signingSecret!, port: config.slack.port });
  const directory = new NotionDirectory({ config, pacer: engine.pacer, ...options.directory });
  const targets = new ChannelTargetService({ config, store, directory, client: app.client, logger });
  const jobs = new SlackJobs({
    engine,
    client: app.client,
    logger,
    targetFor: (channel) => targets.targetFor(channel),
    ...(options.updateIntervalMs !== undefined ? { updateIntervalMs: options.updateIntervalMs } : {}),
  });
  const stoppers: (() => void | Promise<void>)[] = [];
  context = {
    config,
    logger,
    store,
    engine,
    jobs,
    targets,
    directory,
    onStop: (stop) => void stoppers.push(stop),
    fileSharedGraceMs: options.fileSharedGraceMs ?? DEFAULT_FILE_SHARED_GRACE_MS,
    uploads: { ...DEFAULT_UPLOAD_SETTINGS, claimTakeoverMs: config.slack.uploadClaimTakeoverMs, ...options.uploads },
  };
  // Each listener runs in its request's scope: the jobs it starts log the request's id.
  app.use(slackRequestScope);
  app.error(async (error) => {
    // Listeners answer people themselves; what reaches here is a bug, kept in the log only.
    logger.error({ err: error.original ?? error, code: error.code }, 'unhandled error in a Slack listener');
  });
  let port: number | undefined;
  try {
    options.register(app, context);
    await initialise(app, logger);
    const server = (await app.start(config.slack.port)) as Server | undefined;
    const address = server?.address?.();
    port = address && typeof address === 'object' ? address.port : config.slack.port;
  } catch (error) {
    // Nothing a listener set up (say, the digest's schedule) may outlive a start that failed.
    for (const stop of stoppers) await Promise.resolve().then(stop).catch((e: unknown) => logger.warn({ err: e }, 'a stop hook failed'));
    await engine.close();
    await store.close();
    throw error;
  }
  const resumed = await jobs.resumeUnfinished();
  // Replicas (or another process on the same store) may stop with jobs in hand: look for them from now on.
  jobs.watchForLeftJobs();
  // Old finished jobs' fallback CSVs and quote texts go after RETENTION_DAYS: swept now, then daily.
  const retention = startRetention({ store, config, logger });
  if (retention) stoppers.push(() => retention.stop());
  logger.info({ mode: config.slack.appToken ? 'socket' : 'http', port, resumed }, 'quote sync is running');
  let stopping: Promise<void> | undefined;
  return {
    app,
    context,
    port,
    stop() {
      stopping ??= (async () => {
        await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the Slack receiver failed'));
        for (const stop of stoppers) await Promise.resolve().then(stop).catch((error: unknown) => logger.warn({ err: error }, 'a stop hook failed'));
        await jobs.shutdown();
        await engine.close();
        await store.close();
        logger.info('quote sync stopped; unfinished jobs resume at the next start');
      })();
      return stopping;
    },
  };
}

/** The job store; one that cannot be opened stops the app at start, with a sentence and no secret. */
async function openStore(location: string, logger: Logger, observe: StoreObserver): Promise<JobStore> {
  try {
    return await JobStore.open(location, { observe, onIdleError: (error) => logger.warn({ err: error }, 'a connection to the job store broke; reconnecting') });
  } catch (error) {
    throw new ConfigError(storeOpenProblem(location, error), 'QUOTE_SYNC_DB');
  }
}

/** Bolt's initialisation checks the bot token (auth.test); a refused one stops the app at start, with a sentence. */
async function initialise(app: BoltApp, logger: Logger): Promise<void> {
  try {
    await app.init();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === 'invalid_auth' || code === 'not_authed' || code === 'account_inactive' || code === 'token_revoked') {
      throw new ConfigError(`SLACK_BOT_TOKEN was refused by Slack (${code}): copy the bot token again from "OAuth & Permissions".`, 'SLACK_BOT_TOKEN');
    }
    logger.error({ error: slackFailure(error) }, 'could not reach Slack to check the bot token');
    throw error;
  }
}

function health(res: ServerResponse, context: AppContext | undefined): void {
  res.writeHead(context ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: Boolean(context) }));
}

/** Bolt's log lines go to our structured log. */
function boltLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'bolt' });
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => child.debug(text(m)),
    info: (...m: unknown[]) => child.info(text(m)),
    warn: (...m: unknown[]) => child.warn(text(m)),
    error: (...m: unknown[]) => child.error(text(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
