/**
 * A CSV this app exports (the fallback CSV: QUOTE_CSV_COLUMNS, cells formula-escaped, written
 * by papaparse) must parse back to exactly the quotes it was made from, ids included, so a
 * person can upload it again to finish a job.
 */
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { escapeCell } from '../../src/quotes/cells.js';
import { QUOTE_CSV_COLUMNS, type Quote, type QuoteRow } from '../../src/quotes/model.js';
import { parseQuotes } from '../../src/quotes/parse/index.js';
import { makeQuoteRecords } from '../support/quote-factory.js';

/** What the fallback writer does with a quote that was not written. */
function exportCsv(rows: readonly QuoteRow[], reason: string): string {
  const cells = (q: Quote, row: number): string[] => [
    q.id,
    q.text,
    q.category ?? '',
    q.sentiment ?? '',
    q.relevanceScore === undefined ? '' : String(q.relevanceScore),
    q.relevanceJustification ?? '',
    q.redditUrl ?? '',
    q.subreddit ?? '',
    q.postTitle ?? '',
    q.insertedAt ?? '',
    reason,
    String(row),
  ];
  return Papa.unparse({ fields: [...QUOTE_CSV_COLUMNS], data: rows.map((r) => cells(r.quote, r.row).map(escapeCell)) });
}

const POST = 'https://www.reddit.com/r/SaaS/comments/1hq2x7k/what_tool/';
const NASTY = [
  { text: '=HYPERLINK("http://evil.example","click me")', category: '=cmd', post: { url: POST, title: '+1 to this' } },
  { text: '-5% churn since March', category: '-Pricing', relevance_score: -0.5, relevance_justification: '@channel look' },
  { text: '+44 20 7946 0958 is their support line', sentiment: 'neg', post: { url: POST, title: '@mention' } },
  { text: '@everyone the export is broken' },
  { text: "'=already escaped by someone", relevance_justification: "'+quoted" },
  { text: "''two apostrophes", post_title: "'" },
  { text: "'Tis the season for renewals" },
  { text: 'Commas, "double quotes", and \'single\' ones', category: 'Pricing, billing', subreddit: 'r/Sub,Name' },
  { text: 'Line one\nLine two\r\nLine three\n\nafter a blank line', relevance_justification: 'multi\nline' },
  { text: 'Tab\tinside and trailing spaces inside  quotes' },
  { text: '👨‍👩‍👧‍👦 family, 🇩🇪🇯🇵 flags, 👍🏽 skin tone, 🏳️‍🌈 and \u200d joiners' },
  { text: 'עברית עם סימן כיוון \u200f ו-English mixed', category: 'עברית' },
  { text: 'الدعم الفني رد خلال ساعة، وهذا نادر جداً', subreddit: 'عربي' },
  { text: '引用「これはテストです」，逗号，中文', category: '価格' },
  { text: 'सेटअप बहुत आसान था, लेकिन कीमत ज़्यादा है।' },
  { text: 'text,category,sentiment', category: 'looks like a header' },
  { text: 'id with a formula', id: '=1+1' },
  { text: 'URL with commas and quotes', post: { url: 'https://www.reddit.com/r/SaaS/comments/2/x/?q=a,b&c="d"' } },
  { text: 'dates', inserted_at: '2025-01-06 10:00:00' },
  { text: 'date only', inserted_at: '2024-02-29' },
  { text: 'epoch', inserted_at: 1736157600 },
  { text: 'score as percent', relevance_score: '57%' },
  { text: 'tiny score', relevance_score: 1e-7 },
  { text: 'x'.repeat(200_001) },
];

describe('export round trip', () => {
  it('parses the app’s own export back to the same quotes, ids included', () => {
    const original = parseQuotes(JSON.stringify(NASTY), { format: 'json' });
    expect(original.rejected).toEqual([]);
    expect(original.quotes).toHaveLength(NASTY.length);

    const csv = exportCsv(original.quotes, 'Notion answered 409 eight times');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click me"")"`);
    expect(csv).toContain("'-0.5");

    const back = parseQuotes(csv, { filename: 'quote-sync-unwritten.csv' });
    expect(back.warnings).toEqual([]);
    expect(back.rejected).toEqual([]);
    expect(back.duplicates).toEqual([]);
    expect(back.quotes.map((q) => q.quote)).toEqual(original.quotes.map((q) => q.quote));
  });

  it('holds for generated quotes too, and again for an export of the export', () => {
    const original = parseQuotes(JSON.stringify(makeQuoteRecords(500, 99)), { format: 'json' });
    const once = parseQuotes(exportCsv(original.quotes, 'circuit open'), { format: 'csv' });
    const twice = parseQuotes(exportCsv(once.quotes, 'again'), { format: 'csv' });
    expect(once.quotes.map((q) => q.quote)).toEqual(original.quotes.map((q) => q.quote));
    expect(twice.quotes.map((q) => q.quote)).toEqual(original.quotes.map((q) => q.quote));
  });
});
