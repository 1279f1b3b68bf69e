/**
 * `npm run manifest:http -- https://your.host`: the HTTP mode manifest, written from manifest.json
 * with the one URL the app in HTTP mode answers Slack on.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { httpManifest, SLACK_REQUESTS_PATH, slackRequestUrl, type SlackManifest } from '../../../src/slack/app/http-manifest.js';
import { writeHttpManifest } from '../../../scripts/manifest-http.js';
import { startSlackApp, type SlackAppHarness } from '../../support/slack-app.js';

const manifest = JSON.parse(readFileSync(new URL('../../../manifest.json', import.meta.url), 'utf8')) as SlackManifest;

function output() {
  let text = '';
  return { write: (t: string) => void (text += t), text: () => text };
}

describe('slackRequestUrl', () => {
  it('is the app\'s public https address with the path Bolt listens on, keeping a path a proxy adds', () => {
    expect(slackRequestUrl('https://quotes.example.com')).toBe('https://quotes.example.com/slack/events');
    expect(slackRequestUrl('https://quotes.example.com/')).toBe('https://quotes.example.com/slack/events');
    expect(slackRequestUrl('https://example.com:8443/quote-sync/')).toBe('https://example.com:8443/quote-sync/slack/events');
  });

  it.each(['http://quotes.example.com', 'quotes.example.com', 'https://quotes.example.com/?a=1', 'https://user:pw@quotes.example.com', ''])(
    'refuses %j with a sentence saying what to give',
    (value) => {
      expect(() => slackRequestUrl(value)).toThrow(ConfigError);
      expect(() => slackRequestUrl(value)).toThrow(/is not a public https address for the app\. Give the address Slack reaches the app at, such as https:\/\//);
    },
  );
});

describe('npm run manifest:http', () => {
  it('writes the HTTP manifest to the file given, and says what to set next', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'quote-sync-manifest-')), 'manifest.http.json');
    const stdout = output();
    const stderr = output();
    expect(await writeHttpManifest(['https://quotes.example.com', file], { stdout, stderr })).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(httpManifest(manifest, 'https://quotes.example.com'));
    expect(stderr.text()).toContain(`sent to https://quotes.example.com${SLACK_REQUESTS_PATH}`);
    expect(stderr.text()).toContain('Leave SLACK_APP_TOKEN unset, set SLACK_SIGNING_SECRET');
    expect(stdout.text()).toBe('');
  });

  it('prints it with `-`', async () => {
    const stdout = output();
    expect(await writeHttpManifest(['https://quotes.example.com', '-'], { stdout, stderr: output() })).toBe(0);
    expect(JSON.parse(stdout.text())).toEqual(httpManifest(manifest, 'https://quotes.example.com'));
  });

  it('exits 2 with the usage for no address or an unusable one, writing nothing', async () => {
    for (const args of [[], ['http://quotes.example.com', '-'], ['https://a.example', 'b', 'c']]) {
      const stdout = output();
      const stderr = output();
      expect(await writeHttpManifest(args, { stdout, stderr })).toBe(2);
      expect(stderr.text()).toContain('usage: npm run manifest:http -- https://your.host');
      expect(stdout.text()).toBe('');
    }
  });
});

describe('the app in HTTP mode', () => {
  let h: SlackAppHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers Slack on the path the HTTP manifest names (and checks the signature there)', async () => {
    h = await startSlackApp();
    const post = (path: string) => fetch(`${h!.driver.appUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    // Unsigned: refused by the signature check, so the route is there.
    expect((await post(SLACK_REQUESTS_PATH)).status).toBe(401);
    expect((await post('/slack/commands')).status).toBe(404);
  });
});
