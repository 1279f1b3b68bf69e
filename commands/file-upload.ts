/**
 * A CSV or JSON file uploaded to a channel the bot is in starts a sync in the file's thread.
 * Slack announces one upload twice (a `message` with subtype `file_share`, and `file_shared`),
 * in either order, and redelivers events it thinks were missed: the engine's trigger claim lets
 * exactly one of those deliveries start the job. A delivery that cannot take the upload up for
 * now (files.info not finding a file just uploaded, the first message failing) gives the claim
 * back, so the next delivery does; the claim is bound to the job once the job exists, so a claim
 * left without one by a process that stopped is taken over: by the next delivery, or, from the
 * event kept with the claim, by the next search for left-behind work (left-uploads.ts). An
 * upload that cannot be taken up for good (gone, refused, unreadable) is told once. The bot's own
 * uploads (the CSV of what was not written) are ignored, or re-importing would loop.
 */
import type { AllMiddlewareArgs, App } from '@slack/bolt';
import { slackErrorCode, slackFailure } from '../src/errors.js';
import type { AppContext } from '../src/slack/app/app.js';
import { sleepEndingOnAbort } from '../src/time/sleep.js';
import { refusal } from '../src/slack/access.js';
import { downloadSlackFile, looksLikeData, quoteFileFormat, type SlackFile } from '../src/slack/files.js';
import { problem } from './command-place.js';
import { takeUpLeftUploads, uploadEvent, type Upload } from './left-uploads.js';

type Client = AllMiddlewareArgs['client'];

export function register(app: App, context: AppContext): void {
  const turns = new UploadTurns();
  // Claims a stopped process left without a job: taken up at start and in each search for left-behind jobs.
  context.jobs.onScan(() => takeUpLeftUploads(context, (upload) => handleUpload(upload, app.client, context, turns)));
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
        turns,
      );
    }
  });
  // "Sync to Notion" on a message that carries a file: for files shared before the bot was
  // invited (no event came), or shared again on purpose. The file's thread hears the job.
  app.shortcut({ callback_id: SYNC_SHORTCUT_ID, type: 'message_action' }, async ({ shortcut, ack, client, respond, context: bolt }) => {
    await ack();
    const message = shortcut.message as { ts: string; thread_ts?: string; files?: SlackFile[] };
    const files = (message.files ?? []).filter((f) => quoteFileFormat(f) !== undefined);
    if (files.length === 0) {
      await respond({ response_type: 'ephemeral', text: 'That message carries no CSV or JSON file to sync.' }).catch(() => undefined);
      return;
    }
    for (const file of files) {
      await handleUpload(
        {
          channel: shortcut.channel.id,
          user: shortcut.user.id,
          file,
          threadTs: message.thread_ts ?? message.ts,
          botUserId: bolt.botUserId,
        },
        client,
        context,
        turns,
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
      turns,
    );
  });
}


/** The message shortcut's callback id (manifest.json). */
export const SYNC_SHORTCUT_ID = 'sync_to_notion';

/** A file uploaded with the message `update` is synced in update mode. */
const UPDATE_WORD = /^\s*update\s*$/i;

export async function handleUpload(upload: Upload, client: Client, context: AppContext, turns: UploadTurns): Promise<void> {
  if (upload.user && upload.user === upload.botUserId) return;
  const key = `slack-file:${upload.channel}:${upload.file.id}`;
  await turns.take(key, async (othersWaiting) => {
    const { engine } = context;
    // One upload, one job: whichever delivery claims the file first goes on; the rest stop here.
    // The claim keeps the event, so that it can be taken up again if this process stops before the job exists.
    if (!(await engine.claimTrigger(key, { takeOverUnboundAfterMs: context.uploads.claimTakeoverMs, event: uploadEvent(upload) }))) return;
    let outcome: Pickup = 'not-now';
    try {
      outcome = await takeUp(upload, key, client, context, othersWaiting);
    } finally {
      if (outcome === 'not-now') await engine.releaseTrigger(key);
      if (outcome === 'settled') await engine.settleTrigger(key);
    }
  });
}

/**
 * How a delivery that held the claim ended: `job` (the claim is bound to it), `settled` without
 * one (the person was told, or the file is none of ours), or `not-now` (the claim goes back).
 */
type Pickup = 'job' | 'settled' | 'not-now';

async function takeUp(upload: Upload, key: string, client: Client, context: AppContext, othersWaiting: () => boolean): Promise<Pickup> {
  const { config, engine, jobs, logger } = context;
  let file = upload.file;
  let threadTs = upload.threadTs;
  // `file_shared` gives only the id, and a message event may carry only a stub
  // (`file_access: "check_file_info"`, no name): the details then come from files.info.
  if (!file.name || !threadTs) {
    const info = await fileInfo(client, file.id, context);
    if (info.kind === 'failed') return 'not-now';
    if (info.kind === 'gone') {
      // The other delivery of this upload, waiting its turn, may carry the file itself.
      if (info.code === 'file_not_found' && othersWaiting()) return 'not-now';
      await tellGone(client, upload, threadTs, logger);
      return 'settled';
    }
    file = info.file;
    threadTs ??= shareTs(info.shares, upload.channel);
  }
  if (file.user && file.user === upload.botUserId) return 'settled';
  if (file.mode === 'tombstone') {
    await tellGone(client, upload, threadTs, logger);
    return 'settled';
  }
  const format = quoteFileFormat(file);
  if (!format) {
    if (looksLikeData(file)) {
      await reply(client, upload.channel, threadTs, `I can only read quotes from a CSV or JSON file; *${file.name}* is neither. Export it as CSV and upload that.`, logger);
    }
    return 'settled';
  }
  const refused = refusal(config.access, { userId: upload.user, channelId: upload.channel });
  if (refused) {
    if (upload.user) {
      await client.chat
        .postEphemeral({ channel: upload.channel, user: upload.user, text: `${refused} (${file.name} was not synced.)` })
        .catch((error: unknown) => logger.warn({ error: slackFailure(error) }, 'could not post the refusal'));
    }
    return 'settled';
  }
  let message;
  try {
    message = await jobs.openMessage(upload.channel, `Reading *${file.name}*…`, threadTs);
  } catch (error) {
    // The next delivery of this upload (the other event, or Slack's retry) tries again.
    logger.warn({ channel: upload.channel, file: file.id, error: slackFailure(error) }, 'cannot post in the channel; the upload is left for its next delivery');
    return 'not-now';
  }
  try {
    const content = await downloadSlackFile(file, {
      token: config.slack.botToken!,
      apiUrl: config.slack.apiUrl,
      maxBytes: config.access.maxFileBytes,
    });
    const submitted = await jobs.submit(
      { name: file.name ?? file.id, content, format },
      message,
      { trigger: 'upload', ...(upload.user ? { user: upload.user } : {}) },
      { update: upload.update === true },
    );
    // In the same step as the job was recorded: a claim without a job means none started.
    await engine.bindTrigger(key, submitted.job.id);
    if (submitted.alreadyRunning) await jobs.say(message, `This file is already being synced by job \`${submitted.job.id}\`.`);
    return 'job';
  } catch (error) {
    await jobs.say(message, `:x: ${problem(error, logger)}`);
    return 'settled';
  }
}

type FileInfo =
  | { kind: 'found'; file: SlackFile; shares: unknown }
  /** `file_not_found` on every try, or `file_deleted`. */
  | { kind: 'gone'; code: string }
  /** Any other failure: worth a later delivery's try. */
  | { kind: 'failed' };

/** files.info, asked again (after a doubling wait) while it answers `file_not_found`, as Slack does for a moment right after an upload. */
async function fileInfo(client: Client, fileId: string, context: AppContext): Promise<FileInfo> {
  const { fileInfoAttempts, fileInfoRetryMs } = context.uploads;
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await client.files.info({ file: fileId });
      if (info.file) return { kind: 'found', file: info.file as SlackFile, shares: info.file.shares };
      return { kind: 'failed' };
    } catch (error) {
      const code = slackErrorCode(error);
      context.logger.warn({ file: fileId, attempt, error: slackFailure(error) }, 'files.info failed');
      if (code === 'file_deleted') return { kind: 'gone', code };
      if (code !== 'file_not_found') return { kind: 'failed' };
      if (attempt >= fileInfoAttempts) return { kind: 'gone', code };
      await sleepEndingOnAbort(fileInfoRetryMs * 2 ** (attempt - 1));
    }
  }
}

/** Said once, by the delivery that holds the claim: in the file's thread when known, else to the person privately. */
async function tellGone(client: Client, upload: Upload, threadTs: string | undefined, logger: AppContext['logger']): Promise<void> {
  const text = 'I could not find the file you just shared in Slack (was it deleted?), so it was not synced. Upload it again to sync it.';
  if (threadTs) return reply(client, upload.channel, threadTs, text, logger);
  if (!upload.user) return;
  await client.chat
    .postEphemeral({ channel: upload.channel, user: upload.user, text })
    .catch((error: unknown) => logger.warn({ error: slackFailure(error) }, 'could not say the file is gone'));
}

/**
 * The deliveries of one upload in this process take turns: one that comes while another holds the
 * claim waits, and claims it in turn if the one before gave it back, so no delivery is dropped
 * for a claim that then came to nothing.
 */
export class UploadTurns {
  private readonly queues = new Map<string, { tail: Promise<void>; waiting: number }>();

  async take(key: string, run: (othersWaiting: () => boolean) => Promise<void>): Promise<void> {
    const queue = this.queues.get(key) ?? { tail: Promise.resolve(), waiting: 0 };
    this.queues.set(key, queue);
    const before = queue.tail;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    queue.tail = mine;
    queue.waiting += 1;
    await before;
    queue.waiting -= 1;
    try {
      await run(() => queue.waiting > 0);
    } finally {
      done();
      if (queue.tail === mine) this.queues.delete(key);
    }
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
