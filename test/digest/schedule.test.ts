import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectDigestChart, renderDigestChart } from '../../src/digest/chart.js';
import { collectDigest, digestMessage, emptyDigestText } from '../../src/digest/content.js';
import { dayIn, postDigest, scheduleDigest, type DigestSchedule, type PostDigestOptions } from '../../src/digest/schedule.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import type { Quote } from '../../src/quotes/model.js';
import { JobStore } from '../../src/store/index.js';
import { startSlackServer, type LocalSlack } from '../fakes/local-slack.js';
import { tempDbPath } from '../support/harness.js';
import { storeBackends } from '../support/store.js';

const CHANNEL = 'C0123456789';

let slack: LocalSlack;
let stores: JobStore[] = [];
beforeEach(async () => {
  slack = await startSlackServer();
});
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  await slack.close();
});

/** The digests posted to the channel (each chart is a reply in its thread). */
function digests() {
  return slack.messages.filter((m) => m.threadTs === undefined);
}

/** The files the bot uploaded, with the message that shared them. */
function uploads() {
  return [...slack.files.values()].filter((f) => f.user === slack.botUserId);
}

/** A store whose clock the test sets, like one app instance; `path` shares a file with another. */
async function instance(path: string, at: string) {
  let current = new Date(at);
  const store = await JobStore.open(path, { now: () => current });
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

async function writeOneQuote(store: JobStore): Promise<string> {
  const quote: Quote = { id: 'q1', text: 'Support answered in under an hour.', relevanceScore: 0.9, category: 'Support', sentiment: 'positive' };
  const parsed = { format: 'json' as const, quotes: [{ row: 1, quote }], rejected: [], duplicates: [], warnings: [] };
  const job = await store.jobs.create({ source: 'quotes.json', sourceSha256: 'sha', target: { kind: 'database', databaseId: 'db' }, parsed });
  await store.quotes.setState(job.id, quote.id, 'written', { pageId: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9' });
  await store.jobs.setState(job.id, 'done');
  return job.id;
}

describe('postDigest: one digest a day', () => {
  it('posts the digest of the store, blocks and text, to the channel', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await writeOneQuote(app.store);
    const result = await postDigest(app.options());
    const expected = digestMessage(await collectDigest(app.store, { now: new Date('2025-01-15T09:00:00Z') }));
    expect(result).toEqual({ posted: true, ts: digests()[0]?.ts, chart: { attached: true, filename: 'quote-sync-digest-2025-01-15.png' } });
    expect(digests().map((m) => ({ channel: m.channel, text: m.text, blocks: m.blocks }))).toEqual([
      { channel: CHANNEL, text: expected.text, blocks: expected.blocks },
    ]);
  });

  it('posts once when asked twice the same day', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await postDigest(app.options());
    app.set('2025-01-15T09:00:40Z'); // a restart within the scheduled minute fires it again
    expect(await postDigest(app.options())).toEqual({ posted: false, reason: 'already_posted' });
    expect(digests()).toHaveLength(1);
  });

  it.each(storeBackends())('posts once when three replicas on one $name store fire together', async ({ fresh }) => {
    const location = await fresh();
    const replicas = await Promise.all([0, 1, 2].map(() => instance(location, '2025-01-15T09:00:00Z')));
    const results = await Promise.all(replicas.map((r) => postDigest(r.options())));
    expect(results.filter((r) => r.posted)).toHaveLength(1);
    expect(digests()).toHaveLength(1);
  });

  it('posts again the next day', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await postDigest(app.options());
    app.set('2025-01-16T09:00:00Z');
    expect((await postDigest(app.options())).posted).toBe(true);
    expect(digests()).toHaveLength(2);
  });

  it('starts a new day at midnight in DIGEST_TZ, not in UTC', async () => {
    // 23:30 and 00:30 in Los Angeles (UTC-8 in January): one UTC day, two local days.
    const app = await instance(tempDbPath(), '2025-01-15T07:30:00Z');
    const la = { timezone: 'America/Los_Angeles' };
    await postDigest(app.options(la));
    app.set('2025-01-15T08:30:00Z');
    expect((await postDigest(app.options(la))).posted).toBe(true);
    expect(digests()).toHaveLength(2);
  });

  it('keeps to one digest across UTC midnight when DIGEST_TZ is still on the same day', async () => {
    // 15:00 and 23:00 on 15 January in Los Angeles: two UTC days, one local day.
    const app = await instance(tempDbPath(), '2025-01-15T23:00:00Z');
    const la = { timezone: 'America/Los_Angeles' };
    await postDigest(app.options(la));
    app.set('2025-01-16T07:00:00Z');
    expect(await postDigest(app.options(la))).toEqual({ posted: false, reason: 'already_posted' });
    expect(digests()).toHaveLength(1);
  });

  it('posts on request even after the day’s digest, and leaves the scheduled one due', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T08:55:00Z');
    expect((await postDigest(app.options({ force: true }))).posted).toBe(true);
    app.set('2025-01-15T09:00:00Z');
    expect((await postDigest(app.options())).posted).toBe(true);
    app.set('2025-01-15T09:05:00Z');
    expect((await postDigest(app.options({ force: true }))).posted).toBe(true);
    expect(digests()).toHaveLength(3);
  });

  it('gives the day back when Slack refuses the post, so a later attempt posts it', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T09:00:00Z');
    slack.injectNext('chat.postMessage', 'internal_error');
    await expect(postDigest(app.options())).rejects.toThrow(/internal_error/);
    app.set('2025-01-15T09:10:00Z');
    expect((await postDigest(app.options())).posted).toBe(true);
    expect(digests()).toHaveLength(1);
  });

  it('names the day in the time zone', async () => {
    expect(dayIn(new Date('2025-01-15T07:30:00Z'), 'America/Los_Angeles')).toBe('2025-01-14');
    expect(dayIn(new Date('2025-01-15T07:30:00Z'), 'Asia/Tokyo')).toBe('2025-01-15');
  });
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('postDigest: the chart in the digest’s thread', () => {
  it('uploads the day’s chart as a PNG into the digest’s thread', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await writeOneQuote(app.store);
    const result = await postDigest(app.options());
    const digest = digests()[0]!;
    expect(result).toMatchObject({ posted: true, ts: digest.ts, chart: { attached: true } });
    expect(uploads()).toHaveLength(1);
    const png = uploads()[0]!;
    expect(png).toMatchObject({ name: 'quote-sync-digest-2025-01-15.png', mimetype: 'image/png', channel: CHANNEL, threadTs: digest.ts });
    expect(png.content.subarray(0, 4)).toEqual(PNG_SIGNATURE);
    expect(png.size).toBe(png.content.length);
    // The bytes Slack holds are the chart of this digest's numbers, whole.
    const expected = renderDigestChart(await collectDigestChart(app.store, await collectDigest(app.store, { now: new Date('2025-01-15T09:00:00Z') }), 'UTC'));
    expect(png.content.equals(expected)).toBe(true);
    expect(slack.thread(CHANNEL, digest.ts).map((m) => m.files.map((f) => f.name))).toEqual([[], ['quote-sync-digest-2025-01-15.png']]);
  });

  it('gives an empty day its chart too: the text says nothing was synced, the picture shows the week', async () => {
    const app = await instance(tempDbPath(), '2025-01-12T10:00:00Z');
    await writeOneQuote(app.store); // in the week (the 24 hours to 13 Jan 09:00), not in the day
    app.set('2025-01-15T09:00:00Z');
    const result = await postDigest(app.options());
    expect(digests().map((m) => m.text)).toEqual([emptyDigestText(24)]);
    expect(result).toMatchObject({ chart: { attached: true } });
    const png = uploads()[0]!;
    expect(png.threadTs).toBe(digests()[0]!.ts);
    expect(png.content.subarray(0, 4)).toEqual(PNG_SIGNATURE);
    const chart = await collectDigestChart(app.store, await collectDigest(app.store, { now: new Date('2025-01-15T09:00:00Z') }), 'UTC');
    expect(chart.days.map((d) => d.written)).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(png.content.equals(renderDigestChart(chart))).toBe(true);
  });

  it('keeps the text digest and the day’s claim when Slack refuses the chart, and says why', async () => {
    const app = await instance(tempDbPath(), '2025-01-15T09:00:00Z');
    await writeOneQuote(app.store);
    slack.injectNext('files.completeUploadExternal', 'internal_error');
    const result = await postDigest(app.options());
    expect(result).toMatchObject({ posted: true, chart: { attached: false, problem: 'internal_error' } });
    expect(digests()).toHaveLength(1);
    expect(uploads()).toHaveLength(0);
    // The text is out: a second attempt that day would post it twice.
    app.set('2025-01-15T09:10:00Z');
    expect(await postDigest(app.options())).toEqual({ posted: false, reason: 'already_posted' });
  });
});

describe('scheduleDigest', () => {
  let schedule: DigestSchedule | undefined;
  afterEach(async () => {
    schedule?.stop();
    schedule = undefined;
    vi.useRealTimers();
  });

  it('refuses a bad DIGEST_CRON', async () => {
    const error = captureError(() => scheduleDigest({ cron: '0 25 * * *', timezone: 'UTC', run: async () => {}, logger: silentLogger }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable: 'DIGEST_CRON', message: expect.stringContaining('"0 25 * * *"') });
  });

  it('refuses a bad DIGEST_TZ', async () => {
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
