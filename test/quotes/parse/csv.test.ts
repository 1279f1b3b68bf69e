import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { INPUT_WARNING_ROW, parseQuotes } from '../../../src/quotes/parse/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/quotes/${name}`, import.meta.url));
const parseFixture = (name: string) => parseQuotes(fixture(name), { filename: `uploads/${name}` });
const unusable = (name: string): InputError => {
  try {
    parseFixture(name);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`${name} parsed without an InputError`);
};
const texts = (parsed: ReturnType<typeof parseQuotes>) => parsed.quotes.map((q) => q.quote.text);

describe('CSV input that is unusable as a whole', () => {
  it('an empty file', () => {
    expect(unusable('empty.csv').message).toBe('empty.csv is empty.');
  });

  it('a file of blank lines', () => {
    expect(unusable('blank-lines.csv').message).toBe('blank-lines.csv is empty.');
  });

  it('a header without rows', () => {
    expect(unusable('header-only.csv').message).toBe('header-only.csv has a header row but no quote rows.');
  });

  it('no text column: names the columns it found', () => {
    expect(unusable('no-text-column.csv').message).toBe(
      'no-text-column.csv has no text column (one named text or quote); its columns are: name, score, Reddit Link.',
    );
  });

  it('no valid quote: says why for the first rows', () => {
    expect(unusable('all-blank-text.csv').message).toBe(
      'all-blank-text.csv has no valid quote: all 2 rows were rejected (row 2: the text is empty; row 3: the text is empty).',
    );
  });

  it('not UTF-8', () => {
    expect(unusable('latin1.csv').message).toMatch(/^latin1\.csv is not UTF-8 text\. Save it as UTF-8/);
  });

  it('names the input generically without a file name', () => {
    expect(() => parseQuotes('   \n')).toThrow(new InputError('The input is empty.'));
  });
});

describe('CSV rows numbered as a spreadsheet shows them', () => {
  it('rejects rows with too few or too many cells; a quoted multi-line cell stays one row', () => {
    const parsed = parseFixture('field-count.csv');
    expect(parsed.quotes.map((q) => [q.row, q.quote.text])).toEqual([
      [2, 'A fine quote'],
      [3, 'A quote that\nspans two lines'],
      [6, 'Trailing empty cells are fine'],
      [7, 'Last good quote'],
    ]);
    expect(parsed.rejected).toEqual([
      {
        row: 4,
        reason: 'row 4: it has 2 cells but the header has 3 (a line break outside quotes?)',
        raw: { text: 'Too few cells', category: 'Pricing' },
      },
      {
        row: 5,
        reason: 'row 5: it has 4 cells but the header has 3 (a comma outside quotes?)',
        raw: { text: 'Too many', category: ' cells', sentiment: 'Pricing', 'column 4': 'positive' },
      },
    ]);
  });

  it('rejects the row with an unterminated quote, saying it swallowed the rest of the file', () => {
    const parsed = parseFixture('unterminated-quote.csv');
    expect(texts(parsed)).toEqual(['First quote', 'Second quote']);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]).toMatchObject({
      row: 4,
      reason: expect.stringMatching(/^row 4: a quoted cell is never closed .* to the end of the file/),
      raw: { text: 'Third quote never closes,Support\nFourth quote,Pricing\n' },
    });
  });

  it('rejects the row with a stray quote mark and reads on', () => {
    const parsed = parseFixture('stray-quote.csv');
    expect(parsed.quotes.map((q) => q.row)).toEqual([2, 4]);
    expect(parsed.rejected).toMatchObject([{ row: 3, reason: expect.stringMatching(/^row 3: a quoted cell has a stray "/) }]);
  });

  it('counts blank lines as rows and skips them', () => {
    const parsed = parseFixture('blank-text.csv');
    expect(parsed.quotes.map((q) => [q.row, q.quote.text])).toEqual([
      [2, 'A real quote'],
      [7, 'Another real quote'],
    ]);
  });

  it('counts blank lines before the header', () => {
    const parsed = parseQuotes('\n\ntext\nhello\n', { format: 'csv' });
    expect(parsed.quotes).toMatchObject([{ row: 4, quote: { text: 'hello' } }]);
  });
});

describe('CSV text', () => {
  it('rejects blank and whitespace-only text with its row, keeping the row as read', () => {
    const parsed = parseFixture('blank-text.csv');
    expect(parsed.rejected).toEqual([
      { row: 3, reason: 'row 3: the text is empty', raw: { text: '', category: 'Pricing', reddit_url: 'https://www.reddit.com/r/SaaS/comments/a2/x/' } },
      { row: 4, reason: 'row 4: the text is empty', raw: { text: '   ', category: 'Support', reddit_url: 'https://www.reddit.com/r/SaaS/comments/a3/x/' } },
      { row: 5, reason: 'row 5: the text is empty', raw: { text: '\n\t\n', category: 'Support', reddit_url: 'https://www.reddit.com/r/SaaS/comments/a4/x/' } },
    ]);
  });

  it('keeps emoji (ZWJ sequences, flags, skin tones) and other scripts exactly', () => {
    const parsed = parseFixture('unicode.csv');
    expect(parsed.rejected).toEqual([]);
    expect(parsed.warnings).toEqual([]);
    expect(texts(parsed)).toEqual([
      'Family plan works for all of us 👨‍👩‍👧‍👦 finally',
      'Shipping from 🇩🇪 to 🇯🇵 took two days 🚀',
      'Skin tones render fine 👍🏽👋🏿',
      '料金プランが分かりにくくて、結局サポートに問い合わせました。',
      '这个工具的同步功能非常稳定。',
      'الدعم الفني رد خلال ساعة، وهذا نادر جداً.',
      'सेटअप बहुत आसान था, लेकिन कीमत ज़्यादा है।',
      'Line one\nLine two — with an em dash',
    ]);
    expect(parsed.quotes.map((q) => q.quote.subreddit)).toEqual(['SaaS', 'smallbusiness', 'productivity', 'japan', 'China', 'arabs', 'india', 'test']);
    expect(parsed.quotes.map((q) => q.quote.category)).toContain('الدعم');
  });

  it.each([2001, 200_001])('keeps a text of %d characters as it is (the Notion mapping decides)', (length) => {
    const long = '🚀'.repeat(50) + 'x'.repeat(length - 100);
    expect(long.length).toBe(length);
    const parsed = parseQuotes(`text,category\n"${long}",Pricing\n`, { filename: 'long.csv' });
    expect(parsed.quotes[0]!.quote.text).toBe(long);
  });

  it('undoes formula escaping in every cell, keeping apostrophes people typed', () => {
    const parsed = parseFixture('formula-cells.csv');
    expect(parsed.quotes.map((q) => [q.quote.text, q.quote.postTitle])).toEqual([
      ['=HYPERLINK("http://evil.example","click")', '+1 for this'],
      ['-5% churn since the price change', '@channel read this'],
      ["'quoted' is how they describe it", 'Title'],
      ["'Tis the season for renewals", 'Title'],
      ['=1+1 typed by hand', 'Title'],
    ]);
  });
});

describe('CSV duplicates', () => {
  it('keeps the first of identical quotes, also when spacing, case and URL spelling differ', () => {
    const parsed = parseFixture('duplicates.csv');
    expect(parsed.quotes.map((q) => q.row)).toEqual([2, 5, 6]);
    const firstId = parsed.quotes[0]!.quote.id;
    expect(parsed.duplicates).toEqual([
      { row: 3, id: firstId, firstRow: 2 },
      { row: 4, id: firstId, firstRow: 2 },
    ]);
    expect(new Set(parsed.quotes.map((q) => q.quote.id)).size).toBe(3);
  });

  it('treats rows with the same own id as duplicates', () => {
    const parsed = parseQuotes('id,text\next-1,first\next-1,second\n', { format: 'csv' });
    expect(parsed.quotes).toMatchObject([{ row: 2, quote: { id: 'ext-1', text: 'first' } }]);
    expect(parsed.duplicates).toEqual([{ row: 3, id: 'ext-1', firstRow: 2 }]);
  });
});

describe('CSV fields that cannot be used', () => {
  const parsed = parseFixture('bad-fields.csv');
  const quote = (row: number) => parsed.quotes.find((q) => q.row === row)!.quote;

  it('keeps every row that has a text', () => {
    expect(parsed.quotes).toHaveLength(10);
    expect(parsed.rejected).toEqual([]);
  });

  it('uses good values as normalised', () => {
    expect(quote(2)).toEqual({
      id: expect.stringMatching(/^q_[0-9a-f]{24}$/),
      text: 'All good',
      category: 'Pricing',
      sentiment: 'positive',
      relevanceScore: 0.85,
      redditUrl: 'https://www.reddit.com/r/SaaS/comments/b1/x/',
      subreddit: 'SaaS',
      insertedAt: '2025-01-06',
    });
  });

  it('drops each bad value with a warning naming row, field and value', () => {
    expect(parsed.warnings).toEqual([
      { row: 3, message: 'row 3: relevance_score "high" is not a number, so it was left out.' },
      { row: 4, message: 'row 4: relevance_score "NaN" is not a number, so it was left out.' },
      { row: 5, message: 'row 5: relevance_score "Infinity" is not a number, so it was left out.' },
      { row: 6, message: 'row 6: reddit_url "ftp://files.example.com/x" is not an http(s) URL, so it was left out.' },
      { row: 7, message: 'row 7: reddit_url "see the post above" is not an http(s) URL, so it was left out.' },
      { row: 8, message: 'row 8: inserted_at "2024-02-30" is not a real calendar date, so it was left out.' },
      {
        row: 9,
        message: 'row 9: inserted_at "last Tuesday" is not an ISO 8601 date, "YYYY-MM-DD HH:MM:SS" or epoch time, so it was left out.',
      },
      { row: 10, message: 'row 10: sentiment "furious" is not one of positive, negative, neutral, mixed, so it was left out.' },
      {
        row: 11,
        message:
          'row 11: category "Pricing, billing, and plans" has commas, which a Notion select option cannot hold; written as "Pricing billing and plans".',
      },
    ]);
    expect(quote(3)).not.toHaveProperty('relevanceScore');
    expect(quote(6)).not.toHaveProperty('redditUrl');
    expect(quote(8)).not.toHaveProperty('insertedAt');
    expect(quote(10)).not.toHaveProperty('sentiment');
  });

  it('reads 85% as 0.85, a space-separated date-time as UTC and the subreddit from the URL', () => {
    expect(quote(11)).toMatchObject({
      category: 'Pricing billing and plans',
      relevanceScore: 0.85,
      insertedAt: '2025-01-06T14:30:00.000Z',
      subreddit: 'SaaS',
    });
  });

  it('cuts a long bad value in the warning', () => {
    const long = parseQuotes(`text,relevance_score\nx,${'9'.repeat(10)}${'z'.repeat(200)}\n`, { format: 'csv' });
    expect(long.warnings[0]!.message).toBe(`row 2: relevance_score "${'9'.repeat(10)}${'z'.repeat(50)}…" is not a number, so it was left out.`);
  });
});

describe('CSV headers and encodings', () => {
  it('matches headers loosely, reads reason/row without writing them and keeps unknown columns as extra fields', () => {
    const parsed = parseFixture('loose-headers.csv');
    expect(parsed.quotes).toEqual([
      {
        row: 2,
        quote: {
          id: 'ext-42',
          text: 'Loose headers still work',
          category: 'Pricing',
          sentiment: 'negative',
          relevanceScore: 0.7,
          relevanceJustification: 'Named a competitor',
          redditUrl: 'https://www.reddit.com/r/SaaS/comments/h1/x/',
          subreddit: 'SaaS',
          postTitle: 'Why we left',
          insertedAt: '2025-01-06T13:45:00.000Z',
          extra: { Upvotes: '17' },
        },
      },
    ]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.ignored).toEqual(['Reason', 'Row']);
  });

  it('uses the first of two columns for one field, with a warning, and does not write the other', () => {
    const parsed = parseFixture('two-text-columns.csv');
    expect(texts(parsed)).toEqual(['from text']);
    expect(parsed.quotes[0]!.quote).not.toHaveProperty('extra');
    expect(parsed.warnings).toEqual([
      {
        row: INPUT_WARNING_ROW,
        message: 'two-text-columns.csv has more than one column for text (text, quote); the first, text, was used and the other was not written.',
      },
    ]);
  });

  it('says "the others" when three columns hold one field', () => {
    const parsed = parseQuotes('text,quote,Text\nfirst,second,third\n', { filename: 'three.csv' });
    expect(texts(parsed)).toEqual(['first']);
    expect(parsed.quotes[0]!.quote).not.toHaveProperty('extra');
    expect(parsed.warnings).toEqual([
      { row: 0, message: 'three.csv has more than one column for text (text, quote, Text); the first, text, was used and the others were not written.' },
    ]);
  });

  it('keeps every other column by its header: a blank one as "column N", a repeated one with its column; blank cells left out, cells trimmed', () => {
    const parsed = parseQuotes(
      'text,Upvotes,,Note,Note,comment url\nfirst, 17 ,no header,a,b,\nsecond,,,,  ,https://example.com/c\nthird,,,,,\n',
      { filename: 'extra.csv' },
    );
    expect(parsed.quotes.map((q) => [q.row, q.quote])).toEqual([
      [2, { id: expect.stringMatching(/^q_/), text: 'first', extra: { Upvotes: '17', 'column 3': 'no header', Note: 'a', 'Note (column 5)': 'b' } }],
      [3, { id: expect.stringMatching(/^q_/), text: 'second', extra: { 'comment url': 'https://example.com/c' } }],
      [4, { id: expect.stringMatching(/^q_/), text: 'third' }],
    ]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.ignored).toEqual([]);
  });

  it('undoes formula escaping in extra columns as in known ones', () => {
    const parsed = parseQuotes("text,Formula\nx,'=SUM(1)\n", { format: 'csv' });
    expect(parsed.quotes[0]!.quote.extra).toEqual({ Formula: '=SUM(1)' });
  });

  it('strips a UTF-8 BOM and reads CRLF, also inside quoted cells', () => {
    const bytes = fixture('bom-crlf.csv');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.includes('\r\n')).toBe(true);
    const parsed = parseFixture('bom-crlf.csv');
    expect(parsed.quotes.map((q) => [q.row, q.quote.text, q.quote.category])).toEqual([
      [2, 'First, with a comma', 'Pricing'],
      [3, 'Second\nover two lines', 'Support'],
      [4, 'Third', 'Onboarding'],
    ]);
    expect(parsed.warnings).toEqual([]);
  });

  it('reads a file whose line ends change half way (CRLF, then LF)', () => {
    const parsed = parseFixture('mixed-line-endings.csv');
    expect(parsed.quotes.map((q) => [q.row, q.quote.text, q.quote.category])).toEqual([
      [2, 'First', 'Pricing'],
      [3, 'Second, quoted', 'Support'],
      [4, 'Appended later with LF', 'Pricing'],
      [5, 'And another', 'Support'],
    ]);
  });

  it('reads UTF-16 with a byte order mark (Excel "Unicode text")', () => {
    expect(texts(parseFixture('utf16.csv'))).toEqual(['UTF-16 from Excel 🚀']);
  });

  it('detects semicolon and tab delimiters from the header', () => {
    expect(parseFixture('semicolon.csv').quotes[0]!.quote).toMatchObject({
      text: 'European Excel writes semicolons, and commas in text',
      relevanceScore: 0.5,
    });
    expect(parseQuotes('text\tcategory\nTabbed, with a comma\tPricing\n', { format: 'csv' }).quotes[0]!.quote).toMatchObject({
      text: 'Tabbed, with a comma',
      category: 'Pricing',
    });
  });

  it('reads a .tsv file as tab-separated even with commas in its header', () => {
    const parsed = parseQuotes('text\tcategory, more\nTabbed\tPricing\n', { filename: 'q.tsv' });
    expect(parsed.quotes[0]!.quote.text).toBe('Tabbed');
  });
});
