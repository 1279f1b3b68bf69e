/**
 * The buttons on a job message: Cancel and Retry do what `/sync-quotes cancel <job>` and
 * `/sync-quotes retry <job>` do, for the same people (ALLOWED_USER_IDS / ALLOWED_CHANNEL_IDS).
 * Slack wants the ack within 3 seconds: it goes first, the work after. The thread says who did
 * what; whoever's press changed nothing (a refusal, a second press) hears why, privately.
 */
import type { App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { slackFailure } from '../src/errors.js';
import { refusal } from '../src/slack/access.js';
import type { AppContext } from '../src/slack/app/app.js';
import { slackOrigin } from '../src/slack/jobs/jobs.js';
import { JOB_ACTIONS, type JobAction } from '../src/slack/thread/job-message.js';

type ButtonPress = Pick<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>, 'ack' | 'body' | 'action' | 'respond'> & { client: WebClient };

export function register(app: App, context: AppContext): void {
  for (const kind of Object.keys(JOB_ACTIONS) as JobAction[]) {
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: JOB_ACTIONS[kind] }, (args) => handleJobButton(kind, args, context));
  }
}

export async function handleJobButton(kind: JobAction, { ack, body, action, respond, client }: ButtonPress, context: AppContext): Promise<void> {
  await ack();
  const { config, jobs, logger } = context;
  const jobId = action.value ?? '';
  const user = body.user.id;
  // A press on the Home tab has no channel: the job's own thread is where it happened.
  const home = slackOrigin((await context.store.jobs.get(jobId))?.origin);
  const channel = body.channel?.id ?? (body.container.channel_id ? String(body.container.channel_id) : (home?.channel ?? ''));
  const privately = (text: string) =>
    respond({ response_type: 'ephemeral', replace_original: false, text }).catch((error: unknown) =>
      logger.warn({ error: (error as Error).message }, 'could not answer through response_url'),
    );
  const refused = refusal(config.access, { userId: user, channelId: channel });
  if (refused) return void (await privately(refused));

  const outcome = kind === 'cancel' ? await jobs.cancelJob(jobId, { user }) : await jobs.retryJob(jobId, { user, channel });
  if (!outcome.applied) return void (await privately(outcome.reply));
  const pressed = body.message;
  const threadTs = typeof pressed?.thread_ts === 'string' ? pressed.thread_ts : (pressed?.ts ?? home?.threadTs);
  const say = async (what: string, call: () => Promise<unknown>) => {
    await call().catch((error: unknown) => logger.warn({ channel, jobId, what, error: slackFailure(error) }, 'slack call failed'));
  };
  if (kind === 'retry' && pressed) {
    // The retry narrates in a new message: this one's Retry no longer applies.
    await say('take the Retry button away', () =>
      client.chat.update({ channel, ts: pressed.ts, text: pressed.text ?? '', blocks: withoutButtons(pressed.blocks) }),
    );
  }
  await say('say who pressed', () =>
    client.chat.postMessage({ channel, text: `${kind === 'cancel' ? 'Cancelled' : 'Retried'} by <@${user}>.`, ...(threadTs ? { thread_ts: threadTs } : {}) }),
  );
}

/** The message's blocks without its buttons (its text sections stay). */
function withoutButtons(blocks: unknown): { type: string }[] {
  return Array.isArray(blocks) ? (blocks as { type: string }[]).filter((b) => b.type !== 'actions') : [];
}
