/**
 * The local Slack's methods behave as Slack documents them (views.publish, chat.getPermalink,
 * trigger ids, views.open, views.update, conversations.info), and the test driver plays a modal as
 * Slack does (block_suggestion, block_actions, view_submission) with a Bolt app that opens it.
 */
import type { Server } from 'node:http';
import { App } from '@slack/bolt';
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, SlackDriver, USER } from '../support/slack-app.js';
import { startSlackServer, type LocalSlack } from './local-slack.js';

/** Refusals are what these tests expect: the client logs none of them. */
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };
const clientFor = (s: LocalSlack) => new WebClient(s.token, { slackApiUrl: s.apiUrl, logger: silent, retryConfig: { retries: 0 } });

let slack: LocalSlack;
let client: WebClient;
beforeEach(async () => {
  slack = await startSlackServer({ channels: ['C1'] });
  client = clientFor(slack);
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

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const option = (text: string, value = text.toLowerCase()) => ({ text: plain(text), value });
const modal = (extra: Record<string, unknown> = {}) => ({ type: 'modal' as const, title: plain('Sync quotes'), blocks: [section('hello')], ...extra }) as never;
const input = (blockId: string, element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'input', block_id: blockId, label: plain('Label'), element, ...extra });

/** The error code and `response_metadata.messages` of a refused call. */
async function slackRefusal(call: Promise<unknown>): Promise<{ error?: string; messages?: string[] }> {
  try {
    await call;
    return {};
  } catch (error) {
    const data = (error as { data?: { error?: string; response_metadata?: { messages?: string[] } } }).data;
    return { error: data?.error, messages: data?.response_metadata?.messages };
  }
}

describe('trigger ids', () => {
  it('look like Slack\'s and open one modal, once, for the person they were issued for', async () => {
    const trigger = slack.issueTrigger('U1');
    expect(trigger).toMatch(/^\d+\.\d+\.[0-9a-f]{32}$/);
    const res = await client.views.open({ trigger_id: trigger, view: modal() });
    expect(slack.currentModal(res.view!.id!).user).toBe('U1');
    expect(await slackError(client.views.open({ trigger_id: trigger, view: modal() }))).toBe('exchanged_trigger_id');
    expect(await slackError(client.views.open({ trigger_id: '12345.98765.abcd2358fdea', view: modal() }))).toBe('invalid_trigger_id');
    expect(slack.modals.size).toBe(1);
  });

  it('expire after triggerTtlMs (Slack: 3 seconds)', async () => {
    const quick = await startSlackServer({ triggerTtlMs: 50 });
    try {
      const quickClient = clientFor(quick);
      const late = quick.issueTrigger();
      const soon = quick.issueTrigger();
      expect(await quickClient.views.open({ trigger_id: soon, view: modal() })).toMatchObject({ ok: true });
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await slackError(quickClient.views.open({ trigger_id: late, view: modal() }))).toBe('expired_trigger_id');
    } finally {
      await quick.close();
    }
  });
});

describe('views.open', () => {
  it('answers the modal as Slack does and keeps it, with the block_ids Slack makes up', async () => {
    const view = modal({ callback_id: 'pick', private_metadata: 'C1', submit: plain('Sync'), blocks: [section('hello'), input('target', { type: 'external_select', action_id: 'database' })] });
    const res = await client.views.open({ trigger_id: slack.issueTrigger('U1'), view });
    const opened = res.view!;
    expect(opened).toMatchObject({
      id: expect.stringMatching(/^V[A-Z0-9]{10}$/) as unknown,
      team_id: slack.teamId,
      type: 'modal',
      callback_id: 'pick',
      private_metadata: 'C1',
      hash: expect.stringMatching(/^\d+\.\w+$/) as unknown,
      state: { values: {} },
      title: plain('Sync quotes'),
      submit: plain('Sync'),
      close: null,
      root_view_id: opened.id,
      previous_view_id: null,
      app_id: 'A0LOCAL',
      bot_id: 'B0BOT',
    });
    expect(opened.blocks?.[0]?.block_id).toMatch(/^\w+$/);
    expect(opened.blocks?.[1]).toMatchObject({ block_id: 'target', element: { action_id: 'database' } });
    expect(slack.lastModal()).toMatchObject({ id: opened.id, user: 'U1', hash: opened.hash, closed: false, history: [view] });
    expect(slack.views).toEqual([]);
  });

  it("refuses an invalid modal with invalid_arguments and Slack's messages, leaving the trigger unused", async () => {
    const trigger = slack.issueTrigger();
    const refusal = (view: Record<string, unknown>) => slackRefusal(client.views.open({ trigger_id: trigger, view: modal(view) }));
    expect(await refusal({ title: plain('x'.repeat(25)) })).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] must be less than 24 characters [json-pointer:/view/title/text]'],
    });
    const select = (options: unknown[], extra: Record<string, unknown> = {}) => ({ submit: plain('Go'), blocks: [input('b', { type: 'static_select', action_id: 's', options, ...extra })] });
    const cases: [string, Record<string, unknown>, string][] = [
      ['no title', { title: undefined }, 'missing required field: title [json-pointer:/view]'],
      ['a mrkdwn title', { title: { type: 'mrkdwn', text: 't' } }, '/view/title/type'],
      ['a long submit label', { submit: plain('x'.repeat(25)) }, '/view/submit/text'],
      ['a long close label', { close: plain('x'.repeat(25)) }, '/view/close/text'],
      ['not a modal', { type: 'home' }, '/view/type'],
      ['101 blocks', { blocks: Array.from({ length: 101 }, () => section('x')) }, '/view/blocks]'],
      ['inputs without submit', { blocks: [input('b', { type: 'plain_text_input', action_id: 'a' })] }, 'must provide submit'],
      ['an input without label', { submit: plain('Go'), blocks: [{ type: 'input', element: { type: 'plain_text_input' } }] }, '/view/blocks/0]'],
      ['an input without element', { submit: plain('Go'), blocks: [{ type: 'input', label: plain('L') }] }, 'missing required field: element'],
      ['a long input label', { submit: plain('Go'), blocks: [input('b', { type: 'plain_text_input' }, { label: plain('x'.repeat(2001)) })] }, '/view/blocks/0/label/text'],
      ['a long callback_id', { callback_id: 'x'.repeat(256) }, '/view/callback_id'],
      ['long private_metadata', { private_metadata: 'x'.repeat(3001) }, '/view/private_metadata'],
      ['a repeated block_id', { blocks: [{ ...section('a'), block_id: 'same' }, { ...section('b'), block_id: 'same' }] }, '/view/blocks/1/block_id'],
      ['a long block_id', { blocks: [{ ...section('a'), block_id: 'x'.repeat(256) }] }, '/view/blocks/0/block_id'],
      ['a long section', { blocks: [section('x'.repeat(3001))] }, '/view/blocks/0/text/text'],
      ['11 context elements', { blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => plain('x')) }] }, '/view/blocks/0/elements'],
      ['101 options', select(Array.from({ length: 101 }, (_, i) => option(`o${i}`))), '/view/blocks/0/element/options]'],
      ['a 76-character option text', select([option('x'.repeat(76), 'v')]), '/view/blocks/0/element/options/0/text/text'],
      ['a 151-character option value', select([option('t', 'v'.repeat(151))]), '/view/blocks/0/element/options/0/value'],
      ['a mrkdwn option in a select', select([{ text: { type: 'mrkdwn', text: 't' }, value: 'v' }]), '/view/blocks/0/element/options/0/text/type'],
      ['an initial option that is not an option', select([option('A')], { initial_option: option('B') }), '/view/blocks/0/element/initial_option'],
      ['11 radio buttons', { submit: plain('Go'), blocks: [input('b', { type: 'radio_buttons', options: Array.from({ length: 11 }, (_, i) => option(`o${i}`)) })] }, '/view/blocks/0/element/options'],
      ['a repeated action_id', { blocks: [{ type: 'actions', elements: [{ type: 'button', text: plain('a'), action_id: 'x' }, { type: 'button', text: plain('b'), action_id: 'x' }] }] }, '/view/blocks/0/elements/1/action_id'],
    ];
    for (const [what, view, message] of cases) {
      const { error, messages } = await refusal(view);
      expect({ what, error, found: messages?.some((m) => m.includes(message)) }).toEqual({ what, error: 'invalid_arguments', found: true });
    }
    expect(await slackError(client.views.open({ trigger_id: trigger, view: '{' as never }))).toBe('invalid_arguments');
    expect(await slackError(client.views.open({ trigger_id: trigger, view: modal({ private_metadata: 'x'.repeat(260_000) }) }))).toBe('view_too_large');
    expect(slack.modals.size).toBe(0);
    // At the limits, with an initial option among the options (in a group), the modal opens.
    const atLimits = modal({
      title: plain('x'.repeat(24)),
      submit: plain('x'.repeat(24)),
      callback_id: 'c'.repeat(255),
      private_metadata: 'p'.repeat(3000),
      blocks: [
        input('b'.repeat(255), { type: 'static_select', options: Array.from({ length: 100 }, (_, i) => option(`${i}`.padEnd(75, 't'), `${i}`.padEnd(150, 'v'))) }, { label: plain('l'.repeat(2000)) }),
        input('g', { type: 'static_select', action_id: 's', option_groups: [{ label: plain('G'), options: [option('A'), option('B')] }], initial_option: option('B') }),
        section('x'.repeat(3000)),
        ...Array.from({ length: 97 }, () => section('x')),
      ],
    });
    expect(await client.views.open({ trigger_id: trigger, view: atLimits })).toMatchObject({ ok: true });
  });

  it('answers duplicate_external_id for an external_id another view has', async () => {
    await client.views.open({ trigger_id: slack.issueTrigger(), view: modal({ external_id: 'pick-1' }) });
    expect(await slackError(client.views.open({ trigger_id: slack.issueTrigger(), view: modal({ external_id: 'pick-1' }) }))).toBe('duplicate_external_id');
  });
});

describe('views.update', () => {
  it('replaces the view with a new hash, refuses a stale hash with hash_conflict, and keeps what the person entered in the same inputs', async () => {
    const form = (title: string) => modal({ title: plain(title), submit: plain('Go'), external_id: 'ext-1', blocks: [input('note', { type: 'plain_text_input', action_id: 'text' }), input('other', { type: 'plain_text_input', action_id: 'text' })] });
    const opened = (await client.views.open({ trigger_id: slack.issueTrigger(), view: form('One') })).view!;
    slack.setModalValue(opened.id!, 'note', 'text', { type: 'plain_text_input', value: 'kept' });
    const two = modal({ title: plain('Two'), submit: plain('Go'), external_id: 'ext-1', blocks: [input('note', { type: 'plain_text_input', action_id: 'text' }), input('renamed', { type: 'plain_text_input', action_id: 'text' })] });
    const updated = (await client.views.update({ view_id: opened.id!, hash: opened.hash!, view: two })).view!;
    expect(updated).toMatchObject({ id: opened.id, title: plain('Two'), state: { values: { note: { text: { type: 'plain_text_input', value: 'kept' } } } } });
    expect(updated.hash).not.toBe(opened.hash);
    expect(await slackError(client.views.update({ view_id: opened.id!, hash: opened.hash!, view: form('Three') }))).toBe('hash_conflict');
    expect(await slackError(client.views.update({ view_id: 'V0NOTHERE00', view: form('Three') }))).toBe('not_found');
    expect(await slackError(client.views.update({ view_id: opened.id!, view: modal({ title: plain('x'.repeat(25)) }) }))).toBe('invalid_arguments');
    // Without a hash, and by external_id, the update goes through.
    expect((await client.views.update({ external_id: 'ext-1', view: form('Four') })).view).toMatchObject({ id: opened.id, title: plain('Four') });
    expect(slack.currentModal(opened.id!).history.map((v) => v.title.text)).toEqual(['One', 'Two', 'Four']);
    expect(slack.interactionView(opened.id!).state.values).toEqual({
      note: { text: { type: 'plain_text_input', value: 'kept' } },
      other: { text: { type: 'plain_text_input', value: null } },
    });
  });
});

describe('conversations.info', () => {
  it("answers the channel's name and whether the bot is in it, and channel_not_found for others", async () => {
    const named = await startSlackServer({ channels: ['C1', 'C2', 'C3'], channelNames: { C3: 'sales' } });
    try {
      const namedClient = clientFor(named);
      expect((await namedClient.conversations.info({ channel: 'C1' })).channel).toMatchObject({ id: 'C1', name: 'quotes', is_channel: true, is_member: true });
      expect((await namedClient.conversations.info({ channel: 'C2' })).channel).toMatchObject({ id: 'C2', name: 'c2', is_member: true });
      expect((await namedClient.conversations.info({ channel: 'C3' })).channel).toMatchObject({ name: 'sales' });
      named.removeBotFrom('C2');
      expect((await namedClient.conversations.info({ channel: 'C2' })).channel).toMatchObject({ id: 'C2', is_member: false });
      expect(await slackError(namedClient.conversations.info({ channel: 'C404' }))).toBe('channel_not_found');
    } finally {
      await named.close();
    }
  });
});

describe('SlackDriver and a modal', () => {
  /** A Bolt app whose /sync-quotes opens a modal: an external select of databases, a note, a mode select that updates the view. */
  async function startModalApp(local: LocalSlack) {
    const seen: { submissions: Record<string, unknown>[]; suggestions: string[]; actions: unknown[] } = { submissions: [], suggestions: [], actions: [] };
    const app = new App({ token: local.token, signingSecret: SIGNING_SECRET, clientOptions: { slackApiUrl: local.apiUrl }, logger: silent });
    const form = (mode?: { text: { type: 'plain_text'; text: string }; value: string }) => ({
      type: 'modal' as const,
      callback_id: 'pick_target',
      private_metadata: 'C1',
      title: plain('Where to sync'),
      submit: plain('Sync'),
      blocks: [
        input('target', { type: 'external_select', action_id: 'database', placeholder: plain('Pick a database') }),
        input('note', { type: 'plain_text_input', action_id: 'text' }, { optional: true }),
        {
          type: 'section',
          block_id: 'mode',
          text: { type: 'mrkdwn', text: 'Mode' },
          accessory: { type: 'static_select', action_id: 'mode', options: [option('Append'), option('Replace')], ...(mode ? { initial_option: mode } : {}) },
        },
      ],
    });
    app.command('/sync-quotes', async ({ ack, body, client: web }) => {
      await ack();
      await web.views.open({ trigger_id: body.trigger_id, view: form() });
    });
    app.options('database', async ({ ack, payload }) => {
      seen.suggestions.push(payload.value);
      const all = [option('Quotes DB', 'quotes-db'), option('Sales DB', 'sales-db')];
      await ack({ options: all.filter((o) => o.text.text.toLowerCase().includes(payload.value.toLowerCase())) });
    });
    app.action('mode', async ({ ack, body, client: web }) => {
      await ack();
      seen.actions.push(body);
      if (body.type !== 'block_actions' || !body.view) return;
      const chosen = (body.actions[0] as { selected_option: { text: { type: 'plain_text'; text: string }; value: string } }).selected_option;
      await web.views.update({ view_id: body.view.id, hash: body.view.hash, view: form({ text: plain(chosen.text.text), value: chosen.value }) });
    });
    app.view('pick_target', async ({ ack, view }) => {
      seen.submissions.push(view.state.values);
      const database = view.state.values.target?.database?.selected_option?.value;
      if (database !== 'quotes-db') return ack({ response_action: 'errors', errors: { target: 'The app cannot write to that database' } });
      await ack({ response_action: 'update', view: { type: 'modal', title: plain('Synced'), blocks: [section('Syncing into Quotes DB')] } });
    });
    const server = (await app.start(0)) as Server;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { app, seen, driver: new SlackDriver(`http://127.0.0.1:${port}`, local) };
  }

  it("opens the modal with the command's trigger, suggests options, updates on a choice, and answers submissions as Slack shows them", async () => {
    const { app, seen, driver } = await startModalApp(slack);
    try {
      expect((await driver.command('')).status).toBe(200);
      const opened = await slack.modalOpened();
      expect(opened).toMatchObject({ user: USER, view: { callback_id: 'pick_target', private_metadata: 'C1' } });

      // Fewer than min_query_length (Slack's default 3) typed characters: Slack asks nothing.
      await expect(driver.blockSuggestion(opened.id, 'database', 'qu')).rejects.toThrow(/min_query_length/);
      const suggested = await driver.blockSuggestion(opened.id, 'database', 'Quo');
      expect(suggested).toMatchObject({ status: 200, options: { options: [option('Quotes DB', 'quotes-db')] } });
      expect(suggested.ms).toBeLessThan(3000);
      expect(seen.suggestions).toEqual(['Quo']);

      // A choice in a section's select is a block_actions with the view; the app updates the view with it.
      const hash = opened.hash;
      expect((await driver.selectInView(opened.id, 'mode', 'replace')).status).toBe(200);
      await slack.waitFor(() => slack.currentModal(opened.id).history.length === 2, 'the views.update');
      expect(seen.actions[0]).toMatchObject({
        type: 'block_actions',
        container: { type: 'view', view_id: opened.id },
        view: { id: opened.id, hash, state: { values: { mode: { mode: { type: 'static_select', selected_option: option('Replace') } } } } },
        actions: [{ type: 'static_select', action_id: 'mode', block_id: 'mode', selected_option: option('Replace') }],
      });
      expect(slack.currentModal(opened.id).hash).not.toBe(hash);
      // Without dispatch_action, picking in an input sends nothing: the choice goes with the submission.
      await expect(driver.selectInView(opened.id, 'database', 'quotes-db')).rejects.toThrow(/dispatch_action/);
      // Slack does not submit with a required input empty, nor a choice the app did not suggest.
      await expect(driver.submitView(opened.id)).rejects.toThrow(/required input target/);
      await expect(driver.submitView(opened.id, { database: 'sales-db' })).rejects.toThrow(/suggested no option sales-db/);

      await driver.blockSuggestion(opened.id, 'database', 'DB ');
      await driver.blockSuggestion(opened.id, 'database', 'sales');
      const refused = await driver.submitView(opened.id, { database: 'sales-db', 'note.text': 'for the quarter' });
      expect(refused).toMatchObject({ status: 200, json: { response_action: 'errors', errors: { target: 'The app cannot write to that database' } } });
      expect(slack.currentModal(opened.id)).toMatchObject({ closed: false, errors: { target: 'The app cannot write to that database' } });
      expect(seen.submissions[0]).toEqual({
        target: { database: { type: 'external_select', selected_option: option('Sales DB', 'sales-db') } },
        note: { text: { type: 'plain_text_input', value: 'for the quarter' } },
        mode: { mode: { type: 'static_select', selected_option: option('Replace') } },
      });

      await driver.blockSuggestion(opened.id, 'database', 'quotes');
      const accepted = await driver.submitView(opened.id, { database: 'quotes-db' });
      expect(accepted.json).toMatchObject({ response_action: 'update', view: { title: plain('Synced') } });
      expect(seen.submissions[1]).toMatchObject({ target: { database: { selected_option: { value: 'quotes-db' } } }, note: { text: { value: 'for the quarter' } } });
      expect(slack.currentModal(opened.id)).toMatchObject({ closed: false, view: { title: plain('Synced'), submit: null } });
      await expect(driver.submitView(opened.id)).rejects.toThrow(/no submit button/);
    } finally {
      await app.stop();
    }
  });
});
