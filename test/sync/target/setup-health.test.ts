import { APIErrorCode, APIResponseError } from '@notionhq/client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { RequestPacer } from '../../../src/notion/pacing/pacer.js';
import { refusalOf } from '../../../src/notion/failure.js';
import { checkNotionAccess, NOTION_ACCESS_CACHE_MS, NotionAccessCheck, type NotionAccessProbe } from '../../../src/sync/target/setup-health.js';

const PAGE = '0123456789abcdef0123456789abcdef';
const DATABASE = 'fedcba9876543210fedcba9876543210';
const config = (extra: Record<string, string> = {}) => loadConfig({ NOTION_TOKEN: 'ntn_secret', NOTION_PARENT_PAGE_ID: PAGE, ...extra });

function apiError(status: number, code: APIErrorCode, message: string): APIResponseError {
  return new APIResponseError({ code, status, message, headers: {}, rawBodyText: '{}', additional_data: undefined, request_id: undefined });
}

function probe(answer: () => Promise<{ url: string; inTrash: boolean }>) {
  const asked: string[] = [];
  const p: NotionAccessProbe = {
    retrieveDatabase: (id) => (asked.push(`database ${id}`), answer()),
    retrievePage: (id) => (asked.push(`page ${id}`), answer()),
  };
  return { probe: p, asked };
}

describe('checkNotionAccess', () => {
  it('asks for the parent page, or the database when one is set', async () => {
    const ok = probe(async () => ({ url: 'https://www.notion.so/x', inTrash: false }));
    expect(await checkNotionAccess(config(), ok.probe, 5)).toMatchObject({ ok: true, target: { kind: 'parent' }, url: 'https://www.notion.so/x', checkedAt: 5 });
    expect(await checkNotionAccess(config({ NOTION_DATABASE_ID: DATABASE }), ok.probe, 5)).toMatchObject({ ok: true, target: { kind: 'database' } });
    expect(ok.asked).toEqual(['page 01234567-89ab-cdef-0123-456789abcdef', 'database fedcba98-7654-3210-fedc-ba9876543210']);
  });

  it.each([
    [apiError(401, APIErrorCode.Unauthorized, 'API token is invalid.'), 'unauthorized', /notion\.so\/profile\/integrations/],
    [apiError(404, APIErrorCode.ObjectNotFound, 'Could not find page'), 'not_shared', /Connections/],
    [apiError(403, APIErrorCode.RestrictedResource, 'forbidden'), 'not_shared', /Connections/],
    [apiError(429, APIErrorCode.RateLimited, 'slow down'), 'rate_limited', /Nothing to do/],
    [apiError(502, APIErrorCode.InternalServerError, 'bad gateway'), 'unreachable', /status\.notion\.so/],
  ])('turns %s into the problem %s with what to do', async (error, problem, action) => {
    const failing = probe(() => Promise.reject(error));
    const access = await checkNotionAccess(config(), failing.probe, 0);
    expect(access).toMatchObject({ ok: false, problem, action: expect.stringMatching(action) });
    expect(JSON.stringify(access)).not.toContain('ntn_secret');
  });

  it('a target in the trash is a problem', async () => {
    const trashed = probe(async () => ({ url: '', inTrash: true }));
    expect(await checkNotionAccess(config(), trashed.probe, 0)).toMatchObject({ ok: false, problem: 'in_trash' });
  });

  it('without a token nothing is asked', async () => {
    expect(await checkNotionAccess(loadConfig({ NOTION_PARENT_PAGE_ID: PAGE }), undefined, 0)).toMatchObject({ ok: false, problem: 'token_missing' });
  });
});

describe('NotionAccessCheck', () => {
  const pacer = () => new RequestPacer({ requestsPerSecond: 1000, refusalOf });

  it('asks Notion once a minute, however often it is called, and shares the request in flight', async () => {
    let now = 0;
    const ok = probe(async () => ({ url: '', inTrash: false }));
    const check = new NotionAccessCheck({ config: config(), pacer: pacer(), probe: ok.probe, now: () => now });
    await Promise.all([check.current(), check.current()]);
    now = NOTION_ACCESS_CACHE_MS - 1;
    await check.current();
    expect(ok.asked).toHaveLength(1);
    now = NOTION_ACCESS_CACHE_MS;
    expect(await check.current()).toMatchObject({ ok: true, checkedAt: NOTION_ACCESS_CACHE_MS });
    expect(ok.asked).toHaveLength(2);
  });

  it('does not keep an unexpected failure (a bug): the next call asks again', async () => {
    let calls = 0;
    const failing = probe(() => (calls++ === 0 ? Promise.reject(new TypeError('bug')) : Promise.resolve({ url: '', inTrash: false })));
    const check = new NotionAccessCheck({ config: config(), pacer: pacer(), probe: failing.probe, now: () => 0 });
    await expect(check.current()).rejects.toThrow('bug');
    expect(await check.current()).toMatchObject({ ok: true });
  });
});
