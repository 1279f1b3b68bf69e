import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseQuotes } from '../../../src/quotes/parse/index.js';
import { JobStore } from '../../../src/store/index.js';
import { fallbackCsv, fallbackRows, writeFallbackCsv } from '../../../src/sync/outcome/fallback.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const tempDbPath = () => join(mkdtempSync(join(tmpdir(), 'quote-sync-fallback-')), 'q.db');

const input = JSON.stringify([
  { text: '=HYPERLINK("http://evil","click")', category: '+cmd', sentiment: 'negative', relevance_score: -0.5, post: { url: 'https://www.reddit.com/r/a/comments/1/x/' } },
  { text: '@SUM(A1:A2) and "quotes", commas\nand a newline 👋🏽', relevance_justification: '-dash first', post: { url: 'https://www.reddit.com/r/b/comments/2/y/', title: '\tTabbed title' } },
  { text: "'already quoted", inserted_at: '2024-03-01' },
  { text: '   ', category: 'blank text row' },
  { text: 'written fine', post: { url: 'https://www.reddit.com/r/c/comments/3/z/' } },
  { text: '\rcarriage', subreddit: 'r/test' },
]);

async function jobWithFailures() {
  const store = await JobStore.open(tempDbPath());
  const parsed = parseQuotes(input, { filename: 'q.json' });
  const job = await store.jobs.create({ source: 'q.json', sourceSha256: 'x', target: { kind: 'parent', parentPageId: 'p', title: 'Q' }, parsed });
  for (const q of parsed.quotes) {
    if (q.quote.text === 'written fine') await store.quotes.setState(job.id, q.quote.id, 'written', { pageId: 'page' });
    else await store.quotes.setState(job.id, q.quote.id, 'failed', { reason: 'Notion was down (503), 8 times; gave up.' });
  }
  return { store, job, parsed };
}

describe('fallback CSV', () => {
  it('lists every unwritten quote with its reason and the rejected rows with their row numbers, in input order', async () => {
    const { store, job } = await jobWithFailures();
    const rows = await fallbackRows(store, job.id);
    expect(rows.map((r) => r.row)).toEqual(['1', '2', '3', '4', '6']);
    expect(rows.find((r) => r.row === '4')).toMatchObject({ category: 'blank text row', reason: expect.stringMatching(/text/) });
    expect(rows[0]).toMatchObject({ reason: 'Notion was down (503), 8 times; gave up.', relevance_score: '-0.5' });
  });

  it('escapes every formula-like cell so a spreadsheet shows it as text', async () => {
    const { store, job } = await jobWithFailures();
    const csv = fallbackCsv(await fallbackRows(store, job.id));
    const lines = csv.split('\n');
    expect(lines[0]).toBe('id,text,category,sentiment,relevance_score,relevance_justification,reddit_url,subreddit,post_title,inserted_at,reason,row');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"",""click"")"`);
    expect(csv).toContain("'+cmd");
    expect(csv).toContain("'-0.5");
    expect(csv).toContain("'-dash first");
    expect(csv).toContain("''already quoted");
    expect(csv).toMatch(/"'@SUM/);
    // Tab and carriage return lead no quote (the parser trims them), but any cell is escaped.
    const row = Object.fromEntries(Object.keys((await fallbackRows(store, job.id))[0]!).map((c) => [c, ''])) as Awaited<ReturnType<typeof fallbackRows>>[number];
    const tabbed = fallbackCsv([{ ...row, text: '\tx', post_title: '\ry', reason: '=1+1' }]);
    expect(tabbed.split('\n')[1]).toBe(`,'\tx,,,,,,,"'\ry",,'=1+1,`);
  });

  it('parses back to exactly the quotes that were not written, ids included', async () => {
    const { store, job, parsed } = await jobWithFailures();
    const path = await writeFallbackCsv(store, job.id, dirname(tempDbPath()));
    expect(path).toMatch(/not-written\.csv$/);
    const back = parseQuotes(readFileSync(path!), { filename: path! });
    const unwritten = parsed.quotes.filter((q) => q.quote.text !== 'written fine').map((q) => q.quote);
    expect(back.quotes.map((q) => q.quote)).toEqual(unwritten);
    expect(back.rejected).toHaveLength(1); // the blank-text row, handed back for a person to fix
  });

  it('writes nothing when every quote is in Notion', async () => {
    const store = await JobStore.open(tempDbPath());
    const parsed = parseQuotes('text\nhello\n', { format: 'csv' });
    const job = await store.jobs.create({ source: 'q.csv', sourceSha256: 'y', target: { kind: 'parent', parentPageId: 'p', title: 'Q' }, parsed });
    await store.quotes.setState(job.id, parsed.quotes[0]!.quote.id, 'written', { pageId: 'x' });
    expect(await writeFallbackCsv(store, job.id, dirname(tempDbPath()))).toBeUndefined();
  });
});
