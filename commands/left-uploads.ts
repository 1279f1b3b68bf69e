/**
 * Uploads whose claim was left without a job: the process that claimed the file stopped before the
 * job existed, and Slack may never deliver the event again. At start and in each search for
 * left-behind jobs (SlackJobs.onScan), every such claim older than the take-over timeout is taken
 * up again from the event kept with it, exactly as a redelivery of that event would be: the same
 * thread, the same messages, and one job however many replicas look at once (the take-over of a
 * claim is one statement; the replica that loses it stops there).
 */
import { z } from 'zod';
import type { AppContext } from '../src/slack/app/app.js';
import type { TriggerEvent } from '../src/store/triggers.js';
import type { SlackFile } from '../src/slack/files.js';

/** A file shared in a channel, as its delivery (or the claim kept for it) says: what the upload handler (file-upload.ts) syncs. */
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

/** The kind of the event an upload's claim keeps (store: trigger_events.kind). */
export const UPLOAD_EVENT_KIND = 'slack-upload';

/** What an upload's claim keeps: all the delivery said, so that taking it up again needs nothing more from Slack. */
export function uploadEvent(upload: Upload): TriggerEvent {
  return { kind: UPLOAD_EVENT_KIND, payload: upload };
}

const text = z.string().optional();
/** An Upload as `uploadEvent` kept it (JSON: unset fields are absent). */
const keptUpload = z.object({
  channel: z.string(),
  user: text,
  file: z.object({
    id: z.string(),
    name: text,
    title: text,
    filetype: text,
    mimetype: text,
    size: z.number().optional(),
    user: text,
    mode: text,
    url_private: text,
    url_private_download: text,
  }),
  threadTs: text,
  botUserId: text,
  update: z.boolean().optional(),
});

/** The upload a claim kept, or undefined when it is not one (kept by a version of the app that stored another shape). Pure. */
export function readKeptUpload(payload: unknown): Upload | undefined {
  const parsed = keptUpload.safeParse(payload);
  if (!parsed.success) return undefined;
  const { channel, user, file, threadTs, botUserId, update } = parsed.data;
  const { id, ...details } = file;
  const known = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
  return {
    channel,
    user,
    file: { id, ...known },
    botUserId,
    ...(threadTs !== undefined ? { threadTs } : {}),
    ...(update !== undefined ? { update } : {}),
  };
}

/**
 * Takes up, through `take` (the upload handler, which claims the file first), each upload whose
 * claim is still without a job after `context.uploads.claimTakeoverMs`. Returns how many it tried.
 */
export async function takeUpLeftUploads(context: AppContext, take: (upload: Upload) => Promise<void>): Promise<number> {
  const { engine, logger, store, uploads } = context;
  let tried = 0;
  for (const claim of await store.triggers.leftUnbound(UPLOAD_EVENT_KIND, uploads.claimTakeoverMs)) {
    const upload = readKeptUpload(claim.payload);
    if (!upload) {
      // Not looked at again; a redelivery of the upload still takes the claim over.
      logger.warn({ key: claim.key }, 'an upload claim left without a job keeps an event this version cannot read: only a redelivery of the upload takes it up');
      await engine.settleTrigger(claim.key);
      continue;
    }
    logger.info({ key: claim.key, channel: upload.channel, file: upload.file.id }, 'taking up an upload whose claim was left without a job');
    await take(upload);
    tried += 1;
  }
  return tried;
}
