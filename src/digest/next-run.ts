/** When the daily digest runs next, as node-cron computes it: shown on the Home tab. */
import { createTask, validate } from 'node-cron';

/**
 * The next time after now that `cron` matches in `timezone`; undefined when either is not valid
 * (the app would not have started with them: see scheduleDigest).
 */
export function nextDigestRun(cron: string, timezone: string): Date | undefined {
  if (!validate(cron) || !isTimeZone(timezone)) return undefined;
  // A task that is never started, asked for its next match, then removed from node-cron's registry.
  const task = createTask(cron, () => undefined, { timezone, name: NEXT_RUN_TASK });
  try {
    return task.getNextRuns(1)[0];
  } finally {
    // Destroying a task that never started has nothing to stop; a failure here changes nothing.
    void Promise.resolve(task.destroy()).catch(() => undefined);
  }
}

export const NEXT_RUN_TASK = 'quote-sync-digest-next-run';

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
