/**
 * The daily digest: posted on DIGEST_CRON in DIGEST_TZ to DIGEST_CHANNEL_ID (once a day however
 * many instances run, as the store records the day), and on demand by `/sync-quotes digest` in
 * the channel where it was asked for.
 */
import type { App } from '@slack/bolt';
import type { Config } from '../src/config.js';
import { digestSettingProblems, postDigest, scheduleDigest } from '../src/digest/schedule.js';
import { slackErrorCode, type ConfigProblem } from '../src/errors.js';
import type { AppContext } from '../src/slack/app/app.js';
import { problem } from './command-place.js';
import type { ExtraSubcommands } from './sync-quotes.js';

/** DIGEST_CRON and DIGEST_TZ when they cannot be used and the digest is on, for the start-up's one message. */
export function settingProblems(config: Config): ConfigProblem[] {
  return config.digest.channelId ? digestSettingProblems(config.digest.cron, config.digest.timezone) : [];
}

/** Starts the schedule when DIGEST_CHANNEL_ID is set; a bad DIGEST_CRON or DIGEST_TZ throws a ConfigError. */
export function register(app: App, context: AppContext): void {
  const { config, store, logger } = context;
  const channel = config.digest.channelId;
  if (!channel) return;
  const schedule = scheduleDigest({
    cron: config.digest.cron,
    timezone: config.digest.timezone,
    logger,
    run: async () => {
      await postDigest({ client: app.client, channel, store, now: () => new Date(), timezone: config.digest.timezone, logger });
    },
  });
  context.onStop(() => schedule.stop());
  logger.info({ channel, cron: config.digest.cron, timezone: config.digest.timezone }, 'daily digest scheduled');
}

export function digestSubcommand(app: App, context: AppContext): Pick<ExtraSubcommands, 'digest'> {
  return {
    digest: async (where) => {
      try {
        const result = await postDigest({
          client: app.client,
          channel: where.channel,
          store: context.store,
          now: () => new Date(),
          timezone: context.config.digest.timezone,
          force: true,
          logger: context.logger,
        });
        const posted = 'Posted the digest of the last 24 hours in this channel';
        if (result.posted && !result.chart.attached) return `${posted}; its chart could not be attached (${result.chart.problem}).`;
        return `${posted}, with its chart in the thread.`;
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === 'not_in_channel' || code === 'channel_not_found') return 'I am not in this channel: invite me with `/invite @Quote Sync`, then ask again.';
        return `The digest could not be posted: ${problem(error, context.logger)}`;
      }
    },
  };
}
