/**
 * Notion's rate limits as its request-limits page describes them now, met by the command line as
 * a process: a per-connection budget per window that it learns and then keeps to (and remembers
 * for the next process), a workspace-wide limit it waits out, saying so, without failing, and one
 * endpoint's own limit, which holds only that endpoint.
 * Windows are scaled down (60 s → 1 s) with an exact Retry-After, as Notion's whole seconds are
 * to a 60 s window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { JobStore } from '../../src/store/index.js';
import { integrationKey } from '../../src/sync/run/integration-pacer.js';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { runProcess } from '../support/cli.js';
import { fastEnv, multiplicity, tempDbPath } from '../support/harness.js';
import { quotesFile } from '../support/quote-factory.js';

let notion: LocalNotion | undefined;
afterEach(async () => {
  await notion?.close();
  notion = undefined;
});

const run = runProcess;


/**
 * 100 per 1 s: a pace a loaded two-core machine still outruns with the writer at four times it (at
 * 200 per second a busy test run sometimes stayed under the budget and never met it), and a window
 * long enough that the pacer's guard (0.5% of it) covers how unevenly such a machine sends.
 */
const BUDGET = 100;
const WINDOW_S = 1;

describe('the per-connection window budget', () => {
  it('is learned in at most a couple of refusals on 817 rows, kept to, and remembered: the next process meets no 429', async () => {
    notion = await startNotionServer({
      seed: 51,
      rateLimit: { model: 'window', requests: BUDGET, windowSeconds: WINDOW_S, retryAfter: 'exact' },
    });
    // The writer's ceiling is four times the budget's average pace: only the budget holds it back.
    const env = fastEnv(notion, tempDbPath(), {
      NOTION_REQUESTS_PER_SECOND: String((4 * BUDGET) / WINDOW_S),
      NOTION_RATE_WINDOW_MS: String(WINDOW_S * 1000),
    });
    const first = await run(['sync', quotesFile(817, 51), '--json'], env);
    expect(first.code).toBe(0);
    const afterFirst = notion.rateLimited().connection;
    expect(afterFirst).toBeGreaterThanOrEqual(1);
    expect(afterFirst).toBeLessThanOrEqual(4);

    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    const learned = await store.rateBudgets.get(integrationKey(loadConfig(env)));
    await store.close();
    // The count since the window opened. The request that opened it was sent before the opening
    // (its arrival opened it) and may go uncounted: a budget a request short is safe, one over is not.
    expect(learned?.windowMs).toBe(WINDOW_S * 1000);
    expect(learned!.budget).toBeGreaterThanOrEqual(0.95 * BUDGET);
    expect(learned!.budget).toBeLessThanOrEqual(BUDGET);
    console.info(`window model, 817 rows: ${afterFirst} rate-limit answer(s), budget learned ${learned!.budget} of ${BUDGET}`);

    // A new process, right after the first, into the same database.
    const second = await run(['sync', quotesFile(817, 52), '--json'], env);
    expect(second.code).toBe(0);
    expect(notion.rateLimited().connection).toBe(afterFirst);

    const report = JSON.parse(second.stdout);
    const ids = notion.propertyTexts(report.databases[0].dataSourceId, 'Quote ID');
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(2 * 817);
  });
});

describe("Notion's workspace-wide limit", () => {
  it('is waited out and said on the terminal; it never fails a quote nor slows the writer', async () => {
    notion = await startNotionServer({ seed: 53, workspaceRetryAfterSeconds: 0.1 });
    const env = fastEnv(notion, tempDbPath());
    // More in a row than a request may meet of its own limit (NOTION_MAX_ATTEMPTS is 8, rate-limit waits 20).
    notion.injectNext('POST /v1/pages', 'workspace_rate_limited', 25);
    const result = await run(['sync', quotesFile(30, 53), '--json'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Notion's workspace-wide limit: waiting 0\.1 s$/m);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ state: 'done', written: 30, failed: [] });
    expect(notion.rateLimited()).toEqual({ connection: 0, workspace: 25, endpoint: 0, blocked: 0 });
  });
});

describe('a wait said only in the body', () => {
  it("is read from additional_data.retry_after when the Retry-After header is missing: the window's refusals stay a handful", async () => {
    notion = await startNotionServer({
      seed: 52,
      rateLimit: { model: 'window', requests: BUDGET, windowSeconds: WINDOW_S, retryAfter: 'exact' },
      retryAfterHeader: false,
    });
    const env = fastEnv(notion, tempDbPath(), {
      NOTION_REQUESTS_PER_SECOND: String((4 * BUDGET) / WINDOW_S),
      NOTION_RATE_WINDOW_MS: String(WINDOW_S * 1000),
    });
    const result = await run(['sync', quotesFile(300, 52), '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'done', written: 300 });
    // Without the body's wait the writer would fall back to its 2 ms back-off and meet the closed window again and again.
    const refused = notion.rateLimited().connection;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(4);
    expect(notion.requests.filter((r) => r.status === 429).every((r) => r.rateLimitReason === 'public_api_request_rate_limit')).toBe(true);
  });
});

describe("one endpoint's own limit (public_api_endpoint_rate_limit)", () => {
  it('holds only page creates for their Retry-After, says so naming it, writes every quote once, and the window budget is still learned', async () => {
    // The connection's budget is 40 per 1 s, met in the first second (a loaded machine still sends 40 a second);
    // creates may not exceed 100 per 5 s, met half-way through that window, once the pacer keeps to 40 a second.
    const budget = 40;
    notion = await startNotionServer({
      seed: 54,
      rateLimit: { model: 'window', requests: budget, windowSeconds: WINDOW_S, retryAfter: 'exact' },
      endpointLimits: { 'POST /v1/pages': { requests: 100, windowSeconds: 5 } },
    });
    const env = fastEnv(notion, tempDbPath(), {
      NOTION_REQUESTS_PER_SECOND: String((4 * budget) / WINDOW_S),
      NOTION_RATE_WINDOW_MS: String(WINDOW_S * 1000),
    });
    const result = await run(['sync', quotesFile(200, 54), '--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ state: 'done', written: 200, failed: [] });
    const refused = notion.rateLimited();
    expect(refused.endpoint).toBeGreaterThanOrEqual(1);
    expect(refused.connection).toBeGreaterThanOrEqual(1);
    expect(refused.connection).toBeLessThanOrEqual(4);
    expect(result.stderr).toMatch(/^Notion's own limit on page creates \(429 public_api_endpoint_rate_limit\): page creates wait \d+ s; other requests go on$/m);

    const ids = notion.propertyTexts(report.databases[0].dataSourceId, 'Quote ID');
    expect(multiplicity(ids).duplicates).toEqual([]);
    expect(ids).toHaveLength(200);
    // The endpoint's refusals taught the window nothing: its budget is the connection's.
    const store = await JobStore.open(env.QUOTE_SYNC_DB!);
    const learned = await store.rateBudgets.get(integrationKey(loadConfig(env)));
    await store.close();
    expect(learned!.budget).toBeGreaterThanOrEqual(0.95 * budget);
    expect(learned!.budget).toBeLessThanOrEqual(budget);
    console.info(`endpoint limit, 200 rows: ${refused.endpoint} endpoint and ${refused.connection} connection refusal(s), budget learned ${learned!.budget} of ${budget}`);
  });
});
