import { describe, expect, it } from 'vitest';
import { loadConfig, parseNotionId, type ConfigRequirement } from '../src/config.js';
import { appSettingProblems } from '../src/slack/app/app-settings.js';
import { bothTargetsNote, syncSettingProblems } from '../src/sync/target/notion-settings.js';
import { ConfigError } from '../src/errors.js';

const ID = '0123456789abcdef0123456789abcdef';
const DASHED = '01234567-89ab-cdef-0123-456789abcdef';

/** The ConfigError loadConfig throws for `env`. */
function bad(env: Record<string, string>, require?: ConfigRequirement): ConfigError {
  try {
    loadConfig(env, require ? { require } : {});
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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

  it('names every bad variable in one error, each with its value and the form expected', () => {
    const error = bad({ PORT: 'eighty', NOTION_API_URL: 'ftp://x', NOTION_MAX_ATTEMPTS: '0', ALLOW_PRIVATE_URLS: 'maybe' });
    expect(error.problems.map((p) => p.variable)).toEqual(['NOTION_API_URL', 'NOTION_MAX_ATTEMPTS', 'PORT', 'ALLOW_PRIVATE_URLS']);
    expect(error.variable).toBe('NOTION_API_URL');
    expect(error.message.split('\n')).toEqual([
      '4 settings need fixing:',
      '  - NOTION_API_URL is "ftp://x": expected an http(s) URL.',
      '  - NOTION_MAX_ATTEMPTS is "0": expected a whole number of at least 1.',
      '  - PORT is "eighty": expected a whole number of at least 0.',
      '  - ALLOW_PRIVATE_URLS is "maybe": expected true or false.',
    ]);
    // One problem is its own sentence, as before.
    expect(bad({ PORT: 'eighty' }).message).toBe('PORT is "eighty": expected a whole number of at least 0.');
  });

  it('adds what the program requires, and does not call a malformed variable missing too', () => {
    const error = bad({ NOTION_TOKEN: '', NOTION_REQUESTS_PER_SECOND: 'fast' }, (config) => [
      ...syncSettingProblems(config),
      { variable: 'NOTION_REQUESTS_PER_SECOND', message: 'NOTION_REQUESTS_PER_SECOND is required.' },
    ]);
    expect(error.problems.map((p) => p.variable)).toEqual(['NOTION_REQUESTS_PER_SECOND', 'NOTION_TOKEN', 'NOTION_PARENT_PAGE_ID']);
    expect(error.problems[0]!.message).toContain('"fast"');
  });

  it('checks the retry bounds against each other only when both are well formed', () => {
    expect(bad({ NOTION_RETRY_BASE_MS: 'soon', NOTION_RETRY_MAX_MS: '100' }).problems.map((p) => p.variable)).toEqual(['NOTION_RETRY_BASE_MS']);
  });

  it('the app needs its Slack credentials and a Notion token, all named together', () => {
    const config = loadConfig({ SLACK_APP_TOKEN: 'xoxb-not-app-level', GUMLOOP_WEBHOOK_SECRET: 'short' });
    expect(appSettingProblems(config).map((p) => p.variable)).toEqual(['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'GUMLOOP_WEBHOOK_SECRET', 'NOTION_TOKEN']);
    const http = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', NOTION_TOKEN: 'ntn_1' });
    expect(appSettingProblems(http).map((p) => p.variable)).toEqual(['SLACK_SIGNING_SECRET']);
  });

  it('says, when both Notion targets are set, that the database wins', () => {
    expect(bothTargetsNote(loadConfig({ NOTION_DATABASE_ID: ID }))).toBeUndefined();
    expect(bothTargetsNote(loadConfig({ NOTION_DATABASE_ID: ID, NOTION_PARENT_PAGE_ID: 'ffffffffffffffffffffffffffffffff' }))).toBe(
      `NOTION_DATABASE_ID and NOTION_PARENT_PAGE_ID are both set: quotes go to the database ${DASHED}, ` +
        'and the page ffffffff-ffff-ffff-ffff-ffffffffffff is not used. Unset one of the two to silence this.',
    );
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
