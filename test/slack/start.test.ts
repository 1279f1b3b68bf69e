/**
 * `npm start` as a process: configuration problems stop it with one message naming every bad or
 * missing variable (exit 2, nothing listening); both Notion targets set is a warning; it runs with
 * or without a default Notion target; SIGTERM stops it cleanly (exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startNotionServer, type LocalNotion } from '../fakes/local-notion.js';
import { startSlackServer, type LocalSlack } from '../fakes/local-slack.js';
import { exited } from '../support/cli.js';
import { fastEnv, tempDbPath } from '../support/harness.js';

const MAIN = fileURLToPath(new URL('../../commands/main.ts', import.meta.url));

function startProcess(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

let notion: LocalNotion | undefined;
let slack: LocalSlack | undefined;
afterEach(async () => {
  await notion?.close();
  await slack?.close();
  notion = slack = undefined;
});

async function servers(): Promise<Record<string, string>> {
  notion = await startNotionServer();
  slack = await startSlackServer();
  return {
    ...fastEnv(notion, tempDbPath()),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: 'secret',
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
  };
}

describe('starting the app', () => {
  it.each([
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: '' }, /^quote-sync: SLACK_BOT_TOKEN is not set: the bot token/],
    ['SLACK_SIGNING_SECRET', { SLACK_SIGNING_SECRET: '' }, /^quote-sync: SLACK_SIGNING_SECRET is not set/],
    ['SLACK_APP_TOKEN', { SLACK_APP_TOKEN: 'xoxb-not-an-app-token' }, /^quote-sync: SLACK_APP_TOKEN must be an app-level token \(xapp-…\)/],
    ['NOTION_TOKEN', { NOTION_TOKEN: '' }, /^quote-sync: NOTION_TOKEN is not set/],
    ['PORT', { PORT: 'eighty' }, /^quote-sync: PORT is "eighty": /],
    ['a refused bot token', { SLACK_BOT_TOKEN: 'xoxb-revoked' }, /^quote-sync: SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\)/],
  ])('stops at once with exit 2 when %s is wrong', async (_name, change, message) => {
    const env = { ...(await servers()), ...change };
    const { child, output } = startProcess(env);
    const { code } = await exited(child);
    expect(code).toBe(2);
    expect(output().trim()).toMatch(message);
    expect(output()).not.toContain('    at ');
    expect(output()).not.toContain('xoxb-revoked');
  });

  it('names every missing or bad setting in one message, with what each should be (exit 2)', async () => {
    const env = { ...(await servers()), SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', NOTION_TOKEN: '', PORT: 'eighty', DIGEST_CHANNEL_ID: 'C0DIGEST', DIGEST_TZ: 'Mars/Olympus' };
    const { child, output } = startProcess(env);
    const { code } = await exited(child);
    expect(code).toBe(2);
    expect(output().trimEnd().split('\n')).toEqual([
      'quote-sync: 5 settings need fixing:',
      '  - PORT is "eighty": expected a whole number of at least 0.',
      expect.stringMatching(/^ {2}- SLACK_BOT_TOKEN is not set: the bot token \(xoxb-…\)/),
      expect.stringMatching(/^ {2}- SLACK_SIGNING_SECRET is not set: the signing secret .* \(or set SLACK_APP_TOKEN for Socket Mode\)\.$/),
      expect.stringMatching(/^ {2}- NOTION_TOKEN is not set: the internal integration secret/),
      expect.stringMatching(/^ {2}- DIGEST_TZ is "Mars\/Olympus", which is not a time zone\. Expected an IANA name/),
    ]);
  });

  it('with both Notion targets set, starts and warns that the database wins', async () => {
    const databaseId = '0123456789abcdef0123456789abcdef';
    const { child, output } = startProcess({ ...(await servers()), NOTION_DATABASE_ID: databaseId });
    await new Promise<void>((resolve, reject) => {
      const check = () => output().includes('quote sync is running') && resolve();
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', () => reject(new Error(`exited early: ${output()}`)));
    });
    child.kill('SIGTERM');
    expect((await exited(child)).code).toBe(0);
    const warning = output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((line) => line.msg.startsWith('NOTION_DATABASE_ID and NOTION_PARENT_PAGE_ID are both set'));
    expect(warning).toMatchObject({ level: 40, msg: expect.stringContaining('quotes go to the database 01234567-89ab-cdef-0123-456789abcdef') });
  });

  it('`npm start` (the built app, as people run it) stops cleanly on SIGTERM and leaves no process behind', async () => {
    // npm runs the script through sh; without `exec` a SIGTERM ended sh and npm, and the app ran on, orphaned.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', ...(await servers()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const seen = new Promise<void>((resolve, reject) => {
      const check = (d: Buffer) => {
        out += d.toString();
        if (out.includes('quote sync is running')) resolve();
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', () => reject(new Error(`exited early (is dist/ built? npm run build): ${out}`)));
    });
    await seen;
    child.kill('SIGTERM');
    const { code, signal } = await exited(child);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('quote sync stopped; unfinished jobs resume at the next start');
  });

  it.each([
    ['with a default Notion target', {}],
    ['without one: each channel chooses its own in Slack', { NOTION_PARENT_PAGE_ID: '', NOTION_DATABASE_ID: '' }],
  ])('runs until SIGTERM, then stops cleanly, %s', async (_name, change) => {
    const { child, output } = startProcess({ ...(await servers()), ...change });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => output().includes('quote sync is running') && resolve());
      child.stderr!.on('data', () => output().includes('quote sync is running') && resolve());
      child.once('exit', () => reject(new Error(`exited early: ${output()}`)));
    });
    child.kill('SIGTERM');
    const { code } = await exited(child);
    expect(code).toBe(0);
    expect(output()).toContain('quote sync stopped; unfinished jobs resume at the next start');
    expect(output()).not.toContain(slack!.token);
  });
});
