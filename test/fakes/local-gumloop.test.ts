/** The local Gumloop answers as the docs say, checked with plain fetch (no client of ours in between). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGumloopServer, type LocalGumloop } from './local-gumloop.js';

let gumloop: LocalGumloop;
beforeEach(async () => {
  gumloop = await startGumloopServer({ apiKey: 'key-1', userId: 'user-1', flows: { 'flow-1': { outputs: { quotes: '[]' }, pollsUntilDone: 2 } } });
});
afterEach(() => gumloop.close());

async function call(method: 'GET' | 'POST', path: string, options: { body?: unknown; key?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? 'key-1'}`;
  const response = await fetch(`${gumloop.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const start = (body: unknown = { user_id: 'user-1', saved_item_id: 'flow-1' }) => call('POST', '/start_pipeline', { body });

describe('local Gumloop', () => {
  it('answers 401 with an error body for a missing or wrong key', async () => {
    expect(await call('POST', '/start_pipeline', { key: null, body: {} })).toEqual({ status: 401, body: { error: expect.stringContaining('missing API key') } });
    expect(await call('GET', '/get_pl_run?run_id=x&user_id=user-1', { key: 'nope' })).toEqual({ status: 401, body: { error: expect.stringContaining('invalid API key') } });
  });

  it('takes the key as an api_key query parameter too, as the docs allow', async () => {
    const runId = (await start()).body.run_id as string;
    expect((await call('GET', `/get_pl_run?run_id=${runId}&user_id=user-1&api_key=key-1`, { key: null })).status).toBe(200);
  });

  it('validates start_pipeline bodies', async () => {
    expect(await start({ user_id: 'user-1' })).toEqual({ status: 400, body: { error: 'Bad request (missing saved_item_id)' } });
    expect(await start({ saved_item_id: 'flow-1' })).toEqual({ status: 400, body: { error: 'Bad request (missing user_id)' } });
    expect((await start({ user_id: 'user-1', saved_item_id: 'flow-1', pipeline_inputs: [{ input_name: 'user_id', value: 'x' }] })).status).toBe(400);
    expect((await start({ user_id: 'user-1', saved_item_id: 'flow-1', pipeline_inputs: [{ input_name: 'n', value: 3 }] })).status).toBe(400);
    expect((await start({ user_id: 'someone-else', saved_item_id: 'flow-1' })).status).toBe(403);
    expect((await start({ user_id: 'user-1', saved_item_id: 'unknown' })).status).toBe(404);
  });

  it('answers start_pipeline with the run id, flow, workbook and link', async () => {
    const { status, body } = await start({ user_id: 'user-1', saved_item_id: 'flow-1', pipeline_inputs: [{ input_name: 'topic', value: 'pricing' }] });
    expect(status).toBe(200);
    expect(body).toEqual({ run_id: expect.any(String), saved_item_id: 'flow-1', workbook_id: expect.any(String), url: expect.stringContaining(`run_id=${String(body.run_id)}`) });
    expect(gumloop.run(body.run_id as string)!.inputs).toEqual([{ input_name: 'topic', value: 'pricing' }]);
  });

  it('requires run_id and user_id on get_pl_run, and answers 404 for an unknown run', async () => {
    expect(await call('GET', '/get_pl_run?user_id=user-1')).toEqual({ status: 400, body: { error: 'Bad request (missing run_id)' } });
    expect((await call('GET', '/get_pl_run?run_id=x')).status).toBe(400);
    expect(await call('GET', '/get_pl_run?run_id=nope&user_id=user-1')).toEqual({ status: 404, body: { error: 'Flow run not found' } });
  });

  it('moves a run from RUNNING, without outputs, to DONE with them after the set number of polls', async () => {
    const runId = (await start()).body.run_id as string;
    const poll = () => call('GET', `/get_pl_run?run_id=${runId}&user_id=user-1`).then((r) => r.body);
    const first = await poll();
    expect(first).toMatchObject({ user_id: 'user-1', state: 'RUNNING', outputs: {}, created_ts: expect.any(String) });
    expect(first).not.toHaveProperty('finished_ts');
    expect(await poll()).toMatchObject({ state: 'DONE', outputs: { quotes: '[]' }, finished_ts: expect.any(String) });
  });

  it('ends a failing flow FAILED with its log lines', async () => {
    gumloop.defineFlow('flow-1', { fail: { log: ['Error: boom'] }, pollsUntilDone: 1 });
    const runId = (await start()).body.run_id as string;
    const { body } = await call('GET', `/get_pl_run?run_id=${runId}&user_id=user-1`);
    expect(body).toMatchObject({ state: 'FAILED', outputs: {} });
    expect((body.log as string[]).at(-1)).toBe('Error: boom');
  });

  it('fails the next requests as injected, then answers normally', async () => {
    gumloop.injectNext(429, 2, { retryAfterSeconds: 3 });
    const response = await fetch(`${gumloop.url}/get_pl_run?run_id=x&user_id=user-1`, { headers: { authorization: 'Bearer key-1' } });
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await start()).status).toBe(429);
    expect((await start()).status).toBe(200);
    expect(gumloop.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('rejects a start with 429 while the plan\'s concurrent runs are busy, with Retry-After when set; a finished run frees its slot', async () => {
    gumloop.defineFlow('slow', { outputs: { quotes: '[]' }, finishesWhenTold: true });
    gumloop.limitConcurrentRuns(2, { busyRetryAfterSeconds: 4 });
    const first = gumloop.startRun('slow');
    gumloop.startRun('slow');
    const response = await fetch(`${gumloop.url}/start_pipeline`, {
      method: 'POST',
      headers: { authorization: 'Bearer key-1', 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'user-1', saved_item_id: 'flow-1' }),
    });
    expect([response.status, response.headers.get('retry-after')]).toEqual([429, '4']);
    expect(await response.json()).toEqual({ error: expect.stringContaining('Concurrent run limit reached: 2 of 2') });
    expect(gumloop.runs).toHaveLength(2);
    // Polls never finish a run that waits to be told; finishRun does, and the slot is free again.
    const poll = () => call('GET', `/get_pl_run?run_id=${first.runId}&user_id=user-1`).then((r) => r.body.state);
    expect([await poll(), await poll(), await poll()]).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    gumloop.finishRun(first.runId);
    expect(await poll()).toBe('DONE');
    expect(gumloop.runningCount()).toBe(1);
    expect((await start()).status).toBe(200);
    expect(gumloop.starts().map((r) => r.status)).toEqual([429, 200]);
  });

  it('queues a start beyond the limit instead, as Enterprise does, and runs it when a slot frees', async () => {
    gumloop.defineFlow('slow', { outputs: {}, finishesWhenTold: true });
    gumloop.limitConcurrentRuns(1, { atLimit: 'queue' });
    const first = gumloop.startRun('slow');
    const { status, body } = await start();
    expect(status).toBe(200);
    expect(gumloop.run(body.run_id as string)!.state).toBe('QUEUED');
    gumloop.finishRun(first.runId);
    expect(gumloop.run(body.run_id as string)!.state).toBe('RUNNING');
  });

  it('drop-after starts the run, then loses the answer; waitFor resolves on what it saw', async () => {
    gumloop.injectNext('drop-after');
    const seen = gumloop.waitFor(() => gumloop.starts().length === 1, 'the start');
    await expect(start()).rejects.toThrow();
    await seen;
    expect(gumloop.starts().map((r) => r.status)).toEqual([-1]);
    expect(gumloop.runs).toHaveLength(1);
  });
});
