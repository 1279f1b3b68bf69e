import { describe, expect, it } from 'vitest';
import type { QuoteState } from '../../../src/store/index.js';
import type { CreateResult } from '../../../src/sync/write/create-quote.js';
import type { CreateAnswer } from '../../support/fake-pages.js';
import { writersClosedAfterEach } from '../../support/writer-setup.js';

const writer = writersClosedAfterEach();

describe('createQuotePage', () => {
  it('commits the quote as in flight before its request goes out', async () => {
    const seen: QuoteState[] = [];
    const w = await writer({ beforeSend: () => void w.store.quotes.list(w.jobId).then((list) => seen.push(list[0]!.state)) });

    await w.create(await w.queued('q1'));

    expect(seen).toEqual(['in_flight']);
    expect((await w.states()).q1).toBe('written');
  });

  // What comes next for the quote, what the circuit breaker is told, and the state committed.
  const cases: { answer: CreateAnswer; name: string; result: CreateResult; state: QuoteState }[] = [
    { name: 'a page made', answer: 'created', result: { kind: 'done', outcome: 'success' }, state: 'written' },
    { name: 'a 409', answer: 'conflict', result: { kind: 'later', outcome: 'conflict' }, state: 'pending' },
    { name: 'a 500', answer: 'server_error', result: { kind: 'look_up', outcome: 'failure' }, state: 'uncertain' },
    { name: 'a timeout', answer: 'timeout_applied', result: { kind: 'look_up', outcome: 'failure' }, state: 'uncertain' },
    { name: 'a 429', answer: { refused: 'rate_limited', pauseMs: 1000 }, result: { kind: 'again_now' }, state: 'pending' },
    { name: 'a 529', answer: { refused: 'overloaded', pauseMs: 1000 }, result: { kind: 'again_now' }, state: 'pending' },
    {
      name: 'a 401',
      answer: 'unauthorized',
      result: { kind: 'stop', reason: expect.stringContaining('(401)'), targetProblem: false },
      state: 'pending',
    },
    {
      name: 'a 404',
      answer: 'not_found',
      result: { kind: 'stop', reason: expect.stringContaining('(404)'), targetProblem: true },
      state: 'pending',
    },
  ];
  it.each(cases)('after $name: $result.kind, the quote $state', async ({ answer, result, state }) => {
    const w = await writer();
    w.notion.script('q1', answer);

    await expect(w.create(await w.queued('q1'))).resolves.toEqual(result);

    expect((await w.states()).q1).toBe(state);
  });

  it('fails a quote Notion refuses as invalid, without a look-up and without telling the breaker', async () => {
    const w = await writer();
    w.notion.script('q1', 'invalid');

    await expect(w.create(await w.queued('q1'))).resolves.toEqual({ kind: 'done' });

    expect((await w.store.quotes.list(w.jobId))[0]).toMatchObject({
      state: 'failed',
      reason: 'Notion refused this quote: body failed validation: body.properties.Quote.title should be defined.',
    });
  });

  it('throws a failure that is not Notion’s as it is, leaving the quote in flight to be looked up on resume', async () => {
    const w = await writer();
    const bug = new RangeError('a bug');
    w.notion.script('q1', { throws: bug });

    await expect(w.create(await w.queued('q1'))).rejects.toBe(bug);

    expect((await w.states()).q1).toBe('in_flight');
  });

  it('makes the body once for a target, and anew for another one', async () => {
    const w = await writer();
    w.notion.script('q1', 'conflict', 'conflict');
    const p = await w.queued('q1');

    await w.create(p);
    const first = p.body;
    await w.create(p);
    expect(p.body).toBe(first);
    await w.create(p, { dataSourceId: 'ds-2' });

    expect(p.body).not.toBe(first);
    expect(w.notion.calls.map((c) => (c.kind === "update" ? c.pageId : c.dataSourceId))).toEqual(['ds-1', 'ds-1', 'ds-2']);
  });
});
