/**
 * The command line on a PostgreSQL store, as a process: it writes, exits by itself (the pool is
 * closed, nothing holds it open), and a second process resumes what a SIGKILL left, every quote
 * once. A store that goes away mid-job ends the run with one sentence, not a stack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { exited, spawnCli, until } from '../support/cli.js';
import { fastEnv, multiplicity } from '../support/harness.js';
import { freshPostgresDatabase, postgresAvailable } from '../support/postgres.js';
import { startPostgres } from '../support/postgres-server.js';
import { quotesFile } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

const HELD_OPEN = /something held the process open/;


async function run(argv: string[], env: Record<string, string>, onSpawn?: (kill: () => void) => void) {
  const child = spawnCli(argv, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  onSpawn?.(() => child.kill('SIGKILL'));
  const { code, signal } = await exited(child);
  return { code, signal, stdout, stderr };
}

describe.skipIf(!postgresAvailable())('the command line on a PostgreSQL store', () => {
  it('syncs and exits by itself; after a SIGKILL, resume finishes the job, every quote once', async () => {
    notion = await startNotionServer({ seed: 61, latencyMs: 2 });
    const env = fastEnv(notion, await freshPostgresDatabase(), { NOTION_REQUESTS_PER_SECOND: '300', LOG_LEVEL: 'warn' });
    const file = quotesFile(150, 61);
    const killed = await run(['sync', file, '--json'], env, (kill) => {
      const timer = setInterval(() => {
        if ((notion!.stats().byRoute['POST /v1/pages'] ?? 0) >= 60) {
          clearInterval(timer);
          kill();
        }
      }, 5);
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(notion.propertyTexts(notion.dataSourceOf(notion.databaseIds()[0]!), 'Quote ID').length).toBeLessThan(150);
    const jobId = /job ([0-9a-f]{10})/.exec(killed.stderr)?.[1];
    expect(jobId).toBeDefined();
    const resumed = await run(['resume', jobId!, '--json'], env);
    expect(resumed.stderr).not.toMatch(HELD_OPEN);
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout);
    const ids = notion.propertyTexts(report.databases[0].dataSourceId, 'Quote ID');
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(150);

    const listed = await run(['jobs', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ id: jobId, state: 'done', written: expect.any(Number) });
  });

  it('says which store it cannot open, without its password, and exits 1', async () => {
    notion = await startNotionServer({ seed: 62 });
    const env = fastEnv(notion, 'postgres://quote_sync:hunter2-secret@127.0.0.1:1/nowhere');
    const result = await run(['sync', quotesFile(3, 62)], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^The job store at postgres:\/\/quote_sync:\*\*\*@127\.0\.0\.1:1\/nowhere cannot be opened: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('a store that goes away mid-job: one sentence, exit 3, and the process ends by itself', async () => {
    // A server of its own, to stop: the run's shared one serves the other tests.
    const server = await startPostgres();
    try {
      notion = await startNotionServer({ seed: 63, latencyMs: 2 });
      const env = fastEnv(notion, await server.createDatabase(), { NOTION_REQUESTS_PER_SECOND: '300', LOG_LEVEL: 'warn' });
      let stopped: Promise<void> | undefined;
      const result = await run(['sync', quotesFile(200, 63)], env, () => {
        const timer = setInterval(() => {
          if ((notion!.stats().byRoute['POST /v1/pages'] ?? 0) >= 40) {
            clearInterval(timer);
            stopped = server.stop();
          }
        }, 5);
      });
      await stopped;
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/The job store stopped answering \(.+\)\. Nothing is lost: each quote's state was saved before its request\. Resume the job once the store answers again\.\n$/);
      expect(result.stderr).not.toMatch(/ {4}at |"level":50|unexpected error|something held the process open/);
    } finally {
      await server.stop();
    }
  });

  it("one process meeting Notion's block (public_api_request_blocked) stops the other's job too: it sends nothing more, every quote accounted for", async () => {
    notion = await startNotionServer({ seed: 64, latencyMs: 1 });
    const base = fastEnv(notion, await freshPostgresDatabase(), { NOTION_REQUESTS_PER_SECOND: '60', LOG_LEVEL: 'warn' });
    delete base.NOTION_PARENT_PAGE_ID;
    const targets = [notion.seedDatabase({ title: 'Team A quotes' }), notion.seedDatabase({ title: 'Team B quotes' })];
    const written = (i: number) => notion!.propertyTexts(targets[i]!.dataSourceId, 'Quote ID').length;
    let blockedAt = Number.POSITIVE_INFINITY;
    const both = targets.map((t, i) => run(['sync', quotesFile(300, 64 + i), '--json'], { ...base, NOTION_DATABASE_ID: t.databaseId }));
    // Both are writing; then Notion blocks the next create, whichever process sends it.
    await until(() => written(0) >= 15 && written(1) >= 15);
    notion.injectNext('POST /v1/pages', 'request_blocked');
    await until(() => {
      const answered = notion!.requests.find((r) => r.rateLimitReason === 'public_api_request_blocked');
      if (answered) blockedAt = answered.at;
      return answered !== undefined;
    });
    const results = await Promise.all(both);
    for (const [i, result] of results.entries()) {
      expect(result.code).toBe(3);
      const report = JSON.parse(result.stdout) as { written: number; failed: { reason: string }[]; error: string };
      expect(report.error).toMatch(/blocked this integration's requests/);
      // Every quote is in Notion or in the fallback with its reason.
      expect(report.written + report.failed.length).toBe(300);
      expect(report.written).toBe(written(i));
    }
    // One blocked answer; after it, at most the one create already on its way when it came.
    expect(notion.rateLimited().blocked).toBe(1);
    const after = notion.requests.filter((r) => r.at > blockedAt);
    expect(after.length).toBeLessThanOrEqual(1);
  });
});
