import { WebClient, LogLevel } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { SlackThreadReporter } from '../../../src/slack/thread/thread.js';
import { parseQuotes } from '../../../src/quotes/parse/index.js';
import { startSlackServer, type LocalSlack } from '../../fakes/local-slack.js';
import { makeQuoteRecords } from '../../support/quote-factory.js';
import { startHarness, type Harness } from '../../support/harness.js';

const CHANNEL = 'C0123456789';
let harness: Harness | undefined;
let slack: LocalSlack | undefined;
afterEach(async () => {
  await harness?.close();
  await slack?.close();
  harness = slack = undefined;
});

function client(s: LocalSlack) {
  return new WebClient(s.token, { slackApiUrl: s.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 2, factor: 1, minTimeout: 5, maxTimeout: 10 } });
}

const json = (records: unknown) => ({ name: 'quotes.json', content: JSON.stringify(records) });

describe('the job thread in Slack', () => {
  it('posts the job, edits it with progress no faster than the interval, and ends with the summary', async () => {
    // 150 quotes at 100/s: about 1.5 s of writing, so several edits at a 250 ms interval.
    harness = await startHarness({ env: { NOTION_REQUESTS_PER_SECOND: '100' } });
    // The reporter spaces edits 250 ms apart as it sends them; the server allows 50, leaving room for arrival jitter on a busy machine.
    slack = await startSlackServer({ minIntervalMs: { 'chat.update': 50 } });
    const reporter = new SlackThreadReporter({ client: client(slack), channel: CHANNEL, source: 'quotes.json', logger: silentLogger, updateIntervalMs: 250 });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(150, 41)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, { reporter });

    const thread = slack.thread(CHANNEL, reporter.threadTs!);
    expect(thread).toHaveLength(1);
    const message = thread[0]!;
    expect(message.history[0]).toMatch(/^Job `[0-9a-f]{10}`: writing 150 quote\(s\) from \*quotes\.json\* into <https:\/\/www\.notion\.so\/\w+\|Quotes>\.$/);
    expect(message.history.length).toBeGreaterThan(3);
    expect(message.history.some((t) => /█+░*` \d+% \(\d+\/150\)/.test(t))).toBe(true);
    expect(message.text).toMatch(/:white_check_mark: Done\. 150 written, 0 already there/);
    expect(message.text).toContain(report.databases[0]!.url);
    const updates = slack.calls.filter((c) => c.method === 'chat.update');
    expect(updates.filter((c) => c.status === 429)).toEqual([]);
    const gaps = updates.slice(1, -1).map((c, i) => c.at - updates[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
  });

  it('takes over a message posted for the job, and paces that first edit like the others', async () => {
    harness = await startHarness({ env: { NOTION_REQUESTS_PER_SECOND: '100' } });
    slack = await startSlackServer({ minIntervalMs: { 'chat.update': 50 } });
    const web = client(slack);
    const posted = await web.chat.postMessage({ channel: CHANNEL, text: 'Reading *quotes.json*…' });
    const reporter = new SlackThreadReporter({ client: web, channel: CHANNEL, messageTs: posted.ts!, source: 'quotes.json', logger: silentLogger, updateIntervalMs: 250 });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(60, 43)), harness.engine.targetFor());
    await harness.engine.run(job.id, { reporter });
    expect(slack.messages).toHaveLength(1);
    const message = slack.messages[0]!;
    expect(message.history[0]).toBe('Reading *quotes.json*…');
    expect(message.history[1]).toMatch(/^Job `[0-9a-f]{10}`: writing 60 quote\(s\)/);
    expect(message.text).toContain(':white_check_mark: Done. 60 written');
    expect(slack.calls.filter((c) => c.method === 'chat.update' && c.status === 429)).toEqual([]);
  });

  it('posts breaker alerts as replies and attaches the CSV of what was not written', async () => {
    harness = await startHarness({ env: { BREAKER_WINDOW: '10', BREAKER_COOLDOWN_MS: '10' } });
    slack = await startSlackServer();
    harness.notion.injectNext('POST /v1/pages', 'conflict', 10);
    const reporter = new SlackThreadReporter({ client: client(slack), channel: CHANNEL, source: 'run-42.json', logger: silentLogger, updateIntervalMs: 20 });
    let revoked = false;
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(40, 42)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, {
      reporter: {
        started: (i) => reporter.started(i),
        progress: (p) => {
          reporter.progress(p);
          if (!revoked && p.counts.written >= 20) {
            revoked = true;
            harness!.notion.revokeToken();
          }
        },
        event: (e) => reporter.event(e),
        note: (m) => reporter.note(m),
        finished: (r) => reporter.finished(r),
      },
    });
    expect(report.state).toBe('failed');
    const thread = slack.thread(CHANNEL, reporter.threadTs!);
    const texts = thread.map((m) => m.text);
    expect(texts.some((t) => /^:rotating_light: Circuit breaker opened \(trip 1\): 100% of the last 10 writes met a conflict/.test(t))).toBe(true);
    expect(texts.some((t) => t.startsWith(':large_green_circle: A probe quote was written'))).toBe(true);
    expect(thread[0]!.text).toMatch(/:warning: Finished, but not every quote is in Notion\. Once the cause is fixed, `\/sync-quotes retry [0-9a-f]{10}` writes the rest\. 20 written/);
    expect(thread[0]!.text).toMatch(/NOTION_TOKEN/);
    const upload = thread.find((m) => m.files.length > 0)!;
    expect(upload.text).toMatch(/^This file holds the 20 quote\(s\) Notion did not take, each with the reason\. Once the cause is fixed, upload this file here again/);
    expect(upload.files[0]!.name).toMatch(/not-written\.csv$/);
    const csv = parseQuotes(upload.files[0]!.content, { format: 'csv' });
    expect(csv.quotes.map((q) => q.quote.id).sort()).toEqual(report.failed.map((f) => f.id).sort());
  });

  it("names an endpoint's own limit in the thread once, however often it answers, and the job goes on", async () => {
    // Creates: 20 per 1 s window. 60 quotes meet it twice or more.
    harness = await startHarness({ notion: { endpointLimits: { 'POST /v1/pages': { requests: 20, windowSeconds: 1 } } }, env: { NOTION_REQUESTS_PER_SECOND: '200' } });
    slack = await startSlackServer();
    const reporter = new SlackThreadReporter({ client: client(slack), channel: CHANNEL, source: 'quotes.json', logger: silentLogger, updateIntervalMs: 50 });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(60, 44)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, { reporter });
    expect(report).toMatchObject({ state: 'done', written: 60 });
    expect(harness.notion.rateLimited().endpoint).toBeGreaterThanOrEqual(2);
    const replies = slack.thread(CHANNEL, reporter.threadTs!).map((m) => m.history.at(-1)!).filter((t) => /endpoint_rate_limit/.test(t));
    expect(replies).toEqual([
      expect.stringMatching(/^:hourglass_flowing_sand: Notion's own limit on page creates \(429 public_api_endpoint_rate_limit\): page creates wait 1 s; other requests go on\. The job goes on by itself\.$/),
    ]);
  });

  it('honours Slack 429s and still lands the final state', async () => {
    harness = await startHarness();
    slack = await startSlackServer({ retryAfterSeconds: 1 });
    const reporter = new SlackThreadReporter({ client: client(slack), channel: CHANNEL, source: 'q.json', logger: silentLogger, updateIntervalMs: 0 });
    slack.injectNext('chat.update', 'ratelimited', 2);
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(5, 43)), harness.engine.targetFor());
    await harness.engine.run(job.id, { reporter });
    expect(slack.calls.filter((c) => c.method === 'chat.update' && c.status === 429)).toHaveLength(2);
    expect(slack.thread(CHANNEL, reporter.threadTs!)[0]!.text).toMatch(/Done\. 5 written/);
  });

  it('never stops the job when Slack fails: the quotes are still written', async () => {
    harness = await startHarness();
    slack = await startSlackServer({ channels: [] });
    const reporter = new SlackThreadReporter({ client: client(slack), channel: CHANNEL, source: 'q.json', logger: silentLogger });
    const { job } = await harness.engine.prepare(json(makeQuoteRecords(5, 44)), harness.engine.targetFor());
    const report = await harness.engine.run(job.id, { reporter });
    expect(report.written).toBe(5);
    expect(slack.calls.every((c) => c.error === 'channel_not_found')).toBe(true);
  });
});

describe('what the input held, in the thread', () => {
  it('lists every warning: in the reply while they fit, and all of them in an attached file when they do not', async () => {
    harness = await startHarness();
    slack = await startSlackServer();
    const reporter = new SlackThreadReporter({ client: client(slack), channel: CHANNEL, source: 'quotes.json', logger: silentLogger, updateIntervalMs: 10 });
    // 80 quotes whose score is not a number: 80 warnings, more than one reply holds.
    const records = Array.from({ length: 80 }, (_, i) => ({ text: `quote ${i}`, relevance_score: `high ${i}`, persona: 'PM' }));
    const { job } = await harness.engine.prepare(json(records), harness.engine.targetFor());
    await harness.engine.run(job.id, { reporter });
    const thread = slack.thread(CHANNEL, reporter.threadTs!);
    const reply = thread.find((m) => m.text.startsWith('*Fields:*'))!;
    expect(reply.text).toContain('• persona → Persona (text, added)');
    expect(reply.text).toContain('*Warnings (80):*\n• row 1: relevance_score "high 0" is not a number, so it was left out.');
    expect(reply.text.length).toBeLessThanOrEqual(4000);
    const more = /…and (\d+) more, in the attached file\.$/.exec(reply.text);
    expect(more).not.toBeNull();
    const attached = thread.find((m) => m.files.some((f) => f.name.endsWith('-warnings.txt')))!;
    const lines = attached.files[0]!.content.trimEnd().split('\n');
    expect(lines).toHaveLength(80);
    expect(lines[79]).toBe('row 80: relevance_score "high 79" is not a number, so it was left out.');
  });
});
