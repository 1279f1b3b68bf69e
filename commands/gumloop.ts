/**
 * Gumloop, three ways in: `/sync-quotes run <flow> [input=value …]` starts a flow (waiting for a
 * free slot while the plan's runs are busy), shows its state in a thread while it runs, then syncs
 * its quotes; `/sync-quotes gumloop <run>` syncs a run once it is done; `POST /gumloop/quotes`
 * lets a flow push a batch (Bearer GUMLOOP_WEBHOOK_SECRET) with its thread in GUMLOOP_CHANNEL_ID. The quotes then go through the same job as a file: exactly once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, GumloopError, InputError, slackErrorCode } from '../src/errors.js';
import { GumloopClient } from '../src/gumloop/client.js';
import { GumloopFollower } from '../src/gumloop/follower.js';
import type { AppContext, AppRoute } from '../src/slack/app/app.js';
import type { SyncCommand } from '../src/slack/command-text.js';
import type { JobMessage } from '../src/slack/jobs/jobs.js';
import type { SyncSource } from '../src/sync/run/engine.js';
import { openThread, problem, type CommandPlace } from './command-place.js';
import type { ExtraSubcommands } from './sync-quotes.js';

/** The client, or undefined when GUMLOOP_API_KEY / GUMLOOP_USER_ID are not set. */
export function gumloopClient(config: AppContext['config']): GumloopClient | undefined {
  const g = config.gumloop;
  if (!g.apiKey || !g.userId) return undefined;
  return new GumloopClient({ apiUrl: g.apiUrl, apiKey: g.apiKey, userId: g.userId, ...(g.projectId ? { projectId: g.projectId } : {}) });
}

/**
 * The `run` and `gumloop` subcommands; none when Gumloop is not configured. Their waits on runs
 * are kept in the store (src/gumloop/follower.ts): taken up at start and by a periodic look when
 * the replica that followed one is gone, and left for the next start when the app stops.
 */
export function gumloopSubcommands(context: AppContext): Pick<ExtraSubcommands, 'run' | 'gumloop'> {
  const client = gumloopClient(context.config);
  if (!client) return {};
  const { config, engine, jobs, logger, store } = context;
  const follower = new GumloopFollower({ store, engine, jobs, client, settings: config.gumloop, logger });
  context.onStop(() => follower.stop());
  follower.watch();
  return {
    run: async (cmd: Extract<SyncCommand, { kind: 'run' }>, where: CommandPlace) => {
      const message = await openThread(where, `<@${where.user}> started the Gumloop flow ${cmd.savedItemId}. Starting it…`, context);
      if (message) await follower.startFlow(cmd.savedItemId, cmd.inputs, { message, user: where.user, update: cmd.update === true });
    },
    gumloop: async (cmd: Extract<SyncCommand, { kind: 'gumloop' }>, where: CommandPlace) => {
      const message = await openThread(where, `<@${where.user}> asked for the quotes of Gumloop run ${cmd.runId}. Reading it…`, context);
      if (message) await follower.follow(cmd.runId, { message, user: where.user, update: cmd.update === true });
    },
  };
}

/**
 * `POST /gumloop/quotes`: a JSON body (a list of quotes, `{ "quotes": [...] }`, or Gumloop-shaped
 * records) or CSV text. 202 with the job id once it is queued; 400 with a reason for a body that
 * holds no usable quotes; 401 for a missing or wrong secret; 404 while no secret is configured.
 */
export const gumloopWebhook: AppRoute = {
  path: '/gumloop/quotes',
  method: 'POST',
  async handle(req, res, context) {
    const { config, jobs, logger } = context;
    const secret = config.gumloop.webhookSecret;
    if (!secret) return answer(res, 404, { ok: false, error: 'The Gumloop webhook is not enabled (GUMLOOP_WEBHOOK_SECRET).' });
    if (!bearerMatches(req.headers.authorization, secret)) {
      return answer(res, 401, { ok: false, error: 'Missing or wrong bearer secret.' }, { 'www-authenticate': 'Bearer' });
    }
    // The channel the job's thread goes in, whose target it uses: `?channel=`, else GUMLOOP_CHANNEL_ID.
    const asked = new URL(req.url ?? '/', 'http://localhost').searchParams.get('channel')?.trim() || undefined;
    const channel = asked ?? config.gumloop.channelId;
    if (!channel) return answer(res, 400, { ok: false, error: 'Name the Slack channel for the job: add ?channel=C… to the URL, or set GUMLOOP_CHANNEL_ID.' });
    if (!SLACK_CHANNEL_ID.test(channel)) return answer(res, 400, { ok: false, error: `"${channel.slice(0, 40)}" is not a Slack channel id (C… or G…, from the channel's details).` });
    const body = await readBody(req, config.access.maxFileBytes);
    if (body === 'too_large') return answer(res, 413, { ok: false, error: `The body is over MAX_FILE_BYTES (${config.access.maxFileBytes} bytes).` });
    const type = String(req.headers['content-type'] ?? '');
    const format = type.includes('csv') ? 'csv' : 'json';
    const runId = (req.headers['x-gumloop-run-id'] as string | undefined)?.slice(0, 100);
    const source: SyncSource = { name: runId ? `gumloop run ${runId}` : 'Gumloop push', content: body, format };
    let message: JobMessage | undefined;
    try {
      try {
        message = await jobs.openMessage(channel, `Gumloop pushed quotes${runId ? ` from run ${runId}` : ''}. Reading them…`);
      } catch (error) {
        // The bot can only start a job in a channel it is in: Slack says so as it refuses the post.
        const code = slackErrorCode(error);
        if (code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived') {
          return answer(res, 400, { ok: false, error: `Quote Sync is not in the channel ${channel} (${code}): invite it with /invite @Quote Sync, or name another channel.` });
        }
        throw error;
      }
      const submitted = await jobs.submit(source, message, { trigger: 'webhook' }, { update: wantsUpdate(req.url) });
      const counts = await context.store.quotes.counts(submitted.job.id);
      return answer(res, 202, {
        ok: true,
        job_id: submitted.job.id,
        quotes: counts.total - counts.rejected - counts.duplicates,
        rejected: counts.rejected,
        duplicates: counts.duplicates,
        resumed: submitted.resumed,
      });
    } catch (error) {
      if (error instanceof InputError || error instanceof GumloopError || error instanceof ConfigError) {
        if (message) await jobs.say(message, `:x: Gumloop pushed quotes I could not use: ${error.message}`);
        return answer(res, 400, { ok: false, error: error.message });
      }
      const text = problem(error, logger);
      if (message) await jobs.say(message, `:x: ${text}`);
      return answer(res, 500, { ok: false, error: text });
    }
  },
};

/** A Slack conversation id of a public (C…) or private (G…) channel. */
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{8,}$/;

/** `?update=true` (or `1`, `yes`): update mode for the pushed quotes. */
function wantsUpdate(url: string | undefined): boolean {
  const value = new URL(url ?? '/', 'http://localhost').searchParams.get('update') ?? '';
  return /^(true|1|yes)$/i.test(value);
}

/** Compares the bearer secret in constant time (hashes first, so the length leaks nothing either). */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(secret)) && given.length > 0;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}
