/**
 * `/sync-quotes`: help, a link to a CSV/JSON file, status, retry, cancel (and the Gumloop and
 * digest subcommands). Slack wants an answer within 3 seconds: each branch acks first (with the
 * reply when it is quick to make) and does the slow part after.
 */
import type { AllMiddlewareArgs, App, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AppContext } from '../src/slack/app/app.js';
import { refusal } from '../src/slack/access.js';
import { HELP_TEXT, parseCommandText, type SyncCommand } from '../src/slack/command-text.js';
import { fetchQuotesFile } from '../src/sources/url.js';
import { openThread, problem, type CommandPlace } from './command-place.js';
import { handleTargetCommand } from './target.js';

export const COMMAND = '/sync-quotes';

/** Optional handlers for the subcommands another module provides (Gumloop runs, the digest). */
export interface ExtraSubcommands {
  run?: (cmd: Extract<SyncCommand, { kind: 'run' }>, where: CommandPlace, context: AppContext) => Promise<void>;
  gumloop?: (cmd: Extract<SyncCommand, { kind: 'gumloop' }>, where: CommandPlace, context: AppContext) => Promise<void>;
  digest?: (where: CommandPlace, context: AppContext) => Promise<string>;
}

export function register(app: App, context: AppContext, extra: ExtraSubcommands = {}): void {
  app.command(COMMAND, (args) => handleSyncQuotes(args, context, extra));
}

export async function handleSyncQuotes(
  { command, ack, respond, client }: Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'> & { client: AllMiddlewareArgs['client'] },
  context: AppContext,
  extra: ExtraSubcommands = {},
): Promise<void> {
  const { jobs, config } = context;
  const request = parseCommandText(command.text);
  const privately = (text: string) => ack({ response_type: 'ephemeral', text });
  const where: CommandPlace = { channel: command.channel_id, user: command.user_id, respond: ephemeral(respond, context.logger) };
  if (request.kind === 'help') return privately(request.problem ? `${request.problem}\n\n${HELP_TEXT}` : HELP_TEXT);
  if (request.kind === 'status') return privately(await jobs.status(request.jobId));
  if (request.kind === 'target') {
    return handleTargetCommand(request, { ...where, triggerId: command.trigger_id, client }, (text) => (text === undefined ? ack() : privately(text)), context);
  }
  const refused = refusal(config.access, { userId: command.user_id, channelId: command.channel_id });
  if (refused) return privately(refused);
  switch (request.kind) {
    case 'cancel':
      return privately(await jobs.cancel(request.jobId, { user: command.user_id }));
    case 'retry':
      await privately(`Looking at job \`${request.jobId}\`…`);
      return where.respond(await jobs.retry(request.jobId, { user: command.user_id, channel: command.channel_id }));
    case 'url':
      await privately(`Fetching ${request.url} …`);
      return syncFromUrl(request.url, where, context, request.update === true);
    case 'run':
    case 'gumloop': {
      const handler = extra[request.kind] as ((c: typeof request, w: CommandPlace, x: AppContext) => Promise<void>) | undefined;
      if (!handler) return privately('Gumloop is not set up here: set GUMLOOP_API_KEY and GUMLOOP_USER_ID.');
      await privately(request.kind === 'run' ? `Starting the Gumloop flow ${request.savedItemId} …` : `Reading Gumloop run ${request.runId} …`);
      return handler(request, where, context);
    }
    case 'digest':
      if (!extra.digest) return privately('The digest is not set up here.');
      await privately('Building the digest…');
      return where.respond(await extra.digest(where, context));
  }
}

/** Fetches the file behind a link and starts its job, narrated in a new thread in the channel. */
async function syncFromUrl(url: string, where: CommandPlace, context: AppContext, update: boolean): Promise<void> {
  const { config, jobs, logger } = context;
  const what = update ? 'an update from' : 'a sync of';
  const message = await openThread(where, `<@${where.user}> asked for ${what} ${url}. Fetching the file…`, context);
  if (!message) return;
  try {
    const file = await fetchQuotesFile(url, {
      allowHttp: config.access.allowPrivateUrls,
      allowPrivateAddresses: config.access.allowPrivateUrls,
      maxBytes: config.access.maxFileBytes,
    });
    const name = fileNameOf(new URL(file.url));
    const type = file.contentType ?? '';
    const format = type.includes('json') ? 'json' : type.includes('csv') ? 'csv' : undefined;
    const submitted = await jobs.submit(
      { name, content: file.content, ...(format ? { format } : {}) },
      message,
      { user: where.user, trigger: 'command' },
      { update },
    );
    if (submitted.alreadyRunning) await jobs.say(message, `This file is already being synced by job \`${submitted.job.id}\`.`);
  } catch (error) {
    await jobs.say(message, `:x: ${problem(error, logger)}`);
  }
}

/** Replies through the command's response_url; one that fails (it expires after 30 minutes) is logged. */
function ephemeral(respond: RespondFn, logger: AppContext['logger']): (text: string) => Promise<void> {
  return async (text) => {
    await respond({ response_type: 'ephemeral', text }).catch((error: unknown) =>
      logger.warn({ error: (error as Error).message }, 'could not answer through response_url'),
    );
  };
}

/** The last segment of a link's path, as a person would call the file. */
function fileNameOf(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last) || url.host;
  } catch {
    return last || url.host;
  }
}
