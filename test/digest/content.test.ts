import type { KnownBlock } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDigest, digestMessage, escapeMrkdwn, notionPageUrl, truncate, type DigestData } from '../../src/digest/content.js';
import { silentLogger } from '../../src/logger.js';
import type { ParsedQuotes, Quote } from '../../src/quotes/model.js';
import { JobStore } from '../../src/store/index.js';
import { SyncEngine } from '../../src/sync/run/engine.js';
import type { SyncReport } from '../../src/sync/outcome/report.js';
import { makeQuoteRecords } from '../support/quote-factory.js';
import { seededRandom, startHarness, tempDbPath, type Harness } from '../support/harness.js';

/** A clock the store stamps with; tests move it. */
function testClock(iso: string) {
  let current = new Date(iso);
  return { now: () => current, set: (at: string) => (current = new Date(at)) };
}

const json = (records: unknown) => ({ name: 'quotes.json', content: JSON.stringify(records) });
/** JSON.stringify writes a lone surrogate (half an emoji) as an escape, and whole pairs as they are. */
const ESCAPED_SURROGATE = /\\ud[89a-f][0-9a-f]{2}/i;

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

function fieldTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.fields ? b.fields.map((f) => f.text) : []));
}

function tally(values: (string | undefined)[]): Map<string | undefined, number> {
  const out = new Map<string | undefined, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

describe('the digest of a day of real jobs against the local Notion', () => {
  let harness: Harness;
  let store: JobStore;
  let data: DigestData;
  let message: { text: string; blocks: KnownBlock[] };
  let busy: SyncReport;
  let revoked: SyncReport;
  let oldFailed: SyncReport;
  let yesterday: SyncReport;

  beforeAll(async () => {
    // Injected 429s ask for a 50 ms wait, so the day costs milliseconds.
    harness = await startHarness({ seed: 5, notion: { rateLimit: { requestsPerSecond: 10_000, retryAfterSeconds: 0.05 } } });
    const clock = testClock('2025-03-01T10:00:00Z');
    store = await JobStore.open(tempDbPath(), { now: clock.now });
    const engine = await SyncEngine.open({ config: harness.config, store, logger: silentLogger, random: seededRandom(5) });
    const sync = async (records: unknown[]) => engine.run((await engine.prepare(json(records), engine.targetFor())).job.id);

    // A week ago: a job that could not reach Notion and was never retried.
    harness.notion.revokeToken();
    oldFailed = await sync(makeQuoteRecords(3, 51));
    harness.notion.restoreToken();

    // Two days ago: a clean job, outside the window.
    clock.set('2025-03-08T12:00:00Z');
    yesterday = await sync(makeQuoteRecords(4, 52));

    // In the window: a busy job (ten 409s in a row trip the breaker, two 429s, a copy, an empty row) ...
    clock.set('2025-03-09T10:00:00Z');
    const records: unknown[] = makeQuoteRecords(40, 53);
    (records[1] as { category: string }).category = 'R&D <team>';
    records.push({ ...(records[0] as object) }, { text: '', category: 'Pricing' });
    harness.notion.injectNext('POST /v1/pages', 'conflict', 10);
    harness.notion.injectNext('POST /v1/pages', 'rate_limited', 2);
    busy = await sync(records);

    // ... and one that Notion refused.
    clock.set('2025-03-09T11:00:00Z');
    harness.notion.revokeToken();
    revoked = await sync(makeQuoteRecords(5, 54));
    harness.notion.restoreToken();

    data = await collectDigest(store, { now: new Date('2025-03-10T09:00:00Z') });
    message = digestMessage(data);
  });

  afterAll(async () => {
    await store.close();
    await harness.close();
  });

  it('lists the jobs of the window with their outcome, and only those', async () => {
    expect(data.jobs.map((j) => [j.id, j.state])).toEqual([
      [busy.jobId, 'done'],
      [revoked.jobId, 'failed'],
    ]);
  });

  it('counts the quotes settled in the window', async () => {
    expect(busy.written).toBe(40);
    expect(data.quotes).toEqual({ written: 40, alreadyPresent: 0, duplicates: 1, rejected: 1, failed: 5 });
  });

  it('counts what the writer absorbed, as the jobs reported it', async () => {
    expect(busy.breakerTrips).toBeGreaterThan(0);
    expect(data.absorbed).toEqual({
      conflicts: 10,
      rateLimits: 2,
      serverErrors: busy.retries.server + revoked.retries.server,
      breakerTrips: busy.breakerTrips + revoked.breakerTrips,
    });
    // Both handed something back: the busy one its empty row, the refused one every quote.
    expect([busy.fallbackCsv, revoked.fallbackCsv].every(Boolean)).toBe(true);
    expect(data.fallbacks).toBe(2);
  });

  it('breaks the written quotes down by category and sentiment', async () => {
    const written = (await store.quotes.list(busy.jobId)).filter((q) => q.state === 'written').map((q) => q.quote);
    expect(new Map(data.byCategory.map((t) => [t.value, t.count]))).toEqual(tally(written.map((q) => q.category)));
    expect(new Map(data.bySentiment.map((t) => [t.value, t.count]))).toEqual(tally(written.map((q) => q.sentiment)));
    expect(data.byCategory.map((t) => t.count)).toEqual([...data.byCategory.map((t) => t.count)].sort((a, b) => b - a));
  });

  it('shows the five most relevant quotes written, each linked to its Notion page', async () => {
    const written = (await store.quotes.list(busy.jobId)).filter((q) => q.state === 'written');
    const expected = [...written].sort((a, b) => (b.quote.relevanceScore ?? 0) - (a.quote.relevanceScore ?? 0)).slice(0, 5);
    expect(data.topQuotes.map((q) => q.relevance)).toEqual(expected.map((q) => q.quote.relevanceScore));
    const pagesInNotion = new Set(harness.notion.pages(busy.databases[0]!.dataSourceId).map((p) => String(p.id)));
    const sections = sectionTexts(message.blocks).join('\n');
    for (const q of data.topQuotes) {
      expect(pagesInNotion.has(q.pageId!)).toBe(true);
      expect(sections).toContain(`<https://www.notion.so/${q.pageId!.replace(/-/g, '')}|Open in Notion>`);
    }
  });

  it('lists every job still needing a person, old ones too, with the command to retry it', async () => {
    expect(data.needsPerson.map((j) => j.id)).toEqual([revoked.jobId, oldFailed.jobId]);
    const sections = sectionTexts(message.blocks).join('\n');
    for (const id of [revoked.jobId, oldFailed.jobId]) expect(sections).toContain(`\`/sync-quotes retry ${id}\``);
    expect(sections).not.toContain(`retry ${busy.jobId}`);
    expect(sections).not.toContain(`retry ${yesterday.jobId}`);
  });

  it('escapes &, < and > from the quotes in mrkdwn', async () => {
    const fields = fieldTexts(message.blocks).join('\n');
    expect(fields).toContain('R&amp;D &lt;team&gt;: 1');
    expect(fields).not.toContain('<team>');
  });

  it('sums the day up in the notification text', async () => {
    expect(message.text).toBe('Quote Sync, the last 24 hours: 2 job(s), 40 quote(s) written, 5 failed; 2 job(s) need a person.');
  });
});

describe('an empty day', () => {
  it('says so in one line', async () => {
    const store = await JobStore.open(':memory:', { now: () => new Date('2025-03-07T09:00:00Z') });
    const job = await createWrittenJob(store, [quote('q1', 'An old quote.', 0.9)]);
    await store.jobs.setState(job, 'done');
    const message = digestMessage(await collectDigest(store, { now: new Date('2025-03-10T09:00:00Z') }));
    expect(message).toEqual({
      text: 'No quotes were synced in the last 24 hours.',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'No quotes were synced in the last 24 hours.' } }],
    });
    await store.close();
  });
});

describe("Slack's limits", () => {
  it('holds 2000 long quotes with emoji and 300 failed jobs in 50 blocks and short enough texts', async () => {
    const store = await JobStore.open(':memory:', { now: () => new Date('2025-03-10T08:00:00Z') });
    const emoji = ['👨‍👩‍👧‍👦', '🇩🇪', '👍🏽', '🔥'];
    const quotes = Array.from({ length: 2000 }, (_, i) =>
      quote(`q${i}`, `${'Ünïcode & <tags> '.repeat(i % 7)}${emoji[i % 4]!.repeat(700)}`, (i % 100) / 100, `Category ${i} ${emoji[i % 4]!.repeat(40)} & more`),
    );
    await store.jobs.setState(await createWrittenJob(store, quotes), 'done');
    for (let i = 0; i < 300; i++) {
      const job = await createWrittenJob(store, []);
      await store.jobs.setState(job, 'failed', `Notion refused the token ${'🙅‍♀️'.repeat(400)}`);
    }
    const { text, blocks } = digestMessage(await collectDigest(store, { now: new Date('2025-03-10T09:00:00Z') }));

    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const t of sectionTexts(blocks)) expect(t.length).toBeLessThanOrEqual(3000);
    for (const b of blocks) if (b.type === 'section' && b.fields) expect(b.fields.length).toBeLessThanOrEqual(10);
    for (const t of fieldTexts(blocks)) expect(t.length).toBeLessThanOrEqual(2000);
    for (const b of blocks) if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    for (const b of blocks) if (b.type === 'context') expect(b.elements.length).toBeLessThanOrEqual(10);
    expect(JSON.stringify({ text, blocks })).not.toMatch(ESCAPED_SURROGATE);
    expect([...sectionTexts(blocks), ...fieldTexts(blocks)].some((t) => /…and \d+ more$/.test(t))).toBe(true);
    await store.close();
  });

  it('cuts a long text between emoji, never inside one, and marks the cut', async () => {
    const family = '👨‍👩‍👧‍👦';
    for (let pad = 0; pad < family.length + 2; pad++) {
      const cut = truncate('a'.repeat(pad) + family.repeat(50), 40);
      expect(cut.length).toBeLessThanOrEqual(40);
      expect(cut.endsWith('…')).toBe(true);
      expect(cut.slice(pad, -1).split(family).every((s) => s === '')).toBe(true);
    }
  });
});

describe('small pieces', () => {
  it('escapes only what Slack reads as control characters', async () => {
    expect(escapeMrkdwn('a & b <c> *d* "e"')).toBe('a &amp; b &lt;c&gt; *d* "e"');
  });

  it('links a Notion page by its id without dashes', async () => {
    expect(notionPageUrl('1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9')).toBe('https://www.notion.so/1f2e3d4c5b6a49788695a4b3c2d1e0f9');
  });
});

function quote(id: string, text: string, relevanceScore: number, category = 'Pricing'): Quote {
  return { id, text, relevanceScore, category, sentiment: 'positive' };
}

/** A job whose quotes are all written (page ids made up): for content that needs no Notion. */
async function createWrittenJob(store: JobStore, quotes: Quote[]): Promise<string> {
  const parsed: ParsedQuotes = { format: 'json', quotes: quotes.map((q, i) => ({ row: i + 1, quote: q })), rejected: [], duplicates: [], warnings: [] };
  const job = await store.jobs.create({ source: 'quotes.json', sourceSha256: 'sha', target: { kind: 'database', databaseId: 'db' }, parsed });
  for (const [i, q] of quotes.entries()) await store.quotes.setState(job.id, q.id, 'written', { pageId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` });
  return job.id;
}
