/**
 * Every field of a user's data lands in Notion, and a person's own database is respected: the
 * command line as people run it (a process of its own) against the local Notion, with the data
 * people really have (a Gumloop batch with fields beyond ours, a spreadsheet with its own column
 * names, a database made by hand with a formula and a created-time property).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@notionhq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { cli, runProcess } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

const GUMLOOP = fileURLToPath(new URL('../fixtures/quotes/gumloop-extra-fields.json', import.meta.url));
const dir = () => mkdtempSync(join(tmpdir(), 'quote-sync-fields-'));

function file(name: string, content: string): string {
  const path = join(dir(), name);
  writeFileSync(path, content);
  return path;
}

const run = runProcess;

type Props = Record<string, Record<string, unknown>>;
const plain = (v: Record<string, unknown> | undefined) => ((v?.rich_text ?? v?.title ?? []) as { plain_text: string }[]).map((t) => t.plain_text).join('');
const names = (v: Record<string, unknown> | undefined) => ((v?.multi_select ?? []) as { name: string }[]).map((o) => o.name);

function pagesOf(n: LocalNotion, dataSourceId: string): Props[] {
  return n.pages(dataSourceId).map((p) => p.properties as Props);
}

function creates(n: LocalNotion, from = 0) {
  return n.requests.slice(from).filter((r) => r.route === 'POST /v1/pages');
}

function schemaChanges(n: LocalNotion, from = 0) {
  return n.requests.slice(from).filter((r) => r.route === 'PATCH /v1/data_sources/:id');
}

describe('every field lands in Notion', () => {
  it('writes a realistic Gumloop batch whole: each extra field a property of its own, typed from its values, one request a quote', async () => {
    notion = await startNotionServer({ seed: 81 });
    const env = fastEnv(notion, tempDbPath());
    const first = await run(['sync', GUMLOOP, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ state: 'done', written: 3, failed: [], rejected: [] });
    expect(creates(notion)).toHaveLength(3);

    const where = Object.fromEntries((report.fields as { field: string; property: string; type: string }[]).map((f) => [f.field, `${f.property}: ${f.type}`]));
    expect(where).toEqual({
      text: 'Quote: title',
      category: 'Category: select',
      sentiment: 'Sentiment: select',
      relevance_score: 'Relevance: number',
      relevance_justification: 'Justification: rich_text',
      reddit_url: 'Reddit URL: url',
      subreddit: 'Subreddit: select',
      post_title: 'Post Title: rich_text',
      inserted_at: 'Date Added: date',
      id: 'Quote ID: rich_text',
      comment_url: 'Comment URL: url',
      author: 'Author: rich_text',
      upvotes: 'Upvotes: number',
      tags: 'Tags: multi_select',
      persona: 'Persona: rich_text',
      pain_point: 'Pain Point: rich_text',
      is_op: 'Is Op: checkbox',
      '🔥 heat': '🔥 Heat: number',
      'post.author': 'Post Author: rich_text',
      'post.score': 'Post Score: number',
      'post.num_comments': 'Post Num Comments: number',
    });
    // The terminal says it too: the fields, the properties added, every warning.
    expect(first.stderr).toContain('fields: 21 field(s), 11 new properties: "Comment URL", "Author", "Upvotes"');
    expect(first.stderr).toContain('  post.author → Post Author (text, added)');
    expect(first.stderr).toMatch(/warnings \(2\):\n {2}row 1: tags item "csv, excel" has commas.*\n {2}row 2: tags item "A tag that goes on/);
    expect(report.warnings).toHaveLength(2);

    const input = JSON.parse(readFileSync(GUMLOOP, 'utf8')) as Record<string, unknown>[];
    const pages = pagesOf(notion, report.databases[0].dataSourceId);
    expect(pages.map((p) => plain(p.Quote))).toEqual(input.map((i) => i.quote));
    const [p1, p2, p3] = pages as [Props, Props, Props];
    // Over 2000 characters: split into rich text items, never cut.
    expect(plain(p1['Pain Point'])).toBe(input[0]!.pain_point);
    expect((p1['Pain Point']!.rich_text as unknown[]).length).toBe(3);
    expect(p1['Post Author']).toMatchObject({ rich_text: [{ plain_text: 'u_founder' }] });
    expect(p1['Post Num Comments']).toMatchObject({ number: 87 });
    expect(p1['Comment URL']).toMatchObject({ url: 'https://www.reddit.com/r/SaaS/comments/abc123/exports/kx1/' });
    expect(p1['Is Op']).toMatchObject({ checkbox: false });
    expect(p2['Is Op']).toMatchObject({ checkbox: true });
    expect(p1['🔥 Heat']).toMatchObject({ number: 3 });
    // Absent from an item, or empty: nothing written.
    expect(p3['🔥 Heat']).toMatchObject({ number: null });
    expect(p2.Persona).toMatchObject({ rich_text: [] });
    // Tags within Notion's option limits, said in the warnings.
    expect(names(p1.Tags)).toEqual(['exports', 'csv excel', 'data quality']);
    expect(names(p2.Tags)[2]).toHaveLength(100);
    expect(names(p3.Tags)).toEqual(['encoding', 'ä ö ü']);
    // A key that differs from a known one only in case and spaces is that field.
    expect(p3.Relevance).toMatchObject({ number: 0.7 });

    // A later batch with the same keys: the same properties, nothing added, nothing written twice.
    const mark = notion.requests.length;
    const again = await run(['sync', GUMLOOP, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 0, alreadyPresent: 3 });
    expect(schemaChanges(notion, mark)).toEqual([]);
    expect(creates(notion, mark)).toEqual([]);
  });

  it('reads a spreadsheet with its own column names: numbers, true/false and links typed, formula-like cells as text', async () => {
    notion = await startNotionServer({ seed: 82 });
    const env = fastEnv(notion, tempDbPath());
    const csv = [
      'Quote,Upvotes,Verified,Source Link,Zip,Owner Notes,Empty',
      'First quote,12,TRUE,https://example.com/a,02134,"=HYPERLINK(""x"")",',
      'Second quote,7,false,https://example.com/b,10001,plain,',
      'Third quote,,,,,"@mention me",',
    ].join('\n');
    const result = await cli(['sync', file('sheet.csv', csv), '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    const types = Object.fromEntries((report.fields as { field: string; type: string }[]).map((f) => [f.field, f.type]));
    expect(types).toMatchObject({ Upvotes: 'number', Verified: 'checkbox', 'Source Link': 'url', Zip: 'rich_text', 'Owner Notes': 'rich_text' });
    // A column with no value in any row has nothing to write, and no property.
    expect(types.Empty).toBeUndefined();
    const [a, b, c] = pagesOf(notion, report.databases[0].dataSourceId) as [Props, Props, Props];
    expect(a.Upvotes).toMatchObject({ number: 12 });
    expect(a.Verified).toMatchObject({ checkbox: true });
    expect(b.Verified).toMatchObject({ checkbox: false });
    expect(plain(a.Zip)).toBe('02134');
    expect(plain(a['Owner Notes'])).toBe('=HYPERLINK("x")');
    expect(plain(c['Owner Notes'])).toBe('@mention me');
    expect(c.Upvotes).toMatchObject({ number: null });
  });

  it('says per quote a later value that does not fit the property, and writes the rest of the quote', async () => {
    notion = await startNotionServer({ seed: 83 });
    const env = fastEnv(notion, tempDbPath());
    const day1 = file('day1.json', JSON.stringify([{ text: 'one', upvotes: 3 }, { text: 'two', upvotes: 4 }]));
    expect((await cli(['sync', day1], env)).code).toBe(0);
    const day2 = file('day2.json', JSON.stringify([{ text: 'three', upvotes: 5 }, { text: 'four', upvotes: 'lots' }]));
    const result = await cli(['sync', day2, '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.fields.find((f: { field: string }) => f.field === 'upvotes')).toMatchObject({ property: 'Upvotes', type: 'number', by: 'name' });
    expect(report.warnings).toEqual([{ row: 2, message: 'row 2: upvotes "lots" is not a number, and the number property "Upvotes" holds numbers, so it was not written.' }]);
    const pages = pagesOf(notion, report.databases[0].dataSourceId);
    expect(pages.map((p) => [plain(p.Quote), p.Upvotes!.number])).toEqual([
      ['one', 3],
      ['two', 4],
      ['three', 5],
      ['four', null],
    ]);
  });

  it('exits 2 for a file whose only quote cannot be written, as for one whose texts are all empty', async () => {
    notion = await startNotionServer({ seed: 84 });
    const env = fastEnv(notion, tempDbPath());
    const tooLong = await run(['sync', file('long.json', JSON.stringify([{ text: 'x'.repeat(200_001) }]))], env);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('long.json has no quote that can be written: its only row was rejected (row 1: the text is 200,001 characters; Notion takes at most 200,000 in one title)');
    const longExtra = await run(['sync', file('long-extra.json', JSON.stringify([{ text: 'fine', notes: 'y'.repeat(200_001) }]))], env);
    expect(longExtra.code).toBe(2);
    expect(longExtra.stderr).toContain('row 1: the notes is 200,001 characters');
    expect(notion.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('the not-written CSV', () => {
  it('carries every field under its input name, and uploading it again writes the quotes whole', async () => {
    notion = await startNotionServer({ seed: 87, faults: { workspaceFull: true } });
    const env = fastEnv(notion, tempDbPath(), { QUOTE_SYNC_DATA_DIR: dir() });
    const failed = await cli(['sync', GUMLOOP, '--json'], env);
    expect(failed.code).toBe(3);
    const report = JSON.parse(failed.stdout);
    const csv = readFileSync(report.fallbackCsv as string, 'utf8');
    const header = csv.split('\n')[0]!.split(',');
    expect(header).toEqual([
      'id', 'text', 'category', 'sentiment', 'relevance_score', 'relevance_justification', 'reddit_url', 'subreddit', 'post_title', 'inserted_at',
      'comment_url', 'author', 'upvotes', 'tags', 'persona', 'pain_point', 'is_op', '🔥 heat', 'post.author', 'post.score', 'post.num_comments',
      'reason', 'row',
    ]);

    notion.setFaults({});
    const retried = await cli(['sync', report.fallbackCsv as string, '--json'], env);
    expect(retried.code, retried.stderr).toBe(0);
    const again = JSON.parse(retried.stdout);
    expect(again).toMatchObject({ written: 3, failed: [] });
    // The same properties as the first run added: none new, each field where it went before.
    expect(again.fields.filter((f: { added?: boolean }) => f.added)).toEqual([]);
    // The CSV's own columns are read, and said not to be written.
    expect(again.fields.slice(-2)).toEqual([
      { field: 'reason', quotes: 0, note: "Quote Sync's not-written CSV says there why a quote was not written; not a field of the quote" },
      { field: 'row', quotes: 0, note: "Quote Sync's not-written CSV says there why a quote was not written; not a field of the quote" },
    ]);
    expect(retried.stderr).toContain("  reason: not written (Quote Sync's not-written CSV says there why");
    const [p1, p2] = pagesOf(notion, again.databases[0].dataSourceId) as [Props, Props];
    const input = JSON.parse(readFileSync(GUMLOOP, 'utf8')) as Record<string, unknown>[];
    expect(plain(p1['Pain Point'])).toBe(input[0]!.pain_point);
    expect(names(p1.Tags)).toEqual(['exports', 'csv excel', 'data quality']);
    expect(p1.Upvotes).toMatchObject({ number: 57 });
    expect(p1['Post Num Comments']).toMatchObject({ number: 87 });
    expect(p1['Is Op']).toMatchObject({ checkbox: false });
    expect(p2['Is Op']).toMatchObject({ checkbox: true });
    expect(plain(p1['Post Author'])).toBe('u_founder');
    expect(p1['Date Added']).toMatchObject({ date: { start: '2026-11-30T09:15:00.000Z' } });
  });
});

describe('chunks', () => {
  it('gives each chunk\'s database the properties of the extra fields', async () => {
    notion = await startNotionServer({ seed: 89 });
    const env = fastEnv(notion, tempDbPath());
    const result = await cli(['sync', GUMLOOP, '--chunk-size', '2', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.databases).toHaveLength(2);
    const authors = report.databases.flatMap((d: { dataSourceId: string }) => pagesOf(notion!, d.dataSourceId).map((p) => plain(p['Post Author'])));
    expect(authors).toEqual(['u_founder', 'u_np', 'u_k']);
  });
});

describe('update mode', () => {
  it('compares and updates the extra fields too, and changes nothing else', async () => {
    notion = await startNotionServer({ seed: 88 });
    const env = fastEnv(notion, tempDbPath());
    const input = JSON.parse(readFileSync(GUMLOOP, 'utf8')) as Record<string, unknown>[];
    expect((await cli(['sync', GUMLOOP], env)).code).toBe(0);
    const changed = input.map((q, i) => (i === 1 ? { ...q, upvotes: 99, tags: ['notion', 'sync'] } : q));
    const result = await cli(['sync', file('day2.json', JSON.stringify(changed)), '--update', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ written: 0, updated: 1, unchanged: 2 });
    const edits = notion.requests.filter((r) => r.route === 'PATCH /v1/pages/:id');
    expect(edits).toHaveLength(1);
    const p2 = pagesOf(notion, report.databases[0].dataSourceId)[1]!;
    expect(p2.Upvotes).toMatchObject({ number: 99 });
    expect(names(p2.Tags)).toEqual(['notion', 'sync']);
  });
});

describe('a person\'s own database', () => {
  /** Made as a person makes one in Notion: their own title, their own properties, a formula and a created time. */
  async function personsDatabase(n: LocalNotion): Promise<{ databaseId: string; dataSourceId: string }> {
    const client = new Client({ auth: n.token, baseUrl: n.url, retry: false, logger: () => undefined });
    const db = (await client.databases.create({
      parent: { type: 'page_id', page_id: n.parentPageId },
      title: [{ type: 'text', text: { content: 'Research notes' } }],
      initial_data_source: {
        properties: {
          Name: { type: 'title', title: {} },
          Tags: { type: 'multi_select', multi_select: { options: [{ name: 'exports', color: 'blue' }] } },
          Link: { type: 'url', url: {} },
          Notes: { type: 'rich_text', rich_text: {} },
          Score: { type: 'number', number: { format: 'number' } },
          Upvotes: { type: 'formula', formula: { expression: 'prop("Score") * 10' } },
          Created: { type: 'created_time', created_time: {} },
        },
      },
    })) as unknown as { id: string; data_sources: { id: string }[] };
    return { databaseId: db.id, dataSourceId: db.data_sources[0]!.id };
  }

  function schemaOf(n: LocalNotion, dataSourceId: string): Record<string, string> {
    const page = n.pages(dataSourceId)[0]!;
    return Object.fromEntries(Object.entries(page.properties as Props).map(([name, p]) => [name, String(p.type)]));
  }

  it('keeps their title, their properties and their options; --map is followed, then remembered for the next sync', async () => {
    notion = await startNotionServer({ seed: 85 });
    const env = fastEnv(notion, tempDbPath());
    const { databaseId, dataSourceId } = await personsDatabase(notion);
    const made = notion.requests.length;
    const first = await run(
      ['sync', GUMLOOP, '--database', databaseId, '--map', 'reddit_url=Link', '--map', 'relevance_justification=Notes', '--map', 'post.author=Notes', '--json'],
      env,
    );
    // Two fields onto one property: refused before anything is written.
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('--map post.author=Notes: "Notes" already holds another field.');
    expect(notion.requests.slice(made).filter((r) => r.method !== 'GET')).toEqual([]);

    const mapped = await run(
      ['sync', GUMLOOP, '--database', databaseId, '--map', 'reddit_url=Link', '--map', 'relevance_justification=Notes', '--map', 'relevance_score=Score', '--json'],
      env,
    );
    expect(mapped.code, mapped.stderr).toBe(0);
    const report = JSON.parse(mapped.stdout);
    expect(report).toMatchObject({ written: 3, failed: [] });
    const where = Object.fromEntries((report.fields as { field: string; property: string; by: string }[]).map((f) => [f.field, `${f.property} (${f.by})`]));
    expect(where).toMatchObject({
      text: 'Name (name)',
      reddit_url: 'Link (map)',
      relevance_justification: 'Notes (map)',
      relevance_score: 'Score (map)',
      tags: 'Tags (name)',
      upvotes: 'Upvotes (input) (new)',
    });
    expect(report.fields.find((f: { field: string }) => f.field === 'upvotes').note).toBe('not written to "Upvotes" is a formula property, which Notion computes itself');

    const schema = schemaOf(notion, dataSourceId);
    // Nothing of theirs renamed, retyped or deleted.
    expect(schema).toMatchObject({ Name: 'title', Tags: 'multi_select', Link: 'url', Notes: 'rich_text', Score: 'number', Upvotes: 'formula', Created: 'created_time' });
    expect(schema.Quote).toBeUndefined();
    expect(schema['Reddit URL']).toBeUndefined();
    expect(schema.Justification).toBeUndefined();
    expect(schema['Quote ID']).toBe('rich_text');
    const pages = pagesOf(notion, dataSourceId);
    expect(plain(pages[0]!.Name)).toContain('third CSV export');
    expect(pages[0]!.Link).toMatchObject({ url: 'https://www.reddit.com/r/SaaS/comments/abc123/exports/' });
    expect(plain(pages[0]!.Notes)).toBe('Names a concrete failure of exports.');
    expect(pages[0]!.Score).toMatchObject({ number: 0.92 });
    // Their tags, their options kept: the new names are added beside the existing one.
    expect(names(pages[0]!.Tags)).toEqual(['exports', 'csv excel', 'data quality']);
    expect(pages[0]!['Upvotes (input)']).toMatchObject({ number: 57 });

    // Another batch with the same keys, no --map: the kept mappings, the same properties, nothing added.
    const input = JSON.parse(readFileSync(GUMLOOP, 'utf8')) as Record<string, unknown>[];
    const day2 = file('day2.json', JSON.stringify(input.map((q, i) => ({ ...q, quote: `Day two, quote ${i + 1}.` }))));
    const mark = notion.requests.length;
    const second = await run(['sync', day2, '--database', databaseId, '--json'], env);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout);
    expect(again).toMatchObject({ written: 3 });
    expect(Object.fromEntries((again.fields as { field: string; property: string }[]).map((f) => [f.field, f.property]))).toMatchObject({
      reddit_url: 'Link',
      relevance_justification: 'Notes',
      relevance_score: 'Score',
      tags: 'Tags',
      upvotes: 'Upvotes (input)',
    });
    expect(schemaChanges(notion, mark)).toEqual([]);
    expect(multiplicity(notion.propertyTexts(dataSourceId, 'Quote ID')).duplicates).toEqual([]);
    expect(notion.propertyTexts(dataSourceId, 'Quote ID')).toHaveLength(6);
  });

  it('refuses a --map onto the formula property: exit 2, the sentence names field, property and type, nothing written', async () => {
    notion = await startNotionServer({ seed: 86 });
    const env = fastEnv(notion, tempDbPath());
    const { databaseId } = await personsDatabase(notion);
    const made = notion.requests.length;
    const result = await run(['sync', GUMLOOP, '--database', databaseId, '--map', 'upvotes=Upvotes'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--map upvotes=Upvotes: "Upvotes" is a formula property, which Notion computes itself; map upvotes to another property.');
    expect(notion.requests.slice(made).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(JSON.parse((await cli(['jobs', '--json'], env)).stdout)).toEqual([]);
  });
});
