import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../../src/sync/resilience/breaker.js';
import type { Recovery } from '../../../src/sync/write/writer.js';
import { numberedQuotes, POLICY, writersClosedAfterEach } from '../../support/writer-setup.js';
import { subjectOf } from '../../support/fake-pages.js';

const writer = writersClosedAfterEach();

const UNAUTHORIZED =
  'Notion refused the integration token (401): it is invalid or was revoked. Set a valid NOTION_TOKEN and retry the job.';
const NOT_FOUND =
  'Notion cannot find the target database or page, or it is not shared with the integration (404). Share it with the integration (••• menu → Connections) and retry the job.';

describe('writeQuotes', () => {
  it('creates every quote once, in input order, and records each as written with its page', async () => {
    const w = await writer();

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    expect(w.notion.creates()).toEqual(['q1', 'q2', 'q3']);
    expect((await w.store.quotes.list(w.jobId)).map((q) => [q.quote.id, q.state, q.pageId])).toEqual([
      ['q1', 'written', 'page-1'],
      ['q2', 'written', 'page-2'],
      ['q3', 'written', 'page-3'],
    ]);
    expect(w.notion.queries()).toEqual([]);
    expect(w.clock.sleeps).toEqual([]);
  });

  it('retries a 409 after its back-off without a look-up, writing the next quotes meanwhile', async () => {
    const w = await writer();
    w.notion.script('q1', 'conflict');

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    const [conflict] = w.events;
    expect(conflict).toMatchObject({ kind: 'conflict', quoteId: 'q1', ambiguous: false, message: 'Notion reported a conflicting write (409)' });
    const backoff = conflict!.waitMs!;
    expect(backoff).toBeGreaterThanOrEqual(POLICY.baseMs / 2);
    expect(backoff).toBeLessThanOrEqual(POLICY.baseMs);
    expect(w.notion.creates()).toEqual(['q1', 'q2', 'q3', 'q1']);
    // Nothing else to send, the writer slept out the back-off and no sooner.
    expect(w.clock.sleeps).toEqual([backoff]);
    expect(w.notion.calls.at(-1)).toMatchObject({ kind: 'create', quoteId: 'q1', at: backoff });
    expect(w.notion.queries()).toEqual([]);
    expect(w.notion.pagesOf('q1')).toHaveLength(1);
    expect(await w.states()).toEqual({ q1: 'written', q2: 'written', q3: 'written' });
  });

  it('looks up a quote whose 5xx was applied before sending anything for it again, and finds its page', async () => {
    const w = await writer();
    w.notion.script('q1', 'server_error_applied');

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    expect(w.notion.calls.map((c) => [c.kind, subjectOf(c)])).toEqual([
      ['create', 'q1'],
      ['create', 'q2'],
      ['create', 'q3'],
      ['query', ['q1']],
    ]);
    expect(w.events[0]).toMatchObject({ kind: 'server_error', quoteId: 'q1', ambiguous: true });
    expect(w.notion.pagesOf('q1')).toHaveLength(1);
    expect((await w.store.quotes.list(w.jobId))[0]).toMatchObject({ state: 'written', pageId: w.notion.pagesOf('q1')[0]!.id });
  });

  it('creates a quote again once the look-up after its 5xx finds it absent', async () => {
    const w = await writer();
    w.notion.script('q1', 'server_error');

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    expect(w.notion.calls.map((c) => [c.kind, subjectOf(c)])).toEqual([
      ['create', 'q1'],
      ['create', 'q2'],
      ['create', 'q3'],
      ['query', ['q1']],
      ['create', 'q1'],
    ]);
    expect(w.notion.pagesOf('q1')).toHaveLength(1);
    expect(await w.states()).toEqual({ q1: 'written', q2: 'written', q3: 'written' });
  });

  it('batches the look-ups of uncertain quotes, at most 100 ids to a query', async () => {
    // 334 ms a request (3 a second): a quote's back-off (at most 100 ms) has passed by the
    // next request but one, so 100 are due once 101 creates are out; the last 49 are looked up
    // when nothing is left to send, and the very last after its own back-off.
    const w = await writer({ quotes: numberedQuotes(150), requestMs: 334 });
    for (let i = 1; i <= 150; i++) w.notion.script(`q${i}`, 'server_error_applied');

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    const queries = w.notion.queries();
    expect(queries.map((q) => q.ids.length)).toEqual([100, 49, 1]);
    expect(queries[0]!.ids).toEqual(numberedQuotes(100).map((q) => q.quote.id));
    const filter = queries[0]!.input.filter as { or: unknown[] };
    expect(filter.or).toHaveLength(100);
    expect(filter.or[0]).toEqual({ property: 'Quote ID', rich_text: { equals: 'q1' } });
    expect(w.notion.creates()).toHaveLength(150);
    expect(w.notion.pages).toHaveLength(150);
    expect(await w.store.quotes.counts(w.jobId)).toMatchObject({ written: 150, pending: 0, failed: 0 });
  });

  it('fails a quote whose create timed out up to the attempt limit once a last look-up finds it absent', async () => {
    const w = await writer();
    w.notion.script('q1', 'timeout', 'timeout', 'timeout', 'timeout');

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    const q1Calls = w.notion.calls.filter((c) => [subjectOf(c)].flat()[0] === 'q1');
    expect(q1Calls.map((c) => c.kind)).toEqual(['create', 'query', 'create', 'query', 'create', 'query', 'create', 'query']);
    const reason = 'the request to Notion timed out, 4 times; gave up.';
    expect((await w.store.quotes.list(w.jobId))[0]).toMatchObject({ state: 'failed', reason });
    expect(w.events.at(-1)).toEqual({ kind: 'failed', quoteId: 'q1', message: reason });
    expect(await w.states()).toEqual({ q1: 'failed', q2: 'written', q3: 'written' });
  });

  describe('rate limits', () => {
    it('sends a quote refused with 429 again after the pause the queue holds, and tells the pause', async () => {
      const w = await writer();
      w.notion.script('q1', { refused: 'rate_limited', pauseMs: 3000 });

      await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

      expect(w.events).toEqual([
        { kind: 'rate_limited', quoteId: 'q1', waitMs: 3000, ambiguous: false, message: 'Notion rate-limited the request (429)' },
      ]);
      // Back at the head of the queue; the queue, not the writer, held it.
      expect(w.notion.creates()).toEqual(['q1', 'q1', 'q2', 'q3']);
      expect(w.notion.calls[1]).toMatchObject({ quoteId: 'q1', at: 3000 });
      expect(w.clock.sleeps).toEqual([]);
      expect(await w.states()).toEqual({ q1: 'written', q2: 'written', q3: 'written' });
    });

    it('does not count a 429 or 529 as an attempt', async () => {
      // Two attempts allowed: counted, the 429 and the 529 would leave the 409 none to retry.
      const w = await writer({ policy: { ...POLICY, maxAttempts: 2 } });
      w.notion.script('q1', { refused: 'rate_limited', pauseMs: 1000 }, { refused: 'overloaded', pauseMs: 1000 }, 'conflict');

      await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

      expect(w.events.map((e) => e.kind)).toEqual(['rate_limited', 'overloaded', 'conflict']);
      expect(await w.states()).toEqual({ q1: 'written', q2: 'written', q3: 'written' });
    });

    it("never fails a quote on the workspace-wide limit, 25 times in a row, and says it waits for Notion's workspace", async () => {
      const w = await writer();
      w.notion.script('q1', ...Array.from({ length: 25 }, () => ({ refused: 'workspace_limited' as const, pauseMs: 90_000 })));

      await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

      expect(w.events).toHaveLength(25);
      for (const event of w.events) {
        expect(event).toEqual({
          kind: 'workspace_limited',
          quoteId: 'q1',
          waitMs: 90_000,
          ambiguous: false,
          message: "Notion's workspace-wide limit: waiting 90 s",
        });
      }
      expect(w.notion.creates().filter((id) => id === 'q1')).toHaveLength(26);
      expect(w.clock.now()).toBe(25 * 90_000);
      expect(await w.states()).toEqual({ q1: 'written', q2: 'written', q3: 'written' });
    });

    it("fails a quote on the integration's own 429 once it came more often in a row than the policy allows", async () => {
      const w = await writer();
      w.notion.script('q1', ...Array.from({ length: 4 }, () => ({ refused: 'rate_limited' as const, pauseMs: 1000 })));

      await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

      const reason = 'Notion kept answering "rate limited" (3 times in a row).';
      expect((await w.store.quotes.list(w.jobId))[0]).toMatchObject({ state: 'failed', reason });
      expect(w.events.at(-1)).toEqual({ kind: 'failed', quoteId: 'q1', message: reason });
      expect(w.notion.creates()).toEqual(['q1', 'q1', 'q1', 'q1', 'q2', 'q3']);
    });
  });

  describe('a target that cannot be written', () => {
    it('stops the job on a 401, leaving the quote pending and recovery unasked', async () => {
      const w = await writer();
      w.notion.script('q1', 'unauthorized');
      const recover = vi.fn<(why: string) => Promise<Recovery>>();

      await expect(w.write({ recover })).resolves.toEqual({ outcome: 'stopped', reason: UNAUTHORIZED });

      expect(await w.states()).toEqual({ q1: 'pending', q2: 'pending', q3: 'pending' });
      expect(w.notion.creates()).toEqual(['q1']);
      expect(recover).not.toHaveBeenCalled();
    });

    it('asks recovery on a 404 and writes on into the target it returns', async () => {
      const w = await writer();
      w.notion.script('q1', 'not_found');
      const recover = vi.fn(
        async (): Promise<Recovery> => ({ ok: true, target: { dataSourceId: 'ds-2' }, requeue: [], message: 'The database was made again.' }),
      );

      await expect(w.write({ recover })).resolves.toEqual({ outcome: 'finished' });

      expect(recover).toHaveBeenCalledExactlyOnceWith(NOT_FOUND);
      // A 404 is the target's problem, not the quote's: no 'failed' event for it.
      expect(w.events.map((e) => e.kind)).toEqual(['recovered']);
      expect(w.notion.calls.map((c) => [c.kind === 'create' && c.quoteId, c.kind === 'update' ? c.pageId : c.dataSourceId])).toEqual([
        ['q1', 'ds-1'],
        ['q1', 'ds-2'],
        ['q2', 'ds-2'],
        ['q3', 'ds-2'],
      ]);
      expect(w.notion.pages.map((p) => p.dataSourceId)).toEqual(['ds-2', 'ds-2', 'ds-2']);
      expect(await w.states()).toEqual({ q1: 'written', q2: 'written', q3: 'written' });
    });

    it('stops after three recoveries from 404s in one run', async () => {
      const w = await writer();
      w.notion.script('q1', 'not_found', 'not_found', 'not_found', 'not_found');
      let n = 1;
      const recover = vi.fn(
        async (): Promise<Recovery> => ({ ok: true, target: { dataSourceId: `ds-${++n}` }, requeue: [], message: 'made again' }),
      );

      await expect(w.write({ recover })).resolves.toEqual({ outcome: 'stopped', reason: NOT_FOUND });

      expect(recover).toHaveBeenCalledTimes(3);
      expect(w.notion.creates()).toEqual(['q1', 'q1', 'q1', 'q1']);
      expect(await w.states()).toEqual({ q1: 'pending', q2: 'pending', q3: 'pending' });
    });
  });

  describe('a job stopped on the way', () => {
    it('leaves a quote taken out of the queue before it was sent pending, not in flight', async () => {
      const stop = new AbortController();
      const w = await writer({
        signal: stop.signal,
        beforeSend: (request) => {
          if (request.kind === 'create' && request.quoteId === 'q2') stop.abort();
        },
      });

      await expect(w.write()).resolves.toEqual({ outcome: 'interrupted' });

      expect(w.notion.calls.map((c) => c.kind === 'create' && [c.quoteId, c.answer])).toEqual([
        ['q1', 'created'],
        ['q2', 'unqueued'],
      ]);
      expect(await w.states()).toEqual({ q1: 'written', q2: 'pending', q3: 'pending' });
    });

    it('stops during the pause between quotes without marking the next one in flight', async () => {
      const stop = new AbortController();
      const w = await writer({ signal: stop.signal });
      const sleep = async (ms: number, signal?: AbortSignal) => {
        stop.abort();
        await w.clock.sleep(ms, signal);
      };

      await expect(w.write({ pauseBetweenQuotesMs: 500, sleep })).resolves.toEqual({ outcome: 'interrupted' });

      expect(w.notion.calls).toHaveLength(1);
      expect(await w.states()).toEqual({ q1: 'written', q2: 'pending', q3: 'pending' });
    });
  });

  it('rejects a quote too long for Notion without a request, and writes the others', async () => {
    const quotes = numberedQuotes(3);
    quotes[1]!.quote.text = 'x'.repeat(200_001);
    const w = await writer({ quotes });

    await expect(w.write()).resolves.toEqual({ outcome: 'finished' });

    const reason = 'the text is 200,001 characters; Notion takes at most 200,000 in one title';
    expect(w.notion.creates()).toEqual(['q1', 'q3']);
    expect((await w.store.quotes.list(w.jobId))[1]).toMatchObject({ state: 'rejected', reason });
    expect(w.events).toEqual([{ kind: 'rejected', quoteId: 'q2', message: reason }]);
    expect(await w.store.quotes.counts(w.jobId)).toMatchObject({ written: 2, rejected: 1 });
  });

  it('waits out the circuit breaker opened by a run of 409s, then sends one probe whose success closes it', async () => {
    const w = await writer({ quotes: numberedQuotes(10) });
    for (let i = 1; i <= 10; i++) w.notion.script(`q${i}`, 'conflict');
    const breaker = new CircuitBreaker(
      { window: 10, conflictRatio: 0.2, consecutiveFailures: 3, cooldownMs: 1000, maxCooldownMs: 8000 },
      w.clock.now,
    );
    const sentAtEvent: Record<string, number> = {};
    const onEvent = (event: (typeof w.events)[number]) => {
      w.events.push(event);
      if (event.kind.startsWith('breaker')) sentAtEvent[event.kind] = w.notion.calls.length;
    };

    await expect(w.write({ breaker, onEvent })).resolves.toEqual({ outcome: 'finished' });

    const breakerEvents = w.events.filter((e) => e.kind.startsWith('breaker'));
    expect(breakerEvents.map((e) => e.kind)).toEqual(['breaker_open', 'breaker_closed']);
    expect(breakerEvents[0]).toMatchObject({
      trip: { trip: 1, reason: 'conflicts', cooldownMs: 1000, retryAt: 1000 },
      message: 'Circuit breaker opened (trip 1): 100% of the last 10 writes met a conflict (409). Writing pauses; one probe quote in 1 s.',
    });
    // Opened by the tenth 409; nothing went out during the cool-down; the one probe closed it.
    expect(sentAtEvent).toEqual({ breaker_open: 10, breaker_closed: 11 });
    expect(w.clock.sleeps).toEqual([1000]);
    expect(w.notion.calls[10]).toMatchObject({ kind: 'create', at: 1000, answer: 'created' });
    expect(breaker.state).toEqual({ kind: 'closed' });
    expect(await w.store.quotes.counts(w.jobId)).toMatchObject({ written: 10, pending: 0 });
    expect(w.notion.pages).toHaveLength(10);
  });
});
