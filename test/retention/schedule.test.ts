/**
 * When the app sweeps: at start, then daily at 03:17 UTC; one sweep at a time; a failure is
 * logged and the next day's runs; stopping waits for the sweep under way. Fake timers, no waits.
 * And RETENTION_DAYS as the configuration reads it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { RETENTION_CRON, scheduleRetention, startRetention, type RetentionSchedule } from '../../src/retention/schedule.js';
import type { JobStore } from '../../src/store/index.js';

let schedule: RetentionSchedule | undefined;
afterEach(async () => {
  await schedule?.stop();
  schedule = undefined;
  vi.useRealTimers();
});

describe('scheduleRetention', () => {
  it('sweeps at once, then daily at 03:17 UTC', async () => {
    expect(RETENTION_CRON).toBe('17 3 * * *');
    vi.useFakeTimers({ now: new Date('2025-01-15T03:16:00Z') });
    const runs: string[] = [];
    schedule = scheduleRetention({ run: async () => void runs.push(new Date().toISOString()), logger: silentLogger });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual(['2025-01-15T03:16:00.000Z']);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(runs).toEqual(['2025-01-15T03:16:00.000Z', '2025-01-15T03:17:00.000Z']);
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(runs).toHaveLength(3);
  });

  it('logs a failed sweep, with what it means, and sweeps again the next day', async () => {
    vi.useFakeTimers({ now: new Date('2025-01-15T12:00:00Z') });
    const logged: { msg: string }[] = [];
    const logger = createLogger('error', { write: (line: string) => void logged.push(JSON.parse(line)) });
    let calls = 0;
    schedule = scheduleRetention({
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('disk full');
      },
      logger,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(logged.map((l) => l.msg)).toEqual(['the retention sweep failed; old fallback files and quote texts are kept until the next one (daily)']);
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(calls).toBe(2);
  });

  it('runs one sweep at a time, and stop waits for the one under way, then sweeps no more', async () => {
    vi.useFakeTimers({ now: new Date('2025-01-15T03:16:59Z') });
    let release!: () => void;
    let calls = 0;
    let finished = false;
    const running = scheduleRetention({
      run: async () => {
        calls += 1;
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      },
      logger: silentLogger,
    });
    // The 03:17 tick comes while the first sweep still runs: it is not started twice.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(1);
    const stopped = running.stop();
    let stoppedYet = false;
    void stopped.then(() => (stoppedYet = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stoppedYet).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(48 * 3_600_000);
    expect(calls).toBe(1);
  });
});

describe('RETENTION_DAYS', () => {
  const store = {} as JobStore;

  it('is 30 days by default; 0 keeps everything, and then the app schedules no sweep', () => {
    expect(loadConfig({}).retentionDays).toBe(30);
    expect(loadConfig({ RETENTION_DAYS: '7' }).retentionDays).toBe(7);
    const keepAll = loadConfig({ RETENTION_DAYS: '0' });
    expect(keepAll.retentionDays).toBe(0);
    expect(startRetention({ store, config: keepAll, logger: silentLogger })).toBeUndefined();
  });

  it('names the variable, the value and the form expected', () => {
    expect(() => loadConfig({ RETENTION_DAYS: 'forever' })).toThrow(ConfigError);
    expect(() => loadConfig({ RETENTION_DAYS: 'forever' })).toThrow(/RETENTION_DAYS is "forever": expected a whole number of at least 0/);
  });
});
