/**
 * When the app sweeps (./sweep.ts): once at start, then daily at RETENTION_CRON (UTC), with
 * node-cron as for the digest. A sweep never runs twice at once; one that fails is logged and the
 * next day's runs again. Every replica sweeps: a job is cleared once, under its lease, and each
 * replica's own data folder is swept by that replica.
 */
import { schedule } from 'node-cron';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobStore } from '../store/index.js';
import { sweepRetention } from './sweep.js';

/** Daily at 03:17 UTC: a quiet hour, on a minute no other schedule of the app uses. */
export const RETENTION_CRON = '17 3 * * *';

export interface RetentionSchedule {
  /** Stops the daily runs and waits for a sweep under way (it holds the store). */
  stop(): Promise<void>;
}

export function scheduleRetention(o: { run: () => Promise<unknown>; logger: Logger; cron?: string }): RetentionSchedule {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= o
      .run()
      .then(
        () => undefined,
        (error: unknown) => o.logger.error({ err: error }, 'the retention sweep failed; old fallback files and quote texts are kept until the next one (daily)'),
      )
      .finally(() => (running = undefined));
    return running;
  };
  const task = schedule(o.cron ?? RETENTION_CRON, sweep, { timezone: 'UTC', name: 'quote-sync-retention', noOverlap: true });
  void sweep();
  return {
    async stop() {
      // destroy, not stop: stop only pauses, and the task would stay in node-cron's registry.
      await Promise.resolve(task.destroy()).catch((error: unknown) => o.logger.warn({ err: error }, 'stopping the retention schedule failed'));
      await running;
    },
  };
}

/** The app's sweeps of `store` and its data folder, as the configuration says; undefined when RETENTION_DAYS is 0. */
export function startRetention(o: { store: JobStore; config: Config; logger: Logger }): RetentionSchedule | undefined {
  const { store, config, logger } = o;
  if (config.retentionDays === 0) return undefined;
  return scheduleRetention({ logger, run: () => sweepRetention({ store, dataDir: config.dataDir, days: config.retentionDays, logger }) });
}
