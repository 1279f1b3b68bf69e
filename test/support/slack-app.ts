/**
 * The Slack app under test, end to end: a local Notion, a local Slack Web API, and the real Bolt
 * app (HTTP mode, the listeners from `commands/`) on 127.0.0.1. Tests talk to it as Slack does:
 * signed slash-command and event requests over HTTP.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startApp, type AppOptions, type RunningApp } from '../../src/slack/app.js';
import type { Submitted } from '../../src/slack/jobs.js';
import { register, routes } from '../../commands/index.js';
import { startNotionServer, type LocalNotion, type LocalNotionOptions } from '../fakes/local-notion.js';
import {
  readSlashCommandMessage,
  startSlackServer,
  type LocalSlack,
  type LocalSlackOptions,
  type FileShareMessageEvent,
  type PublishedView,
  type SlackEvent,
  type SlackMessage,
  type SlashCommandMessage,
} from '../fakes/local-slack.js';
import { fastEnv, seededRandom, tempDbPath } from './harness.js';

export const SIGNING_SECRET = 'local-signing-secret';
export const CHANNEL = 'C0123456789';
export const USER = 'U0ALICE';

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>"). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface Delivery {
  status: number;
  body: string;
  /** Time from sending the request to Slack having the whole answer. */
  ms: number;
}

export interface CommandDelivery extends Delivery {
  /** The id in the command's response_url: `slack.commandResponse(responseId)` is what the app posted there. */
  responseId: string;
  /** The acknowledgement's body, the message Slack shows the person; throws when the body is not one. */
  reply(): SlashCommandMessage;
}

export interface ActionDelivery extends Delivery {
  /** The id in the action's response_url: `slack.commandResponse(responseId)` is what the app posted there. */
  responseId: string;
}

/** An actions block as the app sends it, the fields a press reads. */
interface ButtonBlock {
  type: string;
  block_id?: string;
  elements?: { type: string; action_id: string; value?: string; style?: string; text: { type: 'plain_text'; text: string } }[];
}

export class SlackDriver {
  constructor(
    readonly appUrl: string,
    private readonly slack: LocalSlack,
    private readonly secret = SIGNING_SECRET,
  ) {}

  async post(path: string, body: string, contentType: string, headers: Record<string, string> = {}): Promise<Delivery> {
    const timestamp = Math.floor(Date.now() / 1000);
    const started = performance.now();
    const res = await fetch(`${this.appUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(this.secret, timestamp, body),
        ...headers,
      },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text, ms: performance.now() - started };
  }

  /** The fields of a slash command as Slack sends them, with a fresh response_url. */
  commandFields(text: string, options: { user?: string; channel?: string } = {}): Record<string, string> {
    return {
      token: 'legacy-verification-token',
      team_id: this.slack.teamId,
      team_domain: 'local',
      channel_id: options.channel ?? CHANNEL,
      channel_name: 'quotes',
      user_id: options.user ?? USER,
      user_name: 'alice',
      command: '/sync-quotes',
      text,
      api_app_id: 'A0LOCAL',
      is_enterprise_install: 'false',
      response_url: this.slack.responseUrl(),
      trigger_id: `${Date.now()}.${randomUUID()}`,
    };
  }

  /** A slash command over HTTP: form-encoded and signed. */
  async command(text: string, options: { user?: string; channel?: string; headers?: Record<string, string> } = {}): Promise<CommandDelivery> {
    const fields = this.commandFields(text, options);
    const delivery = await this.post('/slack/events', new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', options.headers);
    const reply = (): SlashCommandMessage => {
      const message = readSlashCommandMessage(delivery.body);
      if (!message) throw new Error(`the ack of "/sync-quotes ${text}" (HTTP ${delivery.status}) is not a message: ${delivery.body.slice(0, 200)}`);
      return message;
    };
    return { ...delivery, responseId: fields.response_url!.split('/')[5]!, reply };
  }

  /** The Events API envelope of one event. */
  eventEnvelope(event: SlackEvent, eventId?: string): Record<string, unknown> {
    return {
      token: 'legacy-verification-token',
      team_id: this.slack.teamId,
      api_app_id: 'A0LOCAL',
      event,
      type: 'event_callback',
      event_id: eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.slack.teamId, user_id: this.slack.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
  }

  /** A person opens the app's Home tab: the `app_home_opened` event, as an Events API delivery. */
  async appHomeOpened(user = USER, tab: 'home' | 'messages' = 'home'): Promise<Delivery> {
    return this.event({ type: 'app_home_opened', user, channel: 'D0HOME00000', tab, event_ts: `${Date.now() / 1000}` });
  }

  /**
   * A person presses a button of a message, as Slack sends it: a signed form POST to the events URL
   * with `payload=<JSON>` of type `block_actions`. Throws when the message has no such button (there
   * is nothing to press). The ack is the delivery; `responseId` names the action's response_url.
   */
  /**
   * A person runs the message shortcut `callbackId` on a message that carries files, as Slack sends
   * it: a signed form POST to the events URL with `payload=<JSON>` of type `message_action`.
   */
  async messageShortcut(message: FileShareMessageEvent, callbackId: string, options: { user?: string } = {}): Promise<ActionDelivery> {
    const user = options.user ?? USER;
    const responseUrl = this.slack.responseUrl();
    const payload = {
      type: 'message_action' as const,
      callback_id: callbackId,
      trigger_id: `${Date.now()}.${randomUUID()}`,
      action_ts: (Date.now() / 1000).toFixed(6),
      message_ts: message.ts,
      token: 'legacy-verification-token',
      team: { id: this.slack.teamId, domain: 'local' },
      user: { id: user, name: user.toLowerCase(), username: user.toLowerCase(), team_id: this.slack.teamId },
      channel: { id: message.channel, name: 'quotes' },
      message: { type: 'message', user: message.user, ts: message.ts, text: message.text, files: message.files, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
      response_url: responseUrl,
    };
    const delivery = await this.post('/slack/events', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    return { ...delivery, responseId: responseUrl.split('/')[5]! };
  }

  /**
   * A person presses a button of their Home tab: a `block_actions` payload whose container is the
   * view (no channel, no message), as Slack sends it for a view.
   */
  async pressInView(published: PublishedView, actionId: string, value: string, options: { user?: string } = {}): Promise<ActionDelivery> {
    const user = options.user ?? published.user;
    const found = published.view.blocks.find(
      (b) => (b.accessory as { action_id?: string; value?: string } | undefined)?.action_id === actionId && (b.accessory as { value?: string }).value === value,
    );
    if (!found) throw new Error(`the view has no ${actionId} button for ${value}`);
    const responseUrl = this.slack.responseUrl();
    const payload = {
      type: 'block_actions' as const,
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.slack.teamId },
      api_app_id: 'A0LOCAL',
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: 'V0HOME' },
      trigger_id: `${Date.now()}.${randomUUID()}`,
      team: { id: this.slack.teamId, domain: 'local' },
      enterprise: null,
      is_enterprise_install: false,
      view: { id: 'V0HOME', type: 'home', blocks: published.view.blocks },
      response_url: responseUrl,
      actions: [
        {
          action_id: actionId,
          block_id: String(found.block_id ?? ''),
          text: { type: 'plain_text', text: 'Retry' },
          value,
          type: 'button',
          action_ts: (Date.now() / 1000).toFixed(6),
        },
      ],
    };
    const delivery = await this.post('/slack/events', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    return { ...delivery, responseId: responseUrl.split('/')[5]! };
  }

  async press(message: SlackMessage, actionId: string, options: { user?: string } = {}): Promise<ActionDelivery> {
    const payload = this.blockActionsPayload(message, actionId, options);
    const delivery = await this.post('/slack/events', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    return { ...delivery, responseId: payload.response_url.split('/')[5]! };
  }

  /** The `block_actions` payload of a button press on a message the app posted (Slack's documented fields). */
  blockActionsPayload(message: SlackMessage, actionId: string, options: { user?: string } = {}) {
    const found = (message.blocks ?? [])
      .map((block) => block as ButtonBlock)
      .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []).map((element) => ({ block, element })) : []))
      .find(({ element }) => element.type === 'button' && element.action_id === actionId);
    if (!found) throw new Error(`the message ${message.ts} has no button ${actionId}`);
    const user = options.user ?? USER;
    const { block, element } = found;
    return {
      type: 'block_actions' as const,
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.slack.teamId },
      api_app_id: 'A0LOCAL',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${randomUUID()}`,
      team: { id: this.slack.teamId, domain: 'local' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: 'quotes' },
      message: {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'B0BOT',
        user: this.slack.botUserId,
        text: message.text,
        ts: message.ts,
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        blocks: message.blocks,
      },
      state: { values: {} },
      response_url: this.slack.responseUrl(),
      actions: [
        {
          action_id: element.action_id,
          block_id: block.block_id ?? '',
          text: element.text,
          ...(element.value !== undefined ? { value: element.value } : {}),
          ...(element.style ? { style: element.style } : {}),
          type: 'button',
          action_ts: (Date.now() / 1000).toFixed(6),
        },
      ],
    };
  }

  /** An Events API delivery over HTTP; `retryNum` marks Slack's redelivery of the same event id. */
  async event(event: SlackEvent, options: { eventId?: string; retryNum?: number } = {}): Promise<Delivery> {
    const headers: Record<string, string> =
      options.retryNum !== undefined ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {};
    return this.post('/slack/events', JSON.stringify(this.eventEnvelope(event, options.eventId)), 'application/json', headers);
  }
}

export interface SlackAppHarness {
  notion: LocalNotion;
  slack: LocalSlack;
  app: RunningApp;
  driver: SlackDriver;
  env: Record<string, string>;
  /** Resolves with the next job a trigger (command, upload, Gumloop) submits to the running app. */
  nextJob(): Promise<Submitted['job']>;
  /** Stops the app (as SIGTERM does) and starts a new one on the same store, Slack and Notion. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startSlackApp(
  options: {
    notion?: LocalNotionOptions;
    slack?: LocalSlackOptions;
    env?: Record<string, string>;
    app?: Partial<AppOptions>;
    dbPath?: string;
  } = {},
): Promise<SlackAppHarness> {
  const notion = await startNotionServer({ seed: 1, ...options.notion });
  const slack = await startSlackServer({ channels: [CHANNEL, 'C0OTHER0000'], ...options.slack });
  const env = {
    ...fastEnv(notion, options.dbPath ?? tempDbPath()),
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    ALLOW_PRIVATE_URLS: 'true',
    ...options.env,
  };
  const launch = () =>
    startApp({
      config: loadConfig(env),
      logger: silentLogger,
      register,
      routes,
      updateIntervalMs: 0,
      fileSharedGraceMs: 30,
      uploads: { fileInfoRetryMs: 10 },
      random: seededRandom(1),
      ...options.app,
    });
  const app = await launch();
  const harness: SlackAppHarness = {
    notion,
    slack,
    app,
    driver: new SlackDriver(`http://127.0.0.1:${app.port}`, slack),
    env,
    nextJob() {
      return new Promise((resolve) => harness.app.context.jobs.events.once('submitted', resolve));
    },
    async restart() {
      await harness.app.stop();
      harness.app = await launch();
      harness.driver = new SlackDriver(`http://127.0.0.1:${harness.app.port}`, slack);
    },
    async close() {
      await harness.app.stop();
      await slack.close();
      await notion.close();
    },
  };
  return harness;
}
