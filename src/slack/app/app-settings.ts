/**
 * What the Slack app needs from its configuration before it starts, as a list of every problem
 * (each a sentence naming the variable and what it should be), so one `npm start` names them all.
 * The listeners' own settings (the digest's schedule) are checked by `commands/`, which adds them.
 */
import type { Config } from '../../config.js';
import { ConfigError, type ConfigProblem } from '../../errors.js';
import { syncSettingProblems } from '../../sync/target/notion-settings.js';

/** Shorter than this, a shared secret can be guessed. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** Every setting the app cannot run without, or cannot use as given; empty when it can start. */
export function appSettingProblems(config: Config): ConfigProblem[] {
  const { slack, gumloop } = config;
  const problems: ConfigProblem[] = [];
  if (!slack.botToken) {
    problems.push({ variable: 'SLACK_BOT_TOKEN', message: 'SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from the app\'s "OAuth & Permissions" page.' });
  }
  if (!slack.appToken && !slack.signingSecret) {
    problems.push({
      variable: 'SLACK_SIGNING_SECRET',
      message: 'SLACK_SIGNING_SECRET is not set: the signing secret from the app\'s "Basic Information" page (or set SLACK_APP_TOKEN for Socket Mode).',
    });
  } else if (slack.appToken && !slack.appToken.startsWith('xapp-')) {
    problems.push({ variable: 'SLACK_APP_TOKEN', message: 'SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write scope.' });
  }
  if (gumloop.webhookSecret && gumloop.webhookSecret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    problems.push({
      variable: 'GUMLOOP_WEBHOOK_SECRET',
      message: `GUMLOOP_WEBHOOK_SECRET is too short: use at least ${MIN_WEBHOOK_SECRET_LENGTH} random characters (e.g. \`openssl rand -hex 32\`).`,
    });
  }
  // The same words as the command line's. A target is not needed: each channel may choose its own in Slack.
  problems.push(...syncSettingProblems(config, {}, { target: false }));
  return problems;
}

/** Throws one ConfigError naming every problem appSettingProblems finds. */
export function checkAppConfig(config: Config): void {
  const problems = appSettingProblems(config);
  if (problems.length > 0) throw ConfigError.naming(problems);
}
