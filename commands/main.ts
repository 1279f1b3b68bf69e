/**
 * `npm start`: runs the Slack app until SIGTERM or SIGINT. Configuration problems stop it at once
 * with one message naming every bad or missing variable (exit 2); both Notion targets set is said
 * in a warning (the database wins). On a signal it stops taking work, lets the Notion request in
 * flight finish, and leaves unfinished jobs to resume at the next start.
 */
import { loadConfig, processEnv } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { startApp } from '../src/slack/app/app.js';
import { appSettingProblems } from '../src/slack/app/app-settings.js';
import { bothTargetsNote } from '../src/sync/target/notion-settings.js';
import { settingProblems as digestSettingProblems } from './digest.js';
import { register, routes } from './index.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(processEnv(), { require: (c) => [...appSettingProblems(c), ...digestSettingProblems(c)] });
  } catch (error) {
    fail(error);
    return;
  }
  const logger = createLogger(config.logLevel);
  const note = bothTargetsNote(config);
  if (note) logger.warn({ databaseId: config.notion.databaseId, parentPageId: config.notion.parentPageId }, note);
  const starting = startApp({ config, logger, register, routes });
  // Signals are handled from the first moment: one that arrives while starting stops the app once it is up.
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    void starting
      .then((running) => running.stop())
      .then(
        () => process.exit(0),
        () => process.exit(process.exitCode ?? 1),
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  try {
    await starting;
  } catch (error) {
    fail(error);
    process.exit();
  }
}

function fail(error: unknown): void {
  if (error instanceof ConfigError) {
    process.stderr.write(`quote-sync: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`quote-sync: could not start: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

await main();
