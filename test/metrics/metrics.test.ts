/**
 * `/metrics` of the real app (HTTP mode, behind METRICS_TOKEN) scraped while a job meets 409s,
 * 5xx, the connection's window and the workspace's limit, and again when it has ended: what it
 * counts of Notion is what the local Notion counted, request for request and 429 for 429.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { byLabel, parseExposition, samplesOf, total, type Sample } from '../support/prometheus.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

const TOKEN = 'metrics-token-0123456789abcdef';
/** The workspace's 429 holds the whole queue this long: the scrape in the middle of the job falls in it. */
const WORKSPACE_WAIT_S = 3;

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function scrape(harness: SlackAppHarness, authorization = `Bearer ${TOKEN}`): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${harness.driver.appUrl}/metrics`, { headers: { authorization } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** What the local Notion answered, in the metrics' terms: by endpoint, and 429s by the limit they name. */
function notionCounted(harness: SlackAppHarness) {
  const { byRoute } = harness.notion.stats();
  return { requests: harness.notion.requests.length, byRoute, rateLimited: harness.notion.rateLimited() };
}

function appCounted(samples: Sample[]) {
  const reasons = byLabel(samples, 'quote_sync_notion_rate_limited_total', 'reason');
  return {
    requests: total(samples, 'quote_sync_notion_requests_total'),
    byRoute: byLabel(samples, 'quote_sync_notion_requests_total', 'endpoint'),
    rateLimited: { connection: reasons.connection ?? 0, workspace: reasons.workspace ?? 0, endpoint: reasons.endpoint ?? 0, blocked: reasons.blocked ?? 0 },
  };
}

describe('/metrics', () => {
  it('counts what the local Notion counted, during a faulty job and after it, with bounded labels', async () => {
    h = await startSlackApp({
      notion: {
        seed: 21,
        faults: { conflictRate: 0.1, serverErrorRate: 0.05 },
        rateLimit: { model: 'window', requests: 100, windowSeconds: 1, retryAfter: 'exact' },
        workspaceRetryAfterSeconds: WORKSPACE_WAIT_S,
      },
      env: { METRICS_TOKEN: TOKEN, NOTION_REQUESTS_PER_SECOND: '400', NOTION_RATE_WINDOW_MS: '1000' },
    });
    const harness = h;
    expect((await scrape(harness, '')).status).toBe(401);
    expect((await scrape(harness, 'Bearer not-the-token-at-all')).status).toBe(401);

    harness.notion.injectNext('POST /v1/pages', 'workspace_rate_limited');
    harness.slack.injectNext('chat.update', 'internal_error');
    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'metrics.csv', content: recordsToCsv(makeQuoteRecords(150, 21)) });
    const submitted = harness.nextJob();
    await harness.driver.event(upload.message);
    const job = await submitted;

    // The thread tells of the workspace's limit after the app has counted its 429 and paused every request: none is in flight.
    const thread = () => harness.slack.thread(CHANNEL, upload.message.ts);
    await harness.slack.waitFor(() => thread().some((m) => m.text.includes("workspace-wide limit")), 'the workspace limit in the thread');
    const during = await scrape(harness);
    expect(during.status).toBe(200);
    expect(during.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const mid = parseExposition(during.text);
    expect(appCounted(mid)).toEqual(notionCounted(harness));
    expect(appCounted(mid).rateLimited.workspace).toBe(1);
    expect(harness.notion.requests.every((r) => typeof r.status === 'number' && r.status > 0)).toBe(true);

    const report = await harness.app.context.jobs.finished(job.id);
    expect(report).toMatchObject({ state: 'done', failed: [] });
    const end = parseExposition((await scrape(harness)).text);
    const notion = notionCounted(harness);
    expect(appCounted(end)).toEqual(notion);
    // Faults and limits were met, each by its outcome.
    const outcomes = byLabel(end, 'quote_sync_notion_requests_total', 'outcome');
    expect(outcomes.conflict).toBe(harness.notion.requests.filter((r) => r.status === 409).length);
    expect(outcomes.conflict).toBeGreaterThan(0);
    expect(outcomes.server).toBe(harness.notion.requests.filter((r) => typeof r.status === 'number' && r.status >= 500).length);
    expect(outcomes.rate_limited).toBe(harness.notion.requests.filter((r) => r.status === 429).length);
    expect(outcomes['2xx']).toBe(harness.notion.requests.filter((r) => r.status === 200).length);
    expect(total(end, 'quote_sync_notion_request_duration_seconds_count')).toBe(notion.requests);
    expect(total(end, 'quote_sync_notion_slot_wait_seconds_count')).toBe(notion.requests);
    // The budget the pacer learned from the window's 429s, when it learned one.
    const budget = harness.app.context.engine.pacer.windowBudget;
    expect(samplesOf(end, 'quote_sync_notion_window_budget_requests').map((s) => [s.labels, s.value])).toEqual(budget === undefined ? [] : [[{ window_seconds: '1' }, budget]]);

    // Jobs and quotes.
    expect(total(end, 'quote_sync_quotes_total', { outcome: 'written' })).toBe(150);
    expect(total(end, 'quote_sync_quotes_total', { outcome: 'failed' })).toBe(0);
    expect(total(end, 'quote_sync_jobs', { state: 'done' })).toBe(1);
    expect(total(end, 'quote_sync_job_run_duration_seconds_count', { end: 'done' })).toBe(1);
    expect(total(end, 'quote_sync_job_events_total', { kind: 'conflict' })).toBe(report!.retries.conflict);
    expect(total(end, 'quote_sync_breakers_open')).toBe(0);

    // Slack: every Web API call the local Slack answered, by method, and the one that failed.
    const calls: Record<string, number> = {};
    for (const call of harness.slack.calls) calls[call.method] = (calls[call.method] ?? 0) + 1;
    const counted = byLabel(end, 'quote_sync_slack_api_calls_total', 'method');
    expect(counted).toEqual(calls);
    expect(samplesOf(end, 'quote_sync_slack_api_errors_total').map((s) => [s.labels, s.value])).toEqual([[{ method: 'chat.update', error: 'internal_error' }, 1]]);

    // The store, by kind of operation; the process's own metrics.
    expect(Object.keys(byLabel(end, 'quote_sync_store_operation_duration_seconds_count', 'operation')).sort()).toEqual(['all', 'get', 'run', 'transaction']);
    expect(samplesOf(end, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(samplesOf(end, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);

    // No id is a label: not the job's, the channel's, nor any page's or database's.
    const values = end.flatMap((s) => Object.values(s.labels));
    expect(values.filter((v) => v.includes(job.id) || v.includes(CHANNEL) || /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}/i.test(v))).toEqual([]);
    const names = new Set(end.map((s) => s.name).filter((n) => n.startsWith('quote_sync_')));
    for (const name of names) expect(name).toMatch(/^quote_sync_[a-z_]+$/);
  });
});
