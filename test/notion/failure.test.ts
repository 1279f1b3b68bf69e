import { APIResponseError, RequestTimeoutError, UnknownHTTPResponseError } from '@notionhq/client';
import { APIErrorCode } from '@notionhq/client';
import { describe, expect, it } from 'vitest';
import { classifyNotionError, refusalOf, mayHaveBeenApplied, tagEndpoint } from '../../src/notion/failure.js';
import { RequestsBlockedError } from '../../src/notion/pacing/refusals.js';

function apiError(status: number, code: APIErrorCode, headers: Record<string, string> = {}, additionalData?: Record<string, unknown>) {
  return new APIResponseError({
    code,
    status,
    message: `${code} happened`,
    headers: new Headers(headers),
    rawBodyText: '{}',
    additional_data: additionalData as never,
    request_id: 'req-1',
  });
}

describe('classifyNotionError', () => {
  it('tells a blocked integration (429 public_api_request_blocked) from a rate limit: it is not waited out', () => {
    expect(classifyNotionError(apiError(429, APIErrorCode.RateLimited, { 'retry-after': '1' }, { rate_limit_reason: 'public_api_request_blocked' }))?.kind).toBe('blocked');
    // The pacer hears of it as a block, not a pause to wait out.
    expect(refusalOf(apiError(429, APIErrorCode.RateLimited, {}, { rate_limit_reason: 'public_api_request_blocked' }))).toEqual({ limit: 'blocked', retryAfterMs: undefined });
  });

  it("reads one endpoint's own limit (public_api_endpoint_rate_limit) with the endpoint the gateway tagged, for the pacer to hold only it", () => {
    const error = tagEndpoint(apiError(429, APIErrorCode.RateLimited, { 'retry-after': '4' }, { rate_limit_reason: 'public_api_endpoint_rate_limit' }), 'POST /v1/pages');
    expect(classifyNotionError(error)).toMatchObject({ kind: 'rate_limited', limit: 'endpoint', endpoint: 'POST /v1/pages', retryAfterMs: 4000 });
    expect(refusalOf(error)).toEqual({ limit: 'endpoint', retryAfterMs: 4000, endpoint: 'POST /v1/pages' });
    // The tag is not part of the error's own fields (logs and JSON stay as Notion said).
    expect(Object.keys(error)).not.toContain('endpoint');
  });

  it('classifies a request the pacer kept back for a block as blocked', () => {
    expect(classifyNotionError(new RequestsBlockedError(Date.UTC(2026, 11, 3)))).toMatchObject({ kind: 'blocked', message: expect.stringMatching(/not sent/) });
  });

  it("reads the wait of a 429 or 529 from the body's additional_data.retry_after when the header is missing; the header wins when both are there", () => {
    expect(classifyNotionError(apiError(429, APIErrorCode.RateLimited, {}, { retry_after: 12 }))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 12_000 });
    expect(classifyNotionError(apiError(529, APIErrorCode.ServiceOverload, {}, { retry_after: '3' }))).toMatchObject({ kind: 'overloaded', retryAfterMs: 3000 });
    expect(classifyNotionError(apiError(429, APIErrorCode.RateLimited, { 'retry-after': '7' }, { retry_after: 12 }))).toMatchObject({ retryAfterMs: 7000 });
    expect(classifyNotionError(apiError(429, APIErrorCode.RateLimited, {}, { retry_after: -1 }))).toMatchObject({ retryAfterMs: undefined });
  });

  it('reads 429 with its Retry-After', () => {
    const f = classifyNotionError(apiError(429, APIErrorCode.RateLimited, { 'retry-after': '7' }));
    expect(f).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
  });

  it('tells 409, 5xx, 529, 401, 403, 404 and 400 apart', () => {
    expect(classifyNotionError(apiError(409, APIErrorCode.ConflictError))?.kind).toBe('conflict');
    expect(classifyNotionError(apiError(500, APIErrorCode.InternalServerError))?.kind).toBe('server');
    expect(classifyNotionError(apiError(503, APIErrorCode.ServiceUnavailable))?.kind).toBe('server');
    expect(classifyNotionError(apiError(504, APIErrorCode.GatewayTimeout))?.kind).toBe('server');
    expect(classifyNotionError(apiError(529, APIErrorCode.ServiceOverload))?.kind).toBe('overloaded');
    expect(classifyNotionError(apiError(401, APIErrorCode.Unauthorized))?.kind).toBe('unauthorized');
    expect(classifyNotionError(apiError(403, APIErrorCode.RestrictedResource))?.kind).toBe('forbidden');
    // The workspace block limit: 403 restricted_resource naming it in additional_data (Notion's "Workspace block limits").
    expect(classifyNotionError(apiError(403, APIErrorCode.RestrictedResource, {}, { block_limit: { limit: 1000 } }))?.kind).toBe('workspace_full');
    expect(classifyNotionError(apiError(404, APIErrorCode.ObjectNotFound))?.kind).toBe('not_found');
    expect(classifyNotionError(apiError(400, APIErrorCode.ValidationError))).toMatchObject({ kind: 'invalid', code: 'validation_error' });
  });

  it('treats a 502 page from a proxy (not JSON) as a server error', () => {
    const error = new UnknownHTTPResponseError({ status: 502, message: undefined, headers: new Headers(), rawBodyText: '<html>' });
    expect(classifyNotionError(error)?.kind).toBe('server');
  });

  it('recognises timeouts and dropped connections as possibly applied', () => {
    const timeout = classifyNotionError(new RequestTimeoutError());
    expect(timeout?.kind).toBe('timeout');
    const dropped = classifyNotionError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }));
    expect(dropped?.kind).toBe('network');
    expect(dropped?.message).toContain('UND_ERR_SOCKET');
    expect(mayHaveBeenApplied(timeout!)).toBe(true);
    expect(mayHaveBeenApplied(dropped!)).toBe(true);
    expect(mayHaveBeenApplied(classifyNotionError(apiError(502, APIErrorCode.InternalServerError))!)).toBe(true);
    expect(mayHaveBeenApplied(classifyNotionError(apiError(409, APIErrorCode.ConflictError))!)).toBe(false);
    expect(mayHaveBeenApplied(classifyNotionError(apiError(429, APIErrorCode.RateLimited))!)).toBe(false);
  });

  it('leaves programming errors alone', () => {
    expect(classifyNotionError(new RangeError('bug'))).toBeUndefined();
    expect(classifyNotionError('string')).toBeUndefined();
  });
});
