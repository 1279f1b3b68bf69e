import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GumloopAuthError,
  GumloopError,
  GumloopNotFoundError,
  GumloopRequestError,
  GumloopRunFailedError,
  GumloopTimeoutError,
} from '../../src/errors.js';
import {
  GumloopClient,
  isRetryablePollError,
  runOutcome,
  type WaitForRunOptions,
} from '../../src/gumloop/client.js';
import { startGumloopServer, type LocalGumloop } from '../fakes/local-gumloop.js';

const sampleQuotes = readFileSync(new URL('../fixtures/quotes/sample-gumloop.json', import.meta.url), 'utf8');

let gumloop: LocalGumloop;
beforeEach(async () => {
  gumloop = await startGumloopServer({ apiKey: 'gl-secret-key-123', userId: 'user-1' });
});
afterEach(() => gumloop.close());

function client(overrides: Partial<ConstructorParameters<typeof GumloopClient>[0]> = {}): GumloopClient {
  return new GumloopClient({ apiUrl: gumloop.url, apiKey: gumloop.apiKey, userId: gumloop.userId, ...overrides });
}

/** A clock that only moves when the client sleeps, so waits take no real time and are recorded. */
function fakeTime(): Pick<WaitForRunOptions, 'now' | 'sleep'> & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

const waiting = (time = fakeTime()): WaitForRunOptions => ({ timeoutMs: 60_000, initialDelayMs: 1_000, maxDelayMs: 8_000, ...time });

async function startRun(flow: Parameters<LocalGumloop['defineFlow']>[1]): Promise<string> {
  gumloop.defineFlow('flow-1', flow);
  return (await client().startPipeline('flow-1', [])).runId;
}

describe('startPipeline', () => {
  it('posts the flow, user and inputs with the Bearer key, and answers the run id and link', async () => {
    gumloop.defineFlow('flow-1', { outputs: {} });
    const started = await client({ projectId: 'proj-9' }).startPipeline('flow-1', [{ input_name: 'subreddit', value: 'SaaS' }]);

    expect(started).toEqual({ runId: gumloop.runs[0]!.runId, savedItemId: 'flow-1', url: expect.stringContaining(`run_id=${started.runId}`) });
    const [request] = gumloop.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/api/v1/start_pipeline', auth: 'Bearer gl-secret-key-123' });
    expect(request!.body).toEqual({
      user_id: 'user-1',
      saved_item_id: 'flow-1',
      project_id: 'proj-9',
      pipeline_inputs: [{ input_name: 'subreddit', value: 'SaaS' }],
    });
  });

  it('names an unknown flow', async () => {
    const error = await client().startPipeline('no-such-flow', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopNotFoundError);
    expect(error).toMatchObject({ kind: 'flow', id: 'no-such-flow', message: expect.stringContaining('no flow no-such-flow') });
  });

  it('does not retry a server error: a start may have happened, and a second one would run the flow twice', async () => {
    gumloop.defineFlow('flow-1', { outputs: {} });
    gumloop.injectNext(502);
    await expect(client().startPipeline('flow-1', [])).rejects.toMatchObject({ name: 'GumloopRequestError', status: 502 });
    expect(gumloop.requests).toHaveLength(1);
  });

  it("passes on Gumloop's own reason for a refused request", async () => {
    const error = await client().startPipeline('', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopRequestError);
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining('Bad request (missing saved_item_id)') });
  });
});

describe('getRun', () => {
  it('asks with the run and user ids, and reads state, log and timestamps', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 5 });
    const run = await client().getRun(runId);

    expect(run).toEqual({ runId, state: 'RUNNING', outputs: {}, log: expect.any(Array), createdTs: expect.any(String) });
    expect(gumloop.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/get_pl_run', query: { run_id: runId, user_id: 'user-1' } });
  });

  it('names an unknown run', async () => {
    const error = await client().getRun('no-such-run').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopNotFoundError);
    expect(error).toMatchObject({ kind: 'run', id: 'no-such-run' });
  });
});

describe('a refused key', () => {
  it('is a GumloopAuthError that tells which setting to check, without the key', async () => {
    const wrong = client({ apiKey: 'gl-wrong-key-456' });
    for (const call of [() => wrong.startPipeline('flow-1', []), () => wrong.getRun('any')]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GumloopAuthError);
      expect((error as GumloopAuthError).message).toContain('GUMLOOP_API_KEY');
      expect((error as GumloopAuthError).message).not.toContain('gl-wrong-key-456');
    }
  });

  it('stops waitForRun at the first poll, without retrying', async () => {
    const runId = await startRun({ outputs: {} });
    const time = fakeTime();
    await expect(client({ apiKey: 'gl-wrong-key-456' }).waitForRun(runId, waiting(time))).rejects.toBeInstanceOf(GumloopAuthError);
    expect(time.slept).toEqual([]);
  });
});

describe('waitForRun', () => {
  it('polls until DONE and answers the outputs', async () => {
    const runId = await startRun({ outputs: { quotes: sampleQuotes }, pollsUntilDone: 3 });
    const run = await client().waitForRun(runId, waiting());
    expect(run).toMatchObject({ runId, state: 'DONE', outputs: { quotes: sampleQuotes }, finishedTs: expect.any(String) });
  });

  it('reports each change of state once', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 4 });
    const states: string[] = [];
    await client().waitForRun(runId, { ...waiting(), onState: (run) => states.push(run.state) });
    expect(states).toEqual(['RUNNING', 'DONE']);
  });

  it('doubles the pause between polls up to maxDelayMs', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 6 });
    const time = fakeTime();
    await client().waitForRun(runId, { ...waiting(time), initialDelayMs: 500, maxDelayMs: 3_000 });
    expect(time.slept).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
  });

  it('throws a GumloopRunFailedError with the last log lines when the run FAILED', async () => {
    const log = ['Reddit Scraper: 40 posts', 'LLM: extracting', 'LLM: rate limited', 'LLM: retrying', 'LLM: gave up', 'Error: model quota exceeded'];
    const runId = await startRun({ fail: { log } });
    const error = await client().waitForRun(runId, waiting()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GumloopRunFailedError);
    expect(error).toMatchObject({ runId, state: 'FAILED', lastLog: log.slice(-5) });
    expect((error as Error).message).toContain(`The Gumloop run ${runId} failed`);
    expect((error as Error).message).toContain('> Error: model quota exceeded');
  });

  it('throws a GumloopRunFailedError when the run was TERMINATED', async () => {
    const runId = await startRun({ terminate: { log: ['Run stopped by user'] } });
    const error = await client().waitForRun(runId, waiting()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'GumloopRunFailedError', state: 'TERMINATED' });
    expect((error as GumloopRunFailedError).lastLog.at(-1)).toBe('Run stopped by user');
    expect((error as Error).message).toContain('was stopped (TERMINATED)');
  });

  it('gives up with a GumloopTimeoutError at the deadline, polling one last time there', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 1_000 });
    const time = fakeTime();
    const error = await client().waitForRun(runId, { ...waiting(time), timeoutMs: 10_000, initialDelayMs: 1_000, maxDelayMs: 4_000 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GumloopTimeoutError);
    expect(error).toMatchObject({ runId, timeoutMs: 10_000, lastState: 'RUNNING' });
    expect((error as Error).message).toContain(`/sync-quotes gumloop ${runId}`);
    expect(time.slept).toEqual([1_000, 2_000, 4_000, 3_000]);
    expect(gumloop.run(runId)!.polls).toBe(5);
  });

  it('retries a poll that met a server error', async () => {
    const runId = await startRun({ outputs: { quotes: '[]' }, pollsUntilDone: 1 });
    gumloop.injectNext(500);
    const run = await client().waitForRun(runId, waiting());
    expect(run.state).toBe('DONE');
    expect(gumloop.requests.filter((r) => r.path.endsWith('/get_pl_run')).map((r) => r.status)).toEqual([500, 200]);
  });

  it('retries a poll whose connection dropped', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 1 });
    gumloop.injectNext('drop');
    await expect(client().waitForRun(runId, waiting())).resolves.toMatchObject({ state: 'DONE' });
  });

  it('waits as long as Retry-After says after a 429', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 1 });
    gumloop.injectNext(429, 1, { retryAfterSeconds: 7 });
    const time = fakeTime();
    await client().waitForRun(runId, waiting(time));
    expect(time.slept).toEqual([7_000]);
  });

  it('gives up at once when Retry-After reaches past the deadline', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 1 });
    gumloop.injectNext(429, 1, { retryAfterSeconds: 120 });
    const time = fakeTime();
    await expect(client().waitForRun(runId, { ...waiting(time), timeoutMs: 60_000 })).rejects.toBeInstanceOf(GumloopTimeoutError);
    expect(time.slept).toEqual([]);
  });

  it('refuses a zero delay, which would poll in a busy loop', async () => {
    await expect(client().waitForRun('run-1', { ...waiting(), initialDelayMs: 0 })).rejects.toThrow(
      "waitForRun's initialDelayMs must be a positive number of milliseconds, got 0 (number).",
    );
    expect(gumloop.requests).toEqual([]);
  });

  it('stops when its signal is aborted', async () => {
    const runId = await startRun({ outputs: {}, pollsUntilDone: 1_000 });
    const controller = new AbortController();
    const options = { ...waiting(), signal: controller.signal, onState: () => controller.abort(new Error('job cancelled')) };
    await expect(client().waitForRun(runId, options)).rejects.toThrow('job cancelled');
  });
});

describe('the API key', () => {
  it('never appears in a message, even when Gumloop echoes it back', async () => {
    const echo: typeof fetch = async () => new Response(JSON.stringify({ error: 'bad request for key gl-secret-key-123' }), { status: 400 });
    const error = await client({ fetch: echo }).getRun('run-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopRequestError);
    expect((error as Error).message).not.toContain('gl-secret-key-123');
    expect((error as Error).message).toContain('[redacted]');
  });

  it('never appears in a failed run\'s log lines', async () => {
    const runId = await startRun({ fail: { log: ['Authorization: Bearer gl-secret-key-123 rejected'] } });
    const error = (await client().waitForRun(runId, waiting()).catch((e: unknown) => e)) as GumloopRunFailedError;
    expect(error.lastLog.join('\n')).not.toContain('gl-secret-key-123');
    expect(error.message).not.toContain('gl-secret-key-123');
  });
});

describe('errors', () => {
  it('are GumloopErrors carrying a code each', async () => {
    const error = await client().getRun('no-such-run').catch((e: unknown) => e);
    expect(GumloopError.isGumloopError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'gumloop_not_found' });
  });

  it('name an unreachable Gumloop without the raw fetch error', async () => {
    await gumloop.close();
    const error = await client().getRun('run-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GumloopRequestError);
    expect(error).toMatchObject({ status: undefined, message: expect.stringMatching(/^Quote Sync could not reach Gumloop \(ECONNREFUSED\)/) });
    gumloop = await startGumloopServer();
  });
});

describe('decisions', () => {
  it('runOutcome: DONE is done; FAILED, TERMINATING and TERMINATED are failed; the rest pending', async () => {
    expect(['DONE', 'FAILED', 'TERMINATING', 'TERMINATED', 'RUNNING', 'QUEUED', 'STARTED', 'SOMETHING_NEW'].map(runOutcome)).toEqual([
      'done', 'failed', 'failed', 'failed', 'pending', 'pending', 'pending', 'pending',
    ]);
  });

  it('isRetryablePollError: no answer, 429 and 5xx are; 4xx and other errors are not', async () => {
    const statuses = [undefined, 429, 500, 503, 400, 409];
    expect(statuses.map((s) => isRetryablePollError(new GumloopRequestError('x', s)))).toEqual([true, true, true, true, false, false]);
    expect(isRetryablePollError(new GumloopAuthError(401))).toBe(false);
    expect(isRetryablePollError(new Error('x'))).toBe(false);
  });
});

describe('the constructor', () => {
  it('refuses a missing key, naming the option but not showing any value', async () => {
    expect(() => new GumloopClient({ apiUrl: 'http://x', apiKey: '', userId: 'u' })).toThrow(/non-empty apiKey, got an empty string/);
  });
});
