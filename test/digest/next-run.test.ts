import { getTasks } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { NEXT_RUN_TASK, nextDigestRun } from '../../src/digest/next-run.js';

describe('nextDigestRun', () => {
  it('is the next time the expression matches in the time zone', () => {
    const before = Date.now();
    const next = nextDigestRun('0 9 * * *', 'UTC')!;
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime() - before).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect(next.toISOString()).toMatch(/T09:00:00\.000Z$/);
    const kolkata = nextDigestRun('30 9 * * *', 'Asia/Kolkata')!;
    expect(kolkata.toISOString()).toMatch(/T04:00:00\.000Z$/);
  });

  it('is undefined for an expression or time zone the app would not start with, and leaves no task behind', () => {
    expect(nextDigestRun('not cron', 'UTC')).toBeUndefined();
    expect(nextDigestRun('0 9 * * *', 'Mars/Olympus')).toBeUndefined();
    nextDigestRun('0 9 * * *', 'UTC');
    expect([...getTasks().values()].filter((t) => t.name === NEXT_RUN_TASK)).toEqual([]);
  });
});
