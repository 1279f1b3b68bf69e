/**
 * Update mode: a Gumloop flow re-runs and re-scores some quotes; `quote-sync sync --update`
 * changes exactly those pages in place, one PATCH each with just the properties that differ, and
 * creates nothing. Without --update a re-run changes nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseQuotes } from '../../src/quotes/parse/index.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { cli, exited, spawnCli, until } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { makeQuoteRecords, type QuoteRecord } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

const N = 300;
const RESCORED = 40;

function file(name: string, records: QuoteRecord[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-update-')), name);
  writeFileSync(path, JSON.stringify(records));
  return path;
}

/** The same quotes, every seventh of the first 280 re-scored by the flow: a new category, relevance and justification. */
function rescore(records: QuoteRecord[]): { records: QuoteRecord[]; changed: Set<number> } {
  const changed = new Set<number>();
  const out = records.map((r, i) => {
    if (i % 7 !== 3 || changed.size >= RESCORED) return r;
    changed.add(i);
    return {
      ...r,
      category: r.category === 'Pricing' ? 'Reliability' : 'Pricing',
      relevance_score: Math.round(((r.relevance_score + 0.37) % 1) * 100) / 100,
      relevance_justification: `Re-scored: ${r.relevance_justification}`,
    };
  });
  return { records: out, changed };
}

const patches = (n: LocalNotion) => n.requests.filter((r) => r.route === 'PATCH /v1/pages/:id');
const creates = (n: LocalNotion) => n.requests.filter((r) => r.route === 'POST /v1/pages');

interface PageView {
  id: string;
  quoteId: string;
  category: string | undefined;
  relevance: number | null;
  justification: string;
}

function pages(n: LocalNotion, dataSourceId: string): PageView[] {
  return n.pages(dataSourceId).map((p) => {
    const props = p.properties as Record<string, Record<string, unknown>>;
    const text = (v: Record<string, unknown> | undefined) =>
      ((v?.rich_text ?? v?.title ?? []) as { plain_text: string }[]).map((t) => t.plain_text).join('');
    return {
      id: String(p.id),
      quoteId: text(props['Quote ID']),
      category: (props.Category?.select as { name: string } | null)?.name,
      relevance: props.Relevance?.number as number | null,
      justification: text(props.Justification),
    };
  });
}

describe('quote-sync sync --update', () => {
  it('changes exactly the re-scored pages, creates none, and costs at most updates + n/100 + 5 requests; without --update nothing changes', async () => {
    notion = await startNotionServer({ seed: 61 });
    const env = fastEnv(notion, tempDbPath());
    const original = makeQuoteRecords(N, 61);
    const first = await cli(['sync', file('day1.json', original), '--json'], env);
    expect(first.code).toBe(0);
    const dataSourceId = JSON.parse(first.stdout).databases[0].dataSourceId as string;
    const before = pages(notion, dataSourceId);

    const { records, changed } = rescore(original);
    expect(changed.size).toBe(RESCORED);
    const rerun = file('day2.json', records);

    // Without --update: counted as already there, nothing sent but the look-ups.
    let mark = notion.requests.length;
    const plain = await cli(['sync', rerun, '--json'], env);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ written: 0, alreadyPresent: N, updated: 0, unchanged: 0 });
    expect(notion.requests.slice(mark).filter((r) => r.method !== 'GET' && r.route !== 'POST /v1/data_sources/:id/query')).toEqual([]);
    expect(pages(notion, dataSourceId)).toEqual(before);

    // With --update: exactly the 40 change, in place.
    mark = notion.requests.length;
    const updated = await cli(['sync', rerun, '--update', '--json'], env);
    expect(updated.code).toBe(0);
    const report = JSON.parse(updated.stdout);
    expect(report).toMatchObject({ state: 'done', written: 0, updated: RESCORED, unchanged: N - RESCORED, failed: [] });
    // Nothing is left over: no fallback CSV.
    expect(report.fallbackCsv).toBeUndefined();
    const sent = notion.requests.slice(mark);
    expect(sent.filter((r) => r.route === 'POST /v1/pages')).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(RESCORED + N / 100 + 5);
    console.info(`update mode: ${N} quotes, ${RESCORED} re-scored: ${sent.length} requests (${patches(notion).length} updates, 0 creates)`);

    const after = pages(notion, dataSourceId);
    expect(after.map((p) => p.id)).toEqual(before.map((p) => p.id));
    const byQuote = new Map(before.map((p) => [p.quoteId, p]));
    const changedIds = new Set<string>();
    for (const p of after) {
      const old = byQuote.get(p.quoteId)!;
      if (JSON.stringify(p) !== JSON.stringify(old)) changedIds.add(p.quoteId);
    }
    expect(changedIds.size).toBe(RESCORED);
    // What changed is what the flow re-scored, and only the three fields it re-scored.
    const ids = parseQuotes(JSON.stringify(records)).quotes.map((q) => q.quote.id);
    const expected = new Set([...changed].map((i) => ids[i]!));
    expect(changedIds).toEqual(expected);
    for (const i of changed) {
      const r = records[i]!;
      const page = after.find((p) => p.quoteId === ids[i])!;
      expect(page).toMatchObject({ category: r.category, relevance: r.relevance_score, justification: r.relevance_justification });
    }
    // One PATCH per changed page, each with just the properties that differ.
    expect(notion.editedPageIds()).toHaveLength(RESCORED);
    expect(multiplicity(notion.editedPageIds()).duplicates).toEqual([]);

    // Once more with --update: every page holds the file's values already.
    mark = notion.requests.length;
    const again = await cli(['sync', rerun, '--update', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 0, updated: 0, unchanged: N });
    expect(notion.requests.slice(mark).filter((r) => r.route === 'PATCH /v1/pages/:id')).toEqual([]);
  });

  it('creates the quotes not in Notion yet, and updates the others, in one run', async () => {
    notion = await startNotionServer({ seed: 62 });
    const env = fastEnv(notion, tempDbPath());
    const original = makeQuoteRecords(50, 62);
    expect((await cli(['sync', file('a.json', original.slice(0, 30))], env)).code).toBe(0);
    const { records } = rescore(original);
    const result = await cli(['sync', file('b.json', records), '--update', '--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.written).toBe(20);
    expect(report.updated + report.unchanged).toBe(30);
    expect(report.updated).toBe([...rescore(original).changed].filter((i) => i < 30).length);
    const ids = notion.propertyTexts(report.databases[0].dataSourceId, 'Quote ID');
    expect(ids).toHaveLength(50);
    expect(multiplicity(ids).duplicates).toEqual([]);
  });

  it('an update Notion keeps refusing lands in the fallback CSV with its reason; that CSV with --update finishes the job', async () => {
    notion = await startNotionServer({ seed: 63 });
    const env = fastEnv(notion, tempDbPath(), { NOTION_MAX_ATTEMPTS: '2' });
    const original = makeQuoteRecords(30, 63);
    expect((await cli(['sync', file('a.json', original)], env)).code).toBe(0);
    const { records, changed } = rescore(original);
    // Every update answers 503 (not applied) until the attempts run out.
    notion.injectNext('PATCH /v1/pages/:id', 'server_error', 2 * changed.size);
    const failed = await cli(['sync', file('b.json', records), '--update', '--json'], env);
    expect(failed.code).toBe(3);
    const report = JSON.parse(failed.stdout);
    expect(report.failed).toHaveLength(changed.size);
    expect(report.failed[0].reason).toMatch(/server error/);
    const csv = readFileSync(report.fallbackCsv, 'utf8');
    expect(csv.split('\n')[0]).toContain('reason');
    expect(creates(notion)).toHaveLength(30);

    const finish = await cli(['sync', report.fallbackCsv, '--update', '--json'], env);
    expect(finish.code).toBe(0);
    expect(JSON.parse(finish.stdout)).toMatchObject({ written: 0, updated: changed.size, failed: [] });
    expect(creates(notion)).toHaveLength(30);
  });

  it('a run killed during its updates resumes without sending the finished ones again', async () => {
    notion = await startNotionServer({ seed: 64 });
    const env = fastEnv(notion, tempDbPath(), { NOTION_REQUESTS_PER_SECOND: '100' });
    const original = makeQuoteRecords(N, 64);
    expect((await cli(['sync', file('a.json', original)], env)).code).toBe(0);
    const { records } = rescore(original);
    const path = file('b.json', records);
    const child = spawnCli(['sync', path, '--update'], env);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exit = exited(child);
    await until(() => patches(notion!).length >= 15);
    child.kill('SIGKILL');
    await exit;
    const jobId = /^job (\w+)$/m.exec(stderr)![1]!;
    const sentBefore = patches(notion).length;

    const resumed = await cli(['resume', jobId, '--json'], env);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ state: 'done', updated: RESCORED, unchanged: N - RESCORED, written: 0 });
    // At most the one in flight at the kill is sent again.
    expect(patches(notion).length).toBeLessThanOrEqual(RESCORED + 1);
    expect(patches(notion).length).toBeGreaterThanOrEqual(sentBefore);
    expect(creates(notion)).toHaveLength(N);
  });
});
