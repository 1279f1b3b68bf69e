/** The local Slack's Home tab methods behave as Slack documents them (views.publish, chat.getPermalink). */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackServer, type LocalSlack } from './local-slack.js';

let slack: LocalSlack;
let client: WebClient;
beforeEach(async () => {
  slack = await startSlackServer({ channels: ['C1'] });
  client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 } });
});
afterEach(() => slack.close());

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

async function slackError(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    const e = error as { code?: string; data?: { error?: string } };
    return e.code === ErrorCode.PlatformError ? e.data?.error : `not a platform error: ${String(error)}`;
  }
}

describe('views.publish', () => {
  it('keeps a home view for the person and answers it back', async () => {
    const res = await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [section('hello')] } });
    expect(res.view).toMatchObject({ type: 'home', blocks: [section('hello')] });
    expect(slack.views).toEqual([{ user: 'U1', view: { type: 'home', blocks: [section('hello')] } }]);
  });

  it('answers invalid_arguments for a view that is not a home view, has over 100 blocks, an overlong section or header, or no user', async () => {
    const modal = { type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: [section('x')] } as never;
    expect(await slackError(client.views.publish({ user_id: 'U1', view: modal }))).toBe('invalid_arguments');
    expect(await slackError(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: Array.from({ length: 101 }, () => section('x')) as never } }))).toBe('invalid_arguments');
    expect(await slackError(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [section('x'.repeat(3001))] as never } }))).toBe('invalid_arguments');
    expect(await slackError(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] } }))).toBe('invalid_arguments');
    expect(await slackError(client.views.publish({ user_id: '', view: { type: 'home', blocks: [] } }))).toBe('invalid_arguments');
    expect(await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: Array.from({ length: 100 }, () => section('x')) as never } })).toMatchObject({ ok: true });
    expect(slack.views).toHaveLength(1);
  });
});

describe('chat.getPermalink', () => {
  it("answers a message's permalink, with its thread for a reply, and Slack's errors otherwise", async () => {
    const root = await client.chat.postMessage({ channel: 'C1', text: 'root' });
    const reply = await client.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: root.ts! });
    const p = (ts: string) => ts.replace('.', '');
    expect((await client.chat.getPermalink({ channel: 'C1', message_ts: root.ts! })).permalink).toBe(`https://local.slack.test/archives/C1/p${p(root.ts!)}`);
    expect((await client.chat.getPermalink({ channel: 'C1', message_ts: reply.ts! })).permalink).toBe(
      `https://local.slack.test/archives/C1/p${p(reply.ts!)}?thread_ts=${root.ts}&cid=C1`,
    );
    expect(await slackError(client.chat.getPermalink({ channel: 'C1', message_ts: '1.000001' }))).toBe('message_not_found');
    expect(await slackError(client.chat.getPermalink({ channel: 'C404', message_ts: root.ts! }))).toBe('channel_not_found');
  });
});
