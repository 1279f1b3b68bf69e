/**
 * What the entry points share to answer the person behind a request: where a command was typed,
 * a job thread opened there, and the sentence for an error.
 */
import { QuoteSyncError, slackErrorCode, slackFailure } from '../src/errors.js';
import type { AppContext } from '../src/slack/app/app.js';
import type { JobMessage } from '../src/slack/jobs/jobs.js';

/** Who typed the command, in which channel, and how to answer them privately. */
export interface CommandPlace {
  channel: string;
  user: string;
  respond: (text: string) => Promise<void>;
}

/** A new thread in the channel for a job; when the bot cannot post there, the person is told privately. */
export async function openThread(where: CommandPlace, text: string, context: AppContext): Promise<JobMessage | undefined> {
  try {
    return await context.jobs.openMessage(where.channel, text);
  } catch (error) {
    const code = slackErrorCode(error);
    context.logger.warn({ channel: where.channel, error: slackFailure(error) }, 'cannot post in the channel');
    await where.respond(
      code === 'not_in_channel' || code === 'channel_not_found'
        ? 'I am not in this channel, so I cannot start a thread here: invite me with `/invite @Quote Sync`, then try again.'
        : `Slack did not let me post in this channel (${code ?? 'no answer'}). Try again in a minute.`,
    );
    return undefined;
  }
}

/** The sentence for a person: our errors carry one; anything else is logged and summarised. */
export function problem(error: unknown, logger: AppContext['logger']): string {
  if (error instanceof QuoteSyncError) return error.message;
  logger.error({ err: error }, 'unexpected error in a trigger');
  return 'Something unexpected went wrong on our side; the details are in the app log. Nothing was written.';
}
