import { describe, expect, it } from 'vitest';
import { loadConfig, parseNotionId } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const ID = '0123456789abcdef0123456789abcdef';
const DASHED = '01234567-89ab-cdef-0123-456789abcdef';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.notion.apiUrl).toBe('https://api.notion.com');
    expect(config.notion.requestsPerSecond).toBe(3);
    expect(config.notion.retryBaseMs).toBe(1000);
    expect(config.notion.retryMaxMs).toBe(30_000);
    expect(config.notion.maxAttempts).toBe(8);
    expect(config.notion.timeoutMs).toBe(30_000);
    expect(config.notion.readyTimeoutMs).toBe(60_000);
    expect(config.dbPath).toBe('./data/quote-sync.db');
    expect(config.breaker).toEqual({ window: 20, conflictRatio: 0.2, cooldownMs: 30_000, recoverAfterTrips: 3 });
    expect(config.digest).toEqual({ channelId: undefined, cron: '0 9 * * *', timezone: 'UTC' });
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.slack.port).toBe(3000);
    expect(config.access.maxFileBytes).toBe(20_000_000);
    expect(config.access.allowedUserIds).toEqual([]);
    expect(config.gumloop.quotesOutput).toBe('quotes');
  });

  it('reads Notion ids with or without dashes, or from a URL', () => {
    expect(loadConfig({ NOTION_DATABASE_ID: ID }).notion.databaseId).toBe(DASHED);
    expect(loadConfig({ NOTION_PARENT_PAGE_ID: `https://www.notion.so/team/Research-${ID}?pvs=4` }).notion.parentPageId).toBe(DASHED);
    expect(parseNotionId('not-an-id')).toBeUndefined();
  });

  it('names the variable, the value and the expected form', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return error as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    const rate = bad({ NOTION_REQUESTS_PER_SECOND: 'fast' });
    expect(rate).toBeInstanceOf(ConfigError);
    expect(rate.variable).toBe('NOTION_REQUESTS_PER_SECOND');
    expect(rate.message).toContain('"fast"');
    expect(rate.message).toContain('number greater than 0');
    expect(bad({ NOTION_MAX_ATTEMPTS: '0' }).message).toMatch(/NOTION_MAX_ATTEMPTS is "0".*at least 1/);
    expect(bad({ NOTION_TIMEOUT_MS: '1.5' }).variable).toBe('NOTION_TIMEOUT_MS');
    expect(bad({ NOTION_API_URL: 'ftp://x' }).variable).toBe('NOTION_API_URL');
    expect(bad({ NOTION_DATABASE_ID: 'nope' }).message).toContain('Notion id');
    expect(bad({ BREAKER_CONFLICT_RATIO: '1.5' }).variable).toBe('BREAKER_CONFLICT_RATIO');
    expect(bad({ ALLOW_PRIVATE_URLS: 'maybe' }).variable).toBe('ALLOW_PRIVATE_URLS');
    expect(bad({ NOTION_RETRY_BASE_MS: '5000', NOTION_RETRY_MAX_MS: '100' }).variable).toBe('NOTION_RETRY_MAX_MS');
  });

  it('never echoes a secret in an error', () => {
    // A token is free text and always valid; a bad secret-named variable would be redacted.
    expect(() => loadConfig({ GUMLOOP_API_URL: 'nope' })).toThrow(/"nope"/);
    const config = loadConfig({ NOTION_TOKEN: '  ntn_abc  ' });
    expect(config.notion.token).toBe('ntn_abc');
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config.notion)).toBe(true);
    expect(Object.isFrozen(config.access.allowedUserIds)).toBe(true);
  });

  it('reads METRICS_TOKEN: unset by default, at least 16 characters, never echoed', () => {
    expect(loadConfig({}).slack.metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: ' 0123456789abcdef ' }).slack.metricsToken).toBe('0123456789abcdef');
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' })).toThrow('METRICS_TOKEN is "[redacted]": expected at least 16 random characters (e.g. `openssl rand -hex 32`).');
  });

  it('splits comma lists and trims', () => {
    expect(loadConfig({ ALLOWED_USER_IDS: ' U1, U2 ,,U3 ' }).access.allowedUserIds).toEqual(['U1', 'U2', 'U3']);
    expect(loadConfig({ ALLOW_PRIVATE_URLS: 'true' }).access.allowPrivateUrls).toBe(true);
  });
});
