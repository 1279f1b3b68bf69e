import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectDigest, digestMessage } from '../../src/digest/content.js';
import { dayIn, postDigest, scheduleDigest, type DigestSchedule, type PostDigestOptions } from '../../src/digest/schedule.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import type { Quote } from '../../src/quotes/model.js';
import { JobStore } from '../../src/store/index.js';
import { startSlackServer, type LocalSlack } from '../fakes/local-slack.js';
import { tempDbPath } from '../support/harness.js';

const CHANNEL = 'C0123456789';

let slack: LocalSlack;
let stores: JobStore[] = [];
beforeEach(async () => {
  slack = await startSlackServer();
});
afterEach(async () => {
  for (const s of stores) s.close();
  stores = [];
  await slack.close();
});

/** A store whose clock the test sets, like one app instance; `path` shares a file with another. */
function instance(path: string, at: string) {
  let current = new Date(at);
  const store = new JobStore(path, { now: () => current });
  stores.push(store);
  const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 } });
  const options = (extra: Partial<PostDigestOptions> = {}): PostDigestOptions => ({
    client,
    channel: CHANNEL,
    store,
    now: () => current,
    timezone: 'UTC',
    logger: silentLogger,
    ...extra,
  });
  return { store, options, set: (iso: string) => (current = new Date(iso)) };
}

function writeOneQuote(store: JobStore): string {
  const quote: Quote = { id: 'q1', text: 'Support answered in under an hour.', relevanceScore: 0.9, category: 'Support', sentiment: 'positive' };
  const parsed = { format: 'json' as const, quotes: [{ row: 1, quote }], rejected: [], duplicates: [], warnings: [] };
  const job = store.jobs.create({ source: 'quotes.json', sourceSha256: 'sha', target: { kind: 'database', databaseId: 'db' }, parsed });
  store.quotes.setState(job.id, quote.id, 'written', { pageId: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9' });
  store.jobs.setState(job.id, 'done');
  return job.id;
}

describe('postDigest: one digest a day', () => {
  it('posts the digest of the store, blocks and text, to the channel', async () => {
    const app = instance(tempDbPath(), '2025-01-15T09:00:00Z');
    writeOneQuote(app.store);
    const result = await postDigest(app.options());
    const expected = digestMessage(collectDigest(app.store, { now: new Date('2025-01-15T09:00:00Z') }));
    expect(result).toEqual({ posted: true, ts: slack.messages[0]?.ts });
    expect(slack.messages.map((m) => ({ channel: m.channel, text: m.text, blocks: m.blocks }))).toEqual([
      { channel: CHANNEL, text: expected.text, blocks: expected.blocks },
    ]);
  });

  it('posts once when asked twice the same day', async () => {
    const app = instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await postDigest(app.options());
    app.set('2025-01-15T09:00:40Z'); // a restart within the scheduled minute fires it again
    expect(await postDigest(app.options())).toEqual({ posted: false, reason: 'already_posted' });
    expect(slack.messages).toHaveLength(1);
  });

  it('posts once when two app instances on one store fire together', async () => {
    const path = tempDbPath();
    const a = instance(path, '2025-01-15T09:00:00Z');
    const b = instance(path, '2025-01-15T09:00:00Z');
    const results = await Promise.all([postDigest(a.options()), postDigest(b.options())]);
    expect(results.filter((r) => r.posted)).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);
  });

  it('posts again the next day', async () => {
    const app = instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await postDigest(app.options());
    app.set('2025-01-16T09:00:00Z');
    expect((await postDigest(app.options())).posted).toBe(true);
    expect(slack.messages).toHaveLength(2);
  });

  it('starts a new day at midnight in DIGEST_TZ, not in UTC', async () => {
    // 23:30 and 00:30 in Los Angeles (UTC-8 in January): one UTC day, two local days.
    const app = instance(tempDbPath(), '2025-01-15T07:30:00Z');
    const la = { timezone: 'America/Los_Angeles' };
    await postDigest(app.options(la));
    app.set('2025-01-15T08:30:00Z');
    expect((await postDigest(app.options(la))).posted).toBe(true);
    expect(slack.messages).toHaveLength(2);
  });

  it('keeps to one digest across UTC midnight when DIGEST_TZ is still on the same day', async () => {
    // 15:00 and 23:00 on 15 January in Los Angeles: two UTC days, one local day.
    const app = instance(tempDbPath(), '2025-01-15T23:00:00Z');
    const la = { timezone: 'America/Los_Angeles' };
    await postDigest(app.options(la));
    app.set('2025-01-16T07:00:00Z');
    expect(await postDigest(app.options(la))).toEqual({ posted: false, reason: 'already_posted' });
    expect(slack.messages).toHaveLength(1);
  });

  it('posts on request even after the day’s digest, and leaves the scheduled one due', async () => {
    const app = instance(tempDbPath(), '2025-01-15T08:55:00Z');
    expect((await postDigest(app.options({ force: true }))).posted).toBe(true);
    app.set('2025-01-15T09:00:00Z');
    expect((await postDigest(app.options())).posted).toBe(true);
    app.set('2025-01-15T09:05:00Z');
    expect((await postDigest(app.options({ force: true }))).posted).toBe(true);
    expect(slack.messages).toHaveLength(3);
  });

  it('gives the day back when Slack refuses the post, so a later attempt posts it', async () => {
    const app = instance(tempDbPath(), '2025-01-15T09:00:00Z');
    slack.injectNext('chat.postMessage', 'internal_error');
    await expect(postDigest(app.options())).rejects.toThrow(/internal_error/);
    app.set('2025-01-15T09:10:00Z');
    expect((await postDigest(app.options())).posted).toBe(true);
    expect(slack.messages).toHaveLength(1);
  });

  it('names the day in the time zone', () => {
    expect(dayIn(new Date('2025-01-15T07:30:00Z'), 'America/Los_Angeles')).toBe('2025-01-14');
    expect(dayIn(new Date('2025-01-15T07:30:00Z'), 'Asia/Tokyo')).toBe('2025-01-15');
  });
});

describe('scheduleDigest', () => {
  let schedule: DigestSchedule | undefined;
  afterEach(() => {
    schedule?.stop();
    schedule = undefined;
    vi.useRealTimers();
  });

  it('refuses a bad DIGEST_CRON', () => {
    const error = captureError(() => scheduleDigest({ cron: '0 25 * * *', timezone: 'UTC', run: async () => {}, logger: silentLogger }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable: 'DIGEST_CRON', message: expect.stringContaining('"0 25 * * *"') });
  });

  it('refuses a bad DIGEST_TZ', () => {
    const error = captureError(() => scheduleDigest({ cron: '0 9 * * *', timezone: 'Europe/Atlantis', run: async () => {}, logger: silentLogger }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable: 'DIGEST_TZ', message: expect.stringContaining('"Europe/Atlantis"') });
  });

  it('runs at the scheduled minute in DIGEST_TZ', async () => {
    vi.useFakeTimers({ now: new Date('2025-01-15T13:59:00Z') }); // 08:59 in New York
    const runs: string[] = [];
    schedule = scheduleDigest({
      cron: '0 9 * * *',
      timezone: 'America/New_York',
      run: async () => void runs.push(new Date().toISOString()),
      logger: silentLogger,
    });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(runs).toEqual(['2025-01-15T14:00:00.000Z']);
  });

  it('logs a failed run and runs again the next day', async () => {
    vi.useFakeTimers({ now: new Date('2025-01-15T13:59:30Z') });
    const logged: { level: number; msg: string }[] = [];
    const logger = createLogger('error', { write: (line: string) => void logged.push(JSON.parse(line)) });
    let calls = 0;
    schedule = scheduleDigest({
      cron: '0 9 * * *',
      timezone: 'America/New_York',
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('Slack is down');
      },
      logger,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(logged.map((l) => l.msg)).toEqual(['the daily digest failed; the next one runs at the next scheduled time']);
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(calls).toBe(2);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
