/**
 * A CSV or JSON file uploaded to a channel the bot is in starts a sync in the file's thread.
 * Slack announces one upload twice (a `message` with subtype `file_share`, and `file_shared`)
 * and redelivers events it thinks were missed: the engine's trigger claim lets exactly one of
 * those deliveries start the job. The bot's own uploads (the CSV of what was not written) are
 * ignored, or re-importing would loop.
 */
import type { AllMiddlewareArgs, App } from '@slack/bolt';
import { slackFailure } from '../src/errors.js';
import type { AppContext } from '../src/slack/app.js';
import { sleepEndingOnAbort } from '../src/time/sleep.js';
import { refusal } from '../src/slack/access.js';
import { downloadSlackFile, looksLikeData, quoteFileFormat, type SlackFile } from '../src/slack/files.js';
import { problem } from './command-place.js';

type Client = AllMiddlewareArgs['client'];

export function register(app: App, context: AppContext): void {
  app.event('message', async ({ event, client, context: bolt }) => {
    if (event.subtype !== 'file_share') return;
    for (const file of event.files ?? []) {
      await handleUpload(
        {
          channel: event.channel,
          user: event.user,
          file: file as SlackFile,
          threadTs: event.thread_ts ?? event.ts,
          botUserId: bolt.botUserId,
          update: UPDATE_WORD.test(event.text ?? ''),
        },
        client,
        context,
      );
    }
  });
  app.event('file_shared', async ({ event, client, context: bolt }) => {
    // The upload's message event, with its thread and words, usually follows: let it go first.
    await sleepEndingOnAbort(context.fileSharedGraceMs);
    await handleUpload(
      { channel: event.channel_id, user: event.user_id, file: { id: event.file_id }, botUserId: bolt.botUserId },
      client,
      context,
    );
  });
}

export interface Upload {
  channel: string;
  user: string | undefined;
  /** All Slack said about the file; `file_shared` gives only its id. */
  file: SlackFile;
  /** The message that carried the file (the job's thread); looked up when unknown. */
  threadTs?: string;
  botUserId: string | undefined;
  /** The message that carried the file said `update`: update mode. */
  update?: boolean;
}

/** A file uploaded with the message `update` is synced in update mode. */
const UPDATE_WORD = /^\s*update\s*$/i;

export async function handleUpload(upload: Upload, client: Client, context: AppContext): Promise<void> {
  const { engine, config, jobs, logger } = context;
  if (upload.user && upload.user === upload.botUserId) return;
  // One upload, one job: whichever delivery claims the file first goes on; the rest stop here.
  if (!engine.claimTrigger(`slack-file:${upload.channel}:${upload.file.id}`)) return;
  let file = upload.file;
  let threadTs = upload.threadTs;
  // `file_shared` gives only the id, and a message event may carry only a stub
  // (`file_access: "check_file_info"`, no name): the details then come from files.info.
  if (!file.name || !threadTs) {
    const info = await client.files.info({ file: file.id }).catch((error: unknown) => {
      logger.warn({ file: file.id, error: slackFailure(error) }, 'files.info failed');
      return undefined;
    });
    if (!info?.file) return;
    file = info.file as SlackFile;
    threadTs ??= shareTs(info.file.shares, upload.channel);
  }
  if ((file.user && file.user === upload.botUserId) || file.mode === 'tombstone') return;
  const format = quoteFileFormat(file);
  if (!format) {
    if (looksLikeData(file)) {
      await reply(client, upload.channel, threadTs, `I can only read quotes from a CSV or JSON file; *${file.name}* is neither. Export it as CSV and upload that.`, logger);
    }
    return;
  }
  const refused = refusal(config.access, { userId: upload.user, channelId: upload.channel });
  if (refused) {
    if (upload.user) {
      await client.chat
        .postEphemeral({ channel: upload.channel, user: upload.user, text: `${refused} (${file.name} was not synced.)` })
        .catch((error: unknown) => logger.warn({ error: slackFailure(error) }, 'could not post the refusal'));
    }
    return;
  }
  let message;
  try {
    message = await jobs.openMessage(upload.channel, `Reading *${file.name}*…`, threadTs);
  } catch (error) {
    logger.warn({ channel: upload.channel, error: slackFailure(error) }, 'cannot post in the channel');
    return;
  }
  try {
    const content = await downloadSlackFile(file, {
      token: config.slack.botToken!,
      apiUrl: config.slack.apiUrl,
      maxBytes: config.access.maxFileBytes,
    });
    const submitted = jobs.submit(
      { name: file.name ?? file.id, content, format },
      message,
      { trigger: 'upload', ...(upload.user ? { user: upload.user } : {}) },
      { update: upload.update === true },
    );
    if (submitted.alreadyRunning) await jobs.say(message, `This file is already being synced by job \`${submitted.job.id}\`.`);
  } catch (error) {
    await jobs.say(message, `:x: ${problem(error, logger)}`);
  }
}

/** The ts of the message that shared the file in `channel` (its thread's parent when it was a reply). */
function shareTs(shares: unknown, channel: string): string | undefined {
  const s = shares as Record<'public' | 'private', Record<string, { ts?: string; thread_ts?: string }[]> | undefined> | undefined;
  const share = s?.public?.[channel]?.[0] ?? s?.private?.[channel]?.[0];
  return share?.thread_ts ?? share?.ts;
}

async function reply(client: Client, channel: string, threadTs: string | undefined, text: string, logger: AppContext['logger']): Promise<void> {
  await client.chat
    .postMessage({ channel, text, ...(threadTs ? { thread_ts: threadTs } : {}) })
    .catch((error: unknown) => logger.warn({ error: slackFailure(error) }, 'could not reply'));
}
