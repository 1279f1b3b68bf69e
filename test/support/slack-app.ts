/**
 * The Slack app under test, end to end: a local Notion, a local Slack Web API, and the real Bolt
 * app (HTTP mode, the listeners from `commands/`) on 127.0.0.1. Tests talk to it as Slack does:
 * signed slash-command and event requests over HTTP.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startApp, type AppOptions, type RunningApp } from '../../src/slack/app/app.js';
import type { Submitted } from '../../src/slack/jobs/jobs.js';
import { register, routes } from '../../commands/index.js';
import { startNotionServer, type LocalNotion, type LocalNotionOptions } from '../fakes/local-notion.js';
import {
  DEFAULT_MIN_QUERY_LENGTH,
  readSlashCommandMessage,
  startSlackServer,
  type LocalSlack,
  type ModalElement,
  type SlackOption,
  type SlackText,
  type ViewStateValue,
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

/**
 * What a person enters in a modal's element: a select's choice (its value, or value and text; a
 * static select's or radio group's value must be one of its options), a text input's text, the
 * values checked in checkboxes or chosen in a multi-select, a datepicker's `YYYY-MM-DD`, or null to
 * leave it empty.
 */
export type ModalEntry = string | { value: string; text?: string } | string[] | null;

/** What the app answered a block_suggestion with: the options to show (Slack shows at most 100). */
export interface SuggestedOptions {
  options?: SlackOption[];
  option_groups?: { label: SlackText; options: SlackOption[] }[];
}

export interface OptionsDelivery extends Delivery {
  /** The ack's JSON body (`{}` when it was empty). Slack waits 3 seconds for it: see `ms`. */
  options: SuggestedOptions;
}

/** The body of a view_submission's ack, as Slack reads it: empty (close), or a `response_action`. */
export interface ViewSubmissionAck {
  response_action?: 'errors' | 'update' | 'push' | 'clear';
  /** Messages by the block_id of an input block, shown under it. */
  errors?: Record<string, string>;
  view?: unknown;
}

export interface ViewSubmissionDelivery extends Delivery {
  /** The ack's JSON body (`{}` when it was empty). */
  json: ViewSubmissionAck;
}

/** How long Slack waits for the acknowledgement of an interaction payload before it gives up. */
const ACK_DEADLINE_MS = 3000;

/** An actions block as the app sends it, the fields a press reads. */
interface ButtonBlock {
  type: string;
  block_id?: string;
  elements?: { type: string; action_id: string; value?: string; style?: string; text: { type: 'plain_text'; text: string } }[];
}

export class SlackDriver {
  /** Options the app last offered for an external select, by `viewId action_id`: what a person can pick. */
  private readonly suggested = new Map<string, SlackOption[]>();

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
      channel_name: this.slack.channelName(options.channel ?? CHANNEL),
      user_id: options.user ?? USER,
      user_name: 'alice',
      command: '/sync-quotes',
      text,
      api_app_id: 'A0LOCAL',
      is_enterprise_install: 'false',
      response_url: this.slack.responseUrl(),
      // A trigger the app may exchange once, within 3 seconds, to open a modal (views.open).
      trigger_id: this.slack.issueTrigger(options.user ?? USER),
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
   * A person runs the message shortcut `callbackId` on a message that carries files, as Slack sends
   * it: a signed form POST to the events URL with `payload=<JSON>` of type `message_action`.
   */
  async messageShortcut(message: FileShareMessageEvent, callbackId: string, options: { user?: string } = {}): Promise<ActionDelivery> {
    const user = options.user ?? USER;
    const responseUrl = this.slack.responseUrl();
    const payload = {
      type: 'message_action' as const,
      callback_id: callbackId,
      trigger_id: this.slack.issueTrigger(user),
      action_ts: (Date.now() / 1000).toFixed(6),
      message_ts: message.ts,
      token: 'legacy-verification-token',
      team: { id: this.slack.teamId, domain: 'local' },
      user: { id: user, name: user.toLowerCase(), username: user.toLowerCase(), team_id: this.slack.teamId },
      channel: { id: message.channel, name: this.slack.channelName(message.channel) },
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
      trigger_id: this.slack.issueTrigger(user),
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

  /**
   * A person presses a button of a message, as Slack sends it: a signed form POST to the events URL
   * with `payload=<JSON>` of type `block_actions`. Throws when the message has no such button (there
   * is nothing to press). The ack is the delivery; `responseId` names the action's response_url.
   */
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
      trigger_id: this.slack.issueTrigger(user),
      team: { id: this.slack.teamId, domain: 'local' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: this.slack.channelName(message.channel) },
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

  /**
   * A person types `value` into an external_select of a modal: the `block_suggestion` payload
   * Slack sends for it (container `view`, the modal's current view and state, the typed value), as
   * a signed form POST of `payload=<JSON>`. Throws when the element is not an external select, or
   * when `value` is shorter than its `min_query_length` (Slack's default 3): Slack sends nothing
   * then. `options` is the ack's parsed JSON; Slack waits 3 seconds for it (see `ms`).
   */
  async blockSuggestion(viewId: string, actionId: string, value: string, options: { user?: string } = {}): Promise<OptionsDelivery> {
    const { block, element } = this.slack.findModalElement(viewId, actionId);
    if (element.type !== 'external_select' && element.type !== 'multi_external_select') throw new Error(`${actionId} is a ${element.type}: only an external select asks the app for options`);
    const min = typeof element.min_query_length === 'number' ? element.min_query_length : DEFAULT_MIN_QUERY_LENGTH;
    if (value.length < min) throw new Error(`Slack sends no block_suggestion for "${value}": ${actionId} waits for ${min} typed characters (min_query_length)`);
    const user = this.modalUser(viewId, options.user);
    const payload = {
      type: 'block_suggestion' as const,
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.slack.teamId },
      container: { type: 'view', view_id: viewId },
      api_app_id: 'A0LOCAL',
      token: 'legacy-verification-token',
      action_id: element.action_id,
      block_id: block.block_id,
      value,
      team: { id: this.slack.teamId, domain: 'local' },
      enterprise: null,
      is_enterprise_install: false,
      view: this.slack.interactionView(viewId),
    };
    const delivery = await this.postPayload(payload);
    const answer = readJson<SuggestedOptions>(delivery.body, `the ack of a block_suggestion for ${actionId}`);
    const offered = [...(answer.options ?? []), ...(answer.option_groups ?? []).flatMap((g) => g.options)];
    this.suggested.set(`${viewId} ${element.action_id}`, offered);
    return { ...delivery, options: answer };
  }

  /**
   * A person picks `selected` in a select of a modal (or types into a text input that dispatches
   * actions): the modal's state changes in the local Slack, and Slack sends `block_actions`
   * (container `view`, the view with its new state, `actions[0]` with the element's type and
   * `selected_option`). Only elements in section or actions blocks, or in input blocks with
   * `dispatch_action: true`, send anything: for another input, throws (give the choice to
   * `submitView`). An external select's pick must be among the options the app last suggested for
   * it (after `blockSuggestion`; before one, any value does).
   */
  async selectInView(viewId: string, actionId: string, selected: { value: string; text?: string } | string, options: { user?: string } = {}): Promise<Delivery> {
    const found = this.slack.findModalElement(viewId, actionId);
    const { block, element, container } = found;
    if (container === 'input' && block.dispatch_action !== true) {
      throw new Error(`Slack sends no block_actions for ${actionId}: its input block has no dispatch_action (pass the choice to submitView)`);
    }
    const value = this.stateValue(viewId, found, selected);
    this.slack.setModalValue(viewId, block.block_id, element.action_id, value);
    const user = this.modalUser(viewId, options.user);
    const { type: _type, ...chosen } = value;
    const payload = {
      type: 'block_actions' as const,
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.slack.teamId },
      api_app_id: 'A0LOCAL',
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: viewId },
      trigger_id: this.slack.issueTrigger(user),
      team: { id: this.slack.teamId, domain: 'local' },
      enterprise: null,
      is_enterprise_install: false,
      view: this.slack.interactionView(viewId),
      actions: [
        {
          type: element.type,
          action_id: element.action_id,
          block_id: block.block_id,
          ...chosen,
          ...(element.placeholder ? { placeholder: element.placeholder } : {}),
          action_ts: (Date.now() / 1000).toFixed(6),
        },
      ],
    };
    return this.postPayload(payload);
  }

  /**
   * A person presses a modal's submit button: the `view_submission` payload Slack sends (the view
   * with its state, a fresh trigger_id, `response_urls: []`). `values` maps an element's action_id
   * (or `block_id.action_id`) to what the person entered (see ModalEntry), over what the modal
   * already holds (initial values, `selectInView`). Throws when Slack would not submit: the modal is
   * closed, has no submit button, or a required input is empty. The ack is applied as Slack does
   * when it comes within 3 seconds: empty or `clear` closes the modal, `errors` stays open with
   * them (`OpenModal.errors`), `update` shows its view (checked as views.update checks it).
   */
  async submitView(viewId: string, values: Record<string, ModalEntry> = {}, options: { user?: string } = {}): Promise<ViewSubmissionDelivery> {
    const modal = this.slack.currentModal(viewId);
    if (modal.closed) throw new Error(`the modal ${viewId} is closed`);
    if (!modal.view.submit) throw new Error(`the modal ${viewId} has no submit button`);
    for (const [key, entry] of Object.entries(values)) {
      const found = this.slack.findModalElement(viewId, key);
      this.slack.setModalValue(viewId, found.block.block_id, found.element.action_id, this.stateValue(viewId, found, entry));
    }
    const view = this.slack.interactionView(viewId);
    for (const block of view.blocks) {
      if (block.type !== 'input' || block.optional === true) continue;
      const element = block.element as { action_id: string };
      const value = view.state.values[String(block.block_id)]?.[element.action_id];
      if (isEmpty(value)) throw new Error(`Slack does not submit the modal ${viewId}: the required input ${String(block.block_id)} is empty`);
    }
    const user = this.modalUser(viewId, options.user);
    const payload = {
      type: 'view_submission' as const,
      team: { id: this.slack.teamId, domain: 'local' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.slack.teamId },
      api_app_id: 'A0LOCAL',
      token: 'legacy-verification-token',
      trigger_id: this.slack.issueTrigger(user),
      view,
      response_urls: [],
      enterprise: null,
      is_enterprise_install: false,
    };
    const delivery = await this.postPayload(payload);
    const json = readJson<ViewSubmissionAck>(delivery.body, `the ack of the view_submission of ${viewId}`);
    // Past 3 seconds, or with an error status, Slack shows the person an error and keeps the modal as it was.
    if (delivery.status === 200 && delivery.ms <= ACK_DEADLINE_MS) {
      if (json.response_action === 'update') this.slack.updateModalFromAck(viewId, json.view);
      else if (json.response_action === 'errors') modal.errors = json.errors ?? {};
      else if (json.response_action === 'push') throw new Error('the app answered response_action "push", which the local Slack does not play');
      else this.slack.closeModal(viewId);
    }
    return { ...delivery, json };
  }

  /** Who sees the modal: the person its trigger was issued for (else USER). */
  private modalUser(viewId: string, user: string | undefined): string {
    return user ?? this.slack.currentModal(viewId).user ?? USER;
  }

  /** An interaction payload as Slack posts it: a signed form POST of `payload=<JSON>` to the events URL. */
  private postPayload(payload: unknown): Promise<Delivery> {
    return this.post('/slack/events', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
  }

  /** What the person entered, in Slack's state shape for the element's type. */
  private stateValue(viewId: string, { element }: ModalElement, entry: ModalEntry): ViewStateValue {
    const { type } = element;
    const one = (e: ModalEntry) => (typeof e === 'string' ? { value: e } : e !== null && !Array.isArray(e) ? e : undefined);
    const many = (e: ModalEntry) => (Array.isArray(e) ? e.map((value) => ({ value })) : e === null ? [] : [one(e)!]);
    const defined = modalOptions(element);
    // A static choice must be one of the element's options; an external one, of those the app last
    // suggested (without a block_suggestion first, any value, its text the value unless given).
    const pick = (chosen: { value: string; text?: string }): SlackOption => {
      if (type === 'external_select' || type === 'multi_external_select') {
        const suggested = this.suggested.get(`${viewId} ${element.action_id}`);
        if (!suggested) return { text: { type: 'plain_text', text: chosen.text ?? chosen.value, emoji: true }, value: chosen.value };
        const offered = suggested.find((o) => o.value === chosen.value);
        if (!offered) throw new Error(`the app last suggested no option ${chosen.value} for ${element.action_id} (it suggested ${suggested.map((o) => o.value).join(', ') || 'none'})`);
        return offered;
      }
      const option = defined.find((o) => o.value === chosen.value);
      if (!option) throw new Error(`${element.action_id} has no option ${chosen.value} (it has ${defined.map((o) => o.value).join(', ')})`);
      return option;
    };
    switch (type) {
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
      case 'number_input':
        if (typeof entry !== 'string' && entry !== null) throw new Error(`${element.action_id} is a ${type}: enter a string`);
        return { type, value: entry };
      case 'static_select':
      case 'external_select':
      case 'radio_buttons': {
        if (Array.isArray(entry)) throw new Error(`${element.action_id} is a ${type}: choose one value`);
        const chosen = one(entry);
        return { type, selected_option: chosen ? pick(chosen) : null };
      }
      case 'multi_static_select':
      case 'multi_external_select':
      case 'checkboxes':
        return { type, selected_options: many(entry).map(pick) };
      case 'datepicker':
        if (typeof entry !== 'string' && entry !== null) throw new Error(`${element.action_id} is a datepicker: enter YYYY-MM-DD`);
        return { type, selected_date: entry };
      default:
        throw new Error(`the local Slack does not play entries in a ${type} (${element.action_id})`);
    }
  }

  /** An Events API delivery over HTTP; `retryNum` marks Slack's redelivery of the same event id. */
  async event(event: SlackEvent, options: { eventId?: string; retryNum?: number } = {}): Promise<Delivery> {
    const headers: Record<string, string> =
      options.retryNum !== undefined ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {};
    return this.post('/slack/events', JSON.stringify(this.eventEnvelope(event, options.eventId)), 'application/json', headers);
  }
}

/** The options an element defines: `options`, or those of its `option_groups`. */
function modalOptions(element: ModalElement['element']): SlackOption[] {
  const groups = (element.option_groups as { options: SlackOption[] }[] | undefined) ?? [];
  return [...((element.options as SlackOption[] | undefined) ?? []), ...groups.flatMap((g) => g.options)];
}

/** An element's state holds nothing the person entered or chose. */
function isEmpty(value: ViewStateValue | undefined): boolean {
  if (!value) return true;
  if ('selected_options' in value) return (value.selected_options ?? []).length === 0;
  return (value.value ?? '') === '' && !value.selected_option && !value.selected_date;
}

/** A JSON ack body (`{}` when empty); throws, naming `what`, when it is not JSON. */
function readJson<T>(body: string, what: string): T {
  if (body.trim() === '') return {} as T;
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new Error(`${what} is not JSON: ${body.slice(0, 200)}`);
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
