/**
 * Gumloop and the digest through the running app: the real Bolt app, the local Slack, Notion and
 * Gumloop. Runs are polled with the delays scaled down (GUMLOOP_POLL_MS=1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startGumloopServer, type LocalGumloop } from '../fakes/local-gumloop.js';
import { multiplicity } from '../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

const PUSH_CHANNEL = 'C0OTHER0000';
const SECRET = 'a-long-random-webhook-secret-0123';

let h: SlackAppHarness | undefined;
let gumloop: LocalGumloop | undefined;
afterEach(async () => {
  await h?.close();
  await gumloop?.close();
  h = undefined;
  gumloop = undefined;
});

async function start(env: Record<string, string> = {}): Promise<SlackAppHarness> {
  gumloop = await startGumloopServer();
  h = await startSlackApp({
    env: {
      GUMLOOP_API_KEY: gumloop.apiKey,
      GUMLOOP_USER_ID: gumloop.userId,
      GUMLOOP_API_URL: gumloop.url,
      GUMLOOP_POLL_MS: '1',
      GUMLOOP_POLL_MAX_MS: '5',
      GUMLOOP_RUN_TIMEOUT_MS: '5000',
      GUMLOOP_WEBHOOK_SECRET: SECRET,
      GUMLOOP_CHANNEL_ID: PUSH_CHANNEL,
      ...env,
    },
  });
  return h;
}

function pageIds(harness: SlackAppHarness): string[] {
  return harness.notion.databaseIds().flatMap((id) => harness.notion.propertyTexts(harness.notion.dataSourceOf(id), 'Quote ID'));
}

function push(harness: SlackAppHarness, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${harness.driver.appUrl}/gumloop/quotes`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('/sync-quotes run and gumloop', () => {
  it('starts a flow with its inputs, shows its state in the thread, then syncs its quotes', async () => {
    const app = await start();
    const records = makeQuoteRecords(25, 61);
    gumloop!.defineFlow('flow-reddit', { outputs: { quotes: JSON.stringify(records), summary: 'ok' }, pollsUntilDone: 3 });
    const submitted = app.nextJob();
    const ack = await app.driver.command('run flow-reddit subreddit=startups "topic=pricing pain"');
    expect(ack.reply().text).toBe('Starting the Gumloop flow flow-reddit …');
    const job = await submitted;
    expect(await app.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 25 });
    const started = gumloop!.requests.find((r) => r.path.endsWith('/start_pipeline'))!;
    expect(started.body).toMatchObject({
      saved_item_id: 'flow-reddit',
      user_id: gumloop!.userId,
      pipeline_inputs: [
        { input_name: 'subreddit', value: 'startups' },
        { input_name: 'topic', value: 'pricing pain' },
      ],
    });
    const root = app.slack.messages.find((m) => m.channel === CHANNEL && !m.threadTs)!;
    expect(root.history[0]).toBe(`<@${USER}> started the Gumloop flow flow-reddit. Starting it…`);
    expect(root.history).toContainEqual(expect.stringMatching(/^Gumloop run \S+ of flow flow-reddit: running…$/));
    expect(root.text).toMatch(/from \*gumloop run \S+\*/);
    expect(root.text).toContain(':white_check_mark: Done. 25 written');
  });

  it('a failed run posts its last log lines in the thread', async () => {
    const app = await start();
    gumloop!.defineFlow('flow-broken', { fail: { log: ['Reading r/startups', 'LLM node: rate limited by OpenAI', 'Flow failed'] } });
    await app.driver.command('run flow-broken');
    await app.slack.waitFor(() => app.slack.messages[0]?.text.startsWith(':x:') === true, 'the failure');
    const text = app.slack.messages[0]!.text;
    expect(text).toMatch(/^:x: The Gumloop run \S+ failed, so it has no quotes\. Its last log lines:\n(> .*\n)*> Reading r\/startups\n> LLM node: rate limited by OpenAI\n> Flow failed\nFix the flow in Gumloop/);
    expect(await app.app.context.store.jobs.list()).toEqual([]);
  });

  it('syncs a finished run by id; syncing it again writes nothing twice', async () => {
    const app = await start();
    const records = makeQuoteRecords(12, 62);
    gumloop!.defineFlow('flow-csv', { outputs: { Quotes: recordsToCsv(records) }, pollsUntilDone: 1 });
    const first = app.nextJob();
    await app.driver.command('run flow-csv');
    await app.app.context.jobs.finished((await first).id);
    const runId = gumloop!.runs[0]!.runId;
    const second = app.nextJob();
    await app.driver.command(`gumloop ${runId}`);
    const report = await app.app.context.jobs.finished((await second).id);
    expect(report).toMatchObject({ state: 'done', written: 0, alreadyPresent: 12 });
    expect(pageIds(app)).toHaveLength(12);
    expect(multiplicity(pageIds(app)).duplicates).toEqual([]);
  });

  it('says how to set Gumloop up when it is not configured', async () => {
    const app = await start({ GUMLOOP_API_KEY: '', GUMLOOP_USER_ID: '' });
    const ack = await app.driver.command('run flow-reddit');
    expect(ack.reply()).toEqual({ response_type: 'ephemeral', text: 'Gumloop is not set up here: set GUMLOOP_API_KEY and GUMLOOP_USER_ID.' });
    expect(gumloop!.requests).toEqual([]);
  });

  it('a wrong API key ends in a sentence in the thread, without the key', async () => {
    const app = await start({ GUMLOOP_API_KEY: 'not-the-key' });
    await app.driver.command('run flow-reddit');
    await app.slack.waitFor(() => app.slack.messages[0]?.text.startsWith(':x:') === true, 'the failure');
    expect(app.slack.messages[0]!.text).toMatch(/^:x: Gumloop refused the API key \(HTTP 401\)\. Check GUMLOOP_API_KEY/);
    expect(app.slack.messages[0]!.text).not.toContain('not-the-key');
  });

  it('names the outputs a run has when the quotes output is missing', async () => {
    const app = await start();
    gumloop!.defineFlow('flow-odd', { outputs: { summary: 'nothing', table: '[]' }, pollsUntilDone: 1 });
    await app.driver.command('run flow-odd');
    await app.slack.waitFor(() => app.slack.messages[0]?.text.startsWith(':x:') === true, 'the failure');
    expect(app.slack.messages[0]!.text).toMatch(/summary.*table|table.*summary/);
  });
});

describe('POST /gumloop/quotes', () => {
  it('takes a batch with the right secret, narrates it in GUMLOOP_CHANNEL_ID, and writes a repeated push once', async () => {
    const app = await start();
    const body = JSON.stringify({ quotes: makeQuoteRecords(20, 63) });
    const submitted = app.nextJob();
    const res = await push(app, body, { authorization: `Bearer ${SECRET}`, 'x-gumloop-run-id': 'run-42' });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { ok: boolean; job_id: string; quotes: number };
    expect(answer).toMatchObject({ ok: true, quotes: 20, rejected: 0 });
    const job = await submitted;
    expect(job.id).toBe(answer.job_id);
    await app.app.context.jobs.finished(job.id);
    const root = app.slack.messages.find((m) => m.channel === PUSH_CHANNEL)!;
    expect(root.history[0]).toBe('Gumloop pushed quotes from run run-42. Reading them…');
    expect(root.text).toContain(':white_check_mark: Done. 20 written');

    const again = app.nextJob();
    expect((await push(app, body, { authorization: `Bearer ${SECRET}` })).status).toBe(202);
    expect(await app.app.context.jobs.finished((await again).id)).toMatchObject({ written: 0, alreadyPresent: 20 });
    expect(pageIds(app)).toHaveLength(20);
  });

  it('?update=true changes the pages of pushed quotes whose fields differ, in place', async () => {
    const app = await start();
    const records = makeQuoteRecords(12, 65);
    const first = app.nextJob();
    expect((await push(app, JSON.stringify(records), { authorization: `Bearer ${SECRET}` })).status).toBe(202);
    await app.app.context.jobs.finished((await first).id);
    const rescored = records.map((r, i) => (i < 3 ? { ...r, relevance_score: 0.01, category: 'Reliability' } : r));
    const second = app.nextJob();
    const res = await fetch(`${app.driver.appUrl}/gumloop/quotes?update=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: JSON.stringify(rescored),
    });
    expect(res.status).toBe(202);
    expect(await app.app.context.jobs.finished((await second).id)).toMatchObject({ state: 'done', written: 0, updated: 3, unchanged: 9 });
    expect(pageIds(app)).toHaveLength(12);
    const thread = app.slack.messages.filter((m) => m.channel === PUSH_CHANNEL).at(-1)!;
    expect(thread.text).toContain(':white_check_mark: Done. 0 written, 0 already there, 3 updated, 9 unchanged, 0 duplicate(s)');
  });

  it('refuses a wrong or missing secret (401), a malformed body (400, with the reason), and starts nothing', async () => {
    const app = await start();
    const body = JSON.stringify(makeQuoteRecords(3, 64));
    expect((await push(app, body, { authorization: `Bearer ${SECRET}x` })).status).toBe(401);
    expect((await push(app, body, {})).status).toBe(401);
    expect((await push(app, body, { authorization: SECRET })).status).toBe(401);
    const malformed = await push(app, '{"quotes": [', { authorization: `Bearer ${SECRET}` });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/JSON/);
    const empty = await push(app, '[]', { authorization: `Bearer ${SECRET}` });
    expect(empty.status).toBe(400);
    expect(await app.app.context.store.jobs.list()).toEqual([]);
    expect(app.slack.messages.filter((m) => m.text.startsWith(':x: Gumloop pushed quotes I could not use'))).toHaveLength(2);
  });

  it('is off (404) while no secret is configured', async () => {
    const app = await start({ GUMLOOP_WEBHOOK_SECRET: '', GUMLOOP_CHANNEL_ID: '' });
    expect((await push(app, '[]', { authorization: 'Bearer anything-at-all-here' })).status).toBe(404);
  });
});

describe('/sync-quotes digest', () => {
  it('posts the digest of the last 24 hours in the channel, with the synced job in it', async () => {
    const app = await start();
    const submitted = app.nextJob();
    await push(app, JSON.stringify(makeQuoteRecords(6, 65)), { authorization: `Bearer ${SECRET}` });
    await app.app.context.jobs.finished((await submitted).id);
    const ack = await app.driver.command('digest');
    expect((await app.slack.commandResponse(ack.responseId)).text).toBe('Posted the digest of the last 24 hours in this channel, with its chart in the thread.');
    const digest = app.slack.messages.find((m) => m.channel === CHANNEL && m.blocks)!;
    expect(digest.blocks!.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(digest.blocks)).toContain('6');
    expect(digest.text.length).toBeGreaterThan(0);
    // The chart: a PNG in the digest's thread.
    const charts = [...app.slack.files.values()].filter((f) => f.name.endsWith('.png'));
    expect(charts).toHaveLength(1);
    expect(charts[0]).toMatchObject({ channel: CHANNEL, threadTs: digest.ts, mimetype: 'image/png', name: expect.stringMatching(/^quote-sync-digest-\d{4}-\d{2}-\d{2}\.png$/) });
    expect(charts[0]!.content.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(charts[0]!.size).toBe(charts[0]!.content.length);
    expect(charts[0]!.size).toBeGreaterThan(1000);
  });

  it('says so when the digest is posted but Slack refuses its chart', async () => {
    const app = await start();
    app.slack.injectNext('files.getUploadURLExternal', 'not_allowed_token_type');
    const ack = await app.driver.command('digest');
    expect((await app.slack.commandResponse(ack.responseId)).text).toBe(
      'Posted the digest of the last 24 hours in this channel; its chart could not be attached (not_allowed_token_type).',
    );
    expect(app.slack.messages.filter((m) => m.channel === CHANNEL && m.blocks)).toHaveLength(1);
    expect([...app.slack.files.values()].filter((f) => f.name.endsWith('.png'))).toHaveLength(0);
  });

  it('a bad DIGEST_CRON stops the app at start with a sentence naming it', async () => {
    await expect(start({ DIGEST_CHANNEL_ID: CHANNEL, DIGEST_CRON: 'every morning' })).rejects.toThrow(/DIGEST_CRON/);
  });
});
