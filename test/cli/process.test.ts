/**
 * The command line as people run it: a process of its own against the local Notion. It must stay
 * alive through every pause and exit by itself when its work is done, whatever happened to the
 * requests (paused, refused, hung), with the documented exit codes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startNotionServer, type LocalNotion, type LocalNotionOptions } from '../fakes/local-notion.js';
import { exited, spawnCli } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { quotesFile } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

/** What the watchdog of src/cli/main.ts says when something held the process open. */
const HELD_OPEN = /something held the process open/;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the last request Notion received to the exit of the process. */
  exitAfterLastRequestMs: number;
}

async function runCliProcess(argv: string[], env: Record<string, string>): Promise<Run> {
  const child = spawnCli(argv, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const { code, signal } = await exited(child);
  const exitAt = Date.now();
  const last = notion!.requests.at(-1)?.at ?? exitAt;
  return { code, signal, stdout, stderr, exitAfterLastRequestMs: exitAt - last };
}


async function start(options: LocalNotionOptions): Promise<LocalNotion> {
  notion = await startNotionServer(options);
  return notion;
}

function expectOnce(report: { databases: { dataSourceId: string }[]; written: number; alreadyPresent: number }, expected: number) {
  const ids = notion!.propertyTexts(report.databases[0]!.dataSourceId, 'Quote ID');
  expect(multiplicity(ids).duplicates).toEqual([]);
  expect(ids).toHaveLength(expected);
  expect(report.written + report.alreadyPresent).toBe(expected);
}

describe('quote-sync as a process', () => {
  it('stays alive through 429 pauses and exits 0 by itself', async () => {
    const n = await start({ seed: 31 });
    const env = fastEnv(n, tempDbPath());
    // Two rate-limit answers in a row on the creates: every queued request is held meanwhile.
    n.injectNext('POST /v1/pages', 'rate_limited', 2);
    const run = await runCliProcess(['sync', quotesFile(40, 31), '--json'], env);
    expect(run.stderr).toMatch(/rate-limited the request \(429\); waiting/);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr).not.toMatch(HELD_OPEN);
    const report = JSON.parse(run.stdout);
    expect(report.retries.rateLimited).toBe(2);
    expectOnce(report, 40);
  });

  it('stays alive through 529 pauses and exits 0 by itself', async () => {
    const n = await start({ seed: 32, faults: { overloadRetryAfterSeconds: 0.2 } });
    const env = fastEnv(n, tempDbPath());
    n.injectNext('POST /v1/pages', 'overload', 3);
    const run = await runCliProcess(['sync', quotesFile(30, 32), '--json'], env);
    expect(run.stderr).toMatch(/overloaded \(529\); waiting/);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr).not.toMatch(HELD_OPEN);
    expectOnce(JSON.parse(run.stdout), 30);
  });

  it('exits by itself after a request that never answered: the timeout closes its socket', async () => {
    const n = await start({ seed: 33 });
    const env = fastEnv(n, tempDbPath(), { NOTION_TIMEOUT_MS: '300' });
    // The create is applied and never answered; the quote is looked up and found.
    n.injectNext('POST /v1/pages', 'hang', 1);
    const run = await runCliProcess(['sync', quotesFile(20, 33), '--json'], env);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr).not.toMatch(HELD_OPEN);
    const report = JSON.parse(run.stdout);
    expect(report.retries.ambiguous).toBe(1);
    expectOnce(report, 20);
    expect(n.requests.filter((r) => r.status === 'hang')).toHaveLength(1);
  });

  it('a SIGINT during a long pause stops at once (exit 130) and resume finishes the job', async () => {
    // Notion asks for a 30 s wait; the person presses Ctrl-C instead of waiting it out.
    const n = await start({ seed: 34, faults: { overloadRetryAfterSeconds: 30 } });
    const env = fastEnv(n, tempDbPath());
    n.injectNext('POST /v1/pages', 'overload', 1);
    const path = quotesFile(15, 34);
    const child = spawnCli(['sync', path], env);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exit = exited(child);
    await new Promise<void>((resolve) => {
      const check = () => (/waiting 30s/.test(stderr) ? resolve() : child.stderr!.once('data', check));
      check();
    });
    const sentAt = Date.now();
    child.kill('SIGINT');
    const { code } = await exit;
    expect(code).toBe(130);
    // Not held for the rest of the 30 s pause (generous bound: a loaded machine takes a second or two).
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    const jobId = /^job (\w+)$/m.exec(stderr)![1]!;

    const resumed = await runCliProcess(['resume', jobId, '--json'], env);
    expect(resumed.code).toBe(0);
    expectOnce(JSON.parse(resumed.stdout), 15);
  });

  it('817 rows under 10% 409, 3% lost, 1% written-then-5xx, 2% 5xx, 1% 529, 0.5% hung: every quote once, exit 0, on its own', async () => {
    const n = await start({
      seed: 817,
      faults: {
        conflictRate: 0.1,
        lostResponseRate: 0.03,
        // 3% of requests answer 5xx; on creates a third of those were applied first (1%).
        serverErrorRate: 0.03,
        serverErrorAppliedRate: 1 / 3,
        overloadRate: 0.01,
        overloadRetryAfterSeconds: 0.05,
        hangRate: 0.005,
      },
    });
    const env = fastEnv(n, tempDbPath(), { NOTION_TIMEOUT_MS: '400', BREAKER_COOLDOWN_MS: '20' });
    const run = await runCliProcess(['sync', quotesFile(817, 817), '--json'], env);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr).not.toMatch(HELD_OPEN);
    const report = JSON.parse(run.stdout);
    expect(report.failed).toEqual([]);
    expectOnce(report, 817);
    const statuses = n.stats().byStatus;
    // The faults did happen: the run rode through each kind.
    expect(statuses['409']).toBeGreaterThan(40);
    expect(statuses['529']).toBeGreaterThan(0);
    expect(statuses.hang).toBeGreaterThan(0);
    expect(statuses.lost).toBeGreaterThan(0);
    console.info(
      `817 rows, faults: ${n.requests.length} requests (${JSON.stringify(statuses)}); exit ${run.exitAfterLastRequestMs} ms after the last request`,
    );
  });

  it('says once that Notion cannot be reached when its address does not resolve, stops within a few tries, and keeps the log off the terminal', async () => {
    notion = await startNotionServer({ seed: 81 });
    // `.invalid` never resolves (RFC 6761): as a machine whose DNS cannot find Notion.
    // The command line's own log level (fastEnv silences it): what a person sees.
    const env: Record<string, string> = { ...fastEnv(notion, tempDbPath()), NOTION_API_URL: 'http://notion.invalid' };
    delete env.LOG_LEVEL;
    const run = await runCliProcess(['sync', quotesFile(21, 81)], env);
    expect(run.code).toBe(3);
    const said = `${run.stdout}${run.stderr}`;
    expect(said.match(/Notion cannot be reached/g)).toHaveLength(1);
    expect(said).toMatch(/21 failed \(q_[0-9a-f]+, q_[0-9a-f]+, q_[0-9a-f]+, …\)\n/);
    expect(said).toMatch(/3 Notion request\(s\)/);
    // Not a JSON log line among the person's lines.
    expect(said.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    expect(said).toMatch(/not written: .*-not-written\.csv/);
  });

  it('stops at once when Notion blocks the integration (public_api_request_blocked): nothing retried, every quote in the fallback, exit 3', async () => {
    notion = await startNotionServer({ seed: 82 });
    const env: Record<string, string> = fastEnv(notion, tempDbPath());
    notion.injectNext('POST /v1/pages', 'request_blocked');
    const run = await runCliProcess(['sync', quotesFile(30, 82), '--json'], env);
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as { written: number; failed: unknown[]; error: string; fallbackCsv: string };
    expect(report).toMatchObject({ written: 0, error: expect.stringMatching(/blocked this integration's requests.*not to retry/) });
    expect(report.failed).toHaveLength(30);
    expect(report.fallbackCsv).toMatch(/not-written\.csv$/);
    // One create was refused; nothing was sent after it.
    const creates = notion.requests.filter((r) => r.route === 'POST /v1/pages');
    expect(creates).toHaveLength(1);
    expect(notion.requests.at(-1)).toBe(creates[0]);
    console.info(`request blocked, 30 quotes: exit ${run.exitAfterLastRequestMs} ms after the blocked answer`);

    // Syncing the file of what was not written is a person asking again: it is sent (the block is not held
    // against a job asked for after it) and, Notion no longer blocking, every quote is written once.
    const again = await runCliProcess(['sync', report.fallbackCsv, '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'done', written: 30, failed: [] });
  });
});
