/**
 * A local Slack Web API on 127.0.0.1 that the real @slack/web-api WebClient talks to (through
 * `slackApiUrl`). As Slack's docs say: methods are POSTs to /api/<method>, form-encoded or JSON,
 * authenticated with `Authorization: Bearer <token>`; answers are HTTP 200 with `ok: false` and
 * an `error` code for failures, HTTP 429 with `Retry-After` (whole seconds) for rate limits; file
 * uploads take three steps (files.getUploadURLExternal, a POST of the bytes to the URL it gave,
 * files.completeUploadExternal). Messages, edits and files are kept so tests can read the thread.
 * A person's upload (`userUpload`) makes the file object Slack would send in its two events
 * (`message`/`file_share` and `file_shared`), served by files.info and downloadable from
 * `url_private_download` with the bot token only: without it Slack answers 200 with its sign-in
 * page, as the real file host does. Slash-command `response_url`s are served too. A test can
 * make the next calls of a method fail (`injectNext`) or hang until it lets them go (`holdNext`).
 *
 * Socket Mode: `apps.connections.open` (app-level token only) answers a `ws://` URL on this
 * server; the socket is greeted with `hello`, and `deliverOverSocket` sends an `events_api` or
 * `slash_commands` envelope and resolves with the app's acknowledgement (same `envelope_id`). An
 * app may hold several connections (one per replica); Slack sends each envelope to one of them.
 * A test can hold back the next connection's `hello` (`holdHello`) or drop every connection
 * (`dropSockets`), to see the app connecting and reconnecting.
 *
 * Modals: `issueTrigger` makes the trigger_id an interaction payload carries; as Slack documents,
 * it may be exchanged once (views.open) within 3 seconds. views.open and views.update check the
 * modal view as Slack does (Block Kit's documented limits) and keep each modal in `modals`, with
 * the values the person has entered, so the test driver can send block_actions, block_suggestion
 * and view_submission payloads that carry the modal's view and state as Slack's do.
 *
 * Workflow Builder steps: `functions.start` makes the `function_executed` event of a step the
 * manifest declares, with a token for that execution only; functions.completeSuccess and
 * completeError are recorded (local-slack-functions.ts). conversations.replies reads a thread.
 *
 * No vitest here: the Slack app's tests and a local run can both use it.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { LoopbackServer } from './loopback.js';
import { FunctionExecutions, type FunctionDefinition, type FunctionExecutedEvent } from './local-slack-functions.js';

export type { FunctionCompletion, FunctionDefinition, FunctionExecutedEvent } from './local-slack-functions.js';

export interface SlackMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  /** Every text this message had, oldest first (chat.update appends). */
  history: string[];
  files: { id: string; title: string; name: string; content: string }[];
}

export interface SlackFileRecord {
  id: string;
  name: string;
  title: string;
  filetype: string;
  mimetype: string;
  size: number;
  user: string;
  channel: string;
  /** The message that shared it. */
  ts: string;
  threadTs: string | undefined;
  content: Buffer;
  created: number;
}

/** Where a file was shared, as Slack's file object lists it under `shares`. */
export interface SlackFileShare {
  ts: string;
  channel_name: string;
  team_id: string;
  reply_count: number;
  thread_ts?: string;
}

/** Slack's file object, as files.info and events carry it (the fields this server fills in). */
export interface SlackFileObject {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  mode: 'hosted';
  editable: boolean;
  is_external: boolean;
  external_type: string;
  size: number;
  url_private: string;
  url_private_download: string;
  permalink: string;
  shares: { public: Record<string, SlackFileShare[]> };
  channels: string[];
}

/** What a message event carries instead of the file when the app must ask files.info. */
export interface SlackFileStub {
  id: string;
  file_access: 'check_file_info';
}

/** The `message` event (subtype `file_share`) of a person's upload. */
export interface FileShareMessageEvent {
  type: 'message';
  subtype: 'file_share';
  text: string;
  files: (SlackFileObject | SlackFileStub)[];
  upload: boolean;
  user: string;
  display_as_bot: boolean;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type: 'channel';
  event_ts: string;
}

/** The `file_shared` event: only the file's id; the details come from files.info. */
export interface FileSharedEvent {
  type: 'file_shared';
  file_id: string;
  user_id: string;
  file: { id: string };
  channel_id: string;
  event_ts: string;
}

/** `app_home_opened`: a person opened one of the app's tabs (Home or Messages). */
export interface AppHomeOpenedEvent {
  type: 'app_home_opened';
  user: string;
  channel: string;
  tab: 'home' | 'messages';
  event_ts: string;
  view?: Record<string, unknown>;
}

/** The events this server makes for the app. */
export type SlackEvent = FileShareMessageEvent | FileSharedEvent | AppHomeOpenedEvent | FunctionExecutedEvent;

/** A person's upload: the file, and the two events Slack delivers for it. */
export interface UserUpload {
  file: SlackFileObject;
  message: FileShareMessageEvent;
  fileShared: FileSharedEvent;
}

/**
 * A message for the person who typed a slash command: the body of the command's acknowledgement,
 * or of a POST to its response_url.
 */
export interface SlashCommandMessage {
  text: string;
  /** Slack's default is `ephemeral`. */
  response_type?: 'ephemeral' | 'in_channel';
}

export function isSlashCommandMessage(value: unknown): value is SlashCommandMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    'text' in value &&
    typeof value.text === 'string' &&
    (!('response_type' in value) || value.response_type === 'ephemeral' || value.response_type === 'in_channel')
  );
}

/** The slash-command message in a JSON body, or undefined when the body is not one. */
export function readSlashCommandMessage(json: string): SlashCommandMessage | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return isSlashCommandMessage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface SlackEphemeral {
  channel: string;
  user: string;
  text: string;
}

export interface SlackCall {
  method: string;
  at: number;
  status: number;
  error?: string;
}

export interface LocalSlackOptions {
  token?: string;
  /** Channels that exist (the bot is in them). */
  channels?: string[];
  /** The app-level token (`xapp-…`) that may open Socket Mode connections. */
  appToken?: string;
  /** Per method, the least time between two calls before Slack answers 429 (e.g. chat.update Tier 3). */
  minIntervalMs?: Record<string, number>;
  /** The Retry-After value sent with a 429, in seconds (Slack sends whole seconds). */
  retryAfterSeconds?: number;
  /** How long an issued trigger_id may be exchanged, in ms; Slack's triggers expire after 3 seconds. */
  triggerTtlMs?: number;
  /**
   * Channel names by id, as conversations.info answers them; without one, the first channel is
   * `quotes` and any other is its id in lower case.
   */
  channelNames?: Record<string, string>;
  /** The app's Workflow Builder steps, as manifest.json `functions` declares them. */
  functions?: Record<string, FunctionDefinition>;
  /** Whether the app's bot token may complete a step's execution (default true; see local-slack-functions.ts). */
  functionsAcceptBotToken?: boolean;
  /** How long an execution's token lasts (default Slack's 15 minutes). */
  functionTokenTtlMs?: number;
}

/** The mimetype Slack gives a file the bot uploads, by its name's extension. */
const UPLOAD_MIMETYPES: Record<string, string> = { csv: 'text/csv', json: 'application/json', png: 'image/png' };

/** Slack's documented limits for a message. */
const MAX_TEXT_CHARS = 40_000;
const MAX_BLOCKS = 50;
/** Slack's documented limits for a Home tab view (views.publish, Block Kit reference). */
const MAX_VIEW_BLOCKS = 100;
const MAX_VIEW_BYTES = 250_000;
const MAX_SECTION_TEXT_CHARS = 3000;
const MAX_HEADER_TEXT_CHARS = 150;

/** A view the app published to a person's Home tab (views.publish). */
export interface PublishedView {
  user: string;
  view: { type: string; blocks: Record<string, unknown>[] };
}

/** Slack's documented limits for a modal (modal view object, views.open, Block Kit reference). */
const MODAL_LIMITS = {
  titleChars: 24,
  buttonLabelChars: 24,
  blocks: 100,
  callbackIdChars: 255,
  privateMetadataChars: 3000,
  externalIdChars: 255,
  blockIdChars: 255,
  actionIdChars: 255,
  inputLabelChars: 2000,
  selectOptions: 100,
  optionTextChars: 75,
  optionValueChars: 150,
  choiceOptions: 10,
  placeholderChars: 150,
  sectionFields: 10,
  sectionFieldChars: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonTextChars: 75,
  buttonValueChars: 2000,
} as const;
/** Slack's default for an external_select's `min_query_length`: no block_suggestion before 3 typed characters. */
export const DEFAULT_MIN_QUERY_LENGTH = 3;

/** A Block Kit text object: `plain_text` or `mrkdwn`. */
export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

/** A Block Kit option object: the text shown (at most 75 characters) and the value sent (at most 150). */
export interface SlackOption {
  text: SlackText;
  value: string;
  description?: SlackText;
}

/** What one element holds in a view's `state.values[block_id][action_id]`, in Slack's shape for its type. */
export interface ViewStateValue {
  type: string;
  value?: string | null;
  selected_option?: SlackOption | null;
  selected_options?: SlackOption[];
  selected_date?: string | null;
}

/** A view's state as interaction payloads carry it: values by block_id, then action_id. */
export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

/** A modal view as the app sends it to views.open and views.update. */
export interface ModalViewInput {
  type: 'modal';
  title: SlackText;
  blocks: Record<string, unknown>[];
  submit?: SlackText;
  close?: SlackText;
  callback_id?: string;
  private_metadata?: string;
  external_id?: string;
  clear_on_close?: boolean;
  notify_on_close?: boolean;
}

/** A modal view as Slack answers it (views.open, views.update) and sends it in interaction payloads. */
export interface ModalView {
  id: string;
  team_id: string;
  type: 'modal';
  title: SlackText;
  blocks: Record<string, unknown>[];
  submit: SlackText | null;
  close: SlackText | null;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  hash: string;
  state: { values: ViewStateValues };
  clear_on_close: boolean;
  notify_on_close: boolean;
  app_id: string;
  bot_id: string;
  app_installed_team_id: string;
  root_view_id: string;
  previous_view_id: null;
}

/**
 * A modal the app opened with views.open: its current view (whose `state.values` holds what the
 * person has entered), the hash views.update must match, and every view it showed, oldest first.
 */
export interface OpenModal {
  id: string;
  /** Who the trigger was issued for: the person who sees the modal. */
  user?: string;
  view: ModalView;
  hash: string;
  history: ModalViewInput[];
  /** Closed by a view_submission's ack (empty, or `response_action: "clear"`). */
  closed: boolean;
  /** The errors of the last `response_action: "errors"` ack, by block_id, as Slack shows them under the inputs. */
  errors?: Record<string, string>;
}

/** An interactive element of a modal, found by its action_id, with the block that holds it. */
export interface ModalElement {
  block: Record<string, unknown> & { type: string; block_id: string };
  element: Record<string, unknown> & { type: string; action_id: string };
  /** Where the element sits: an input block's `element`, a section's `accessory`, or an actions block's `elements`. */
  container: 'input' | 'section' | 'actions';
}

/** A Web API failure with Slack's `response_metadata.messages` (as views.open sends for an invalid view). */
class SlackApiError extends Error {
  constructor(
    code: string,
    readonly messages: string[] = [],
  ) {
    super(code);
  }
}

export class LocalSlack {
  readonly token: string;
  readonly calls: SlackCall[] = [];
  readonly messages: SlackMessage[] = [];
  url = '';
  private readonly server: LoopbackServer;
  private readonly channels: Set<string>;
  private readonly botRemovedFrom = new Set<string>();
  private readonly lastCall = new Map<string, number>();
  private readonly injected = new Map<string, string[]>();
  private readonly filesNotFound = new Map<string, number>();
  /** Calls to hold unanswered, by method, in the order they will come (see `holdNext`). */
  private readonly holds = new Map<string, { arrived: () => void; released: Promise<void>; release: () => void }[]>();
  private readonly uploads = new Map<string, { filename: string; length: number; content?: string; bytes?: Buffer }>();
  private tsCounter = 0;
  readonly files = new Map<string, SlackFileRecord>();
  readonly ephemerals: SlackEphemeral[] = [];
  /** Every Home tab view published, oldest first. */
  readonly views: PublishedView[] = [];
  /** Modals the app opened (views.open), by view id, oldest first. */
  readonly modals = new Map<string, OpenModal>();
  /** Issued trigger_ids: until when each may be exchanged, for whom, and whether it was. */
  private readonly triggers = new Map<string, { expiresAt: number; user: string | undefined; exchanged: boolean }>();
  /** Messages posted to response_urls, by the id in the URL. */
  readonly responses: { id: string; body: SlashCommandMessage }[] = [];
  /** Bodies posted to response_urls that are not a message (no text, or not JSON). */
  readonly unreadableResponses: { id: string; body: string }[] = [];
  /** Downloads of file bytes: which file, with which token. */
  readonly downloads: { fileId: string; authorized: boolean }[] = [];
  readonly teamId = 'T0LOCAL';
  readonly botUserId = 'U0BOT';
  private responseCounter = 0;
  readonly appToken: string;
  private readonly tickets = new Set<string>();
  private readonly sockets = new WebSocketServer({ noServer: true });
  /** The app's open Socket Mode connections, oldest first (several replicas each hold one). */
  private readonly connections: WebSocket[] = [];
  /** Connections Slack has greeted with `hello`: only those are connected, as the app sees it. */
  private readonly greeted = new WeakSet<WebSocket>();
  /** Greetings to hold back, for the next connections in turn (see `holdHello`). */
  private readonly helloHolds: { arrived: () => void; released: Promise<void> }[] = [];
  private nextConnection = 0;
  private readonly acks = new Map<string, (payload: unknown) => void>();
  private readonly waiters = new Set<{ condition: () => boolean; resolve: () => void; reject: () => void }>();
  /** Workflow steps run (`functions.start`) and their completions (`functions.completions`). */
  readonly functions: FunctionExecutions;

  constructor(private readonly options: LocalSlackOptions = {}) {
    this.token = options.token ?? 'xoxb-local-test-token';
    this.functions = new FunctionExecutions({
      definitions: options.functions ?? {},
      botToken: this.token,
      appId: 'A0LOCAL',
      ...(options.functionsAcceptBotToken !== undefined ? { acceptBotToken: options.functionsAcceptBotToken } : {}),
      ...(options.functionTokenTtlMs !== undefined ? { tokenTtlMs: options.functionTokenTtlMs } : {}),
    });
    this.channels = new Set(options.channels ?? ['C0123456789']);
    this.appToken = options.appToken ?? 'xapp-1-A0LOCAL-local-test-token';
    this.server = new LoopbackServer((req, res) => {
      res.on('finish', () => this.settleWaiters());
      void this.handle(req, res);
    });
    this.server.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** Resolves once the app holds `count` Socket Mode connections (each greeted with `hello`). */
  socketConnected(count = 1): Promise<void> {
    return this.waitFor(() => this.openConnections().length >= count, `${count} Socket Mode connection(s)`);
  }

  private openConnections(): WebSocket[] {
    return this.connections.filter((c) => c.readyState === WebSocket.OPEN && this.greeted.has(c));
  }

  /**
   * The next Socket Mode connection is opened but not greeted with `hello` until `release()`:
   * the app is connecting, not connected. `reached` resolves once that connection is open.
   */
  holdHello(): { reached: Promise<void>; release(): void } {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.helloHolds.push({ arrived, released });
    return { reached, release };
  }

  /** Drops every Socket Mode connection, as a network failure does: the app reconnects by itself. */
  dropSockets(): void {
    for (const connection of this.connections) connection.terminate();
  }

  /**
   * Sends an envelope over one of the app's sockets, as Slack does (each envelope to one of the
   * app's open connections: here in turn, or the `connection`-th, oldest first), and resolves with
   * the app's ack payload (`{}` when it acked without one) and how long the ack took.
   */
  async deliverOverSocket(
    type: 'events_api' | 'slash_commands',
    payload: Record<string, unknown>,
    options: { connection?: number } = {},
  ): Promise<{ payload: unknown; ms: number }> {
    const open = this.openConnections();
    if (open.length === 0) throw new Error('no Socket Mode connection');
    const index = options.connection ?? this.nextConnection++ % open.length;
    const socket = open[index];
    if (!socket) throw new Error(`no Socket Mode connection #${index} (${open.length} open)`);
    const envelopeId = randomUUID();
    const started = performance.now();
    const acked = new Promise<unknown>((resolve) => this.acks.set(envelopeId, resolve));
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        payload,
        type,
        accepts_response_payload: type === 'slash_commands',
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      }),
    );
    const ack = await acked;
    return { payload: ack ?? {}, ms: performance.now() - started };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => {
      this.connections.push(ws);
      ws.on('close', () => this.connections.splice(this.connections.indexOf(ws), 1));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        const resolve = message.envelope_id ? this.acks.get(message.envelope_id) : undefined;
        if (resolve) {
          this.acks.delete(message.envelope_id!);
          resolve(message.payload);
        }
      });
      const greet = () => {
        if (ws.readyState !== WebSocket.OPEN) return;
        this.greeted.add(ws);
        ws.send(JSON.stringify({ type: 'hello', num_connections: this.openConnections().length, debug_info: { host: 'local', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0LOCAL' } }));
        this.settleWaiters();
      };
      const hold = this.helloHolds.shift();
      if (!hold) return greet();
      hold.arrived();
      void hold.released.then(greet);
    });
  }

  async listen(): Promise<this> {
    this.url = await this.server.listen();
    return this;
  }

  /** The base URL to give WebClient as `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  close(): Promise<void> {
    for (const hold of [...this.holds.values()].flat()) hold.release();
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
    return this.server.close();
  }

  /** The next `count` calls of `method` answer `error` (`ratelimited` answers HTTP 429). */
  injectNext(method: string, error: string, count = 1): void {
    const list = this.injected.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push(error);
    this.injected.set(method, list);
  }

  /**
   * The next call of `method` is held unanswered until `release()` (or until this server closes):
   * a process that made it can be stopped while it waits, at a moment the test knows. `reached`
   * resolves once the call has arrived.
   */
  holdNext(method: string): { reached: Promise<void>; release(): void } {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(method, [...(this.holds.get(method) ?? []), { arrived, released, release }]);
    return { reached, release };
  }

  /**
   * The next `count` files.info calls for `fileId` answer `file_not_found`, as Slack does for a
   * moment right after an upload.
   */
  fileNotFoundNext(fileId: string, count = 1): void {
    this.filesNotFound.set(fileId, (this.filesNotFound.get(fileId) ?? 0) + count);
  }

  /** The messages of a thread, parent first. */
  thread(channel: string, ts: string): SlackMessage[] {
    return this.messages.filter((m) => m.channel === channel && (m.ts === ts || m.threadTs === ts));
  }

  /**
   * Resolves once `condition` holds, checked after every request this server answers (so tests
   * await what Slack saw instead of sleeping); rejects after `timeoutMs` with `what`.
   */
  waitFor(condition: () => boolean, what = 'a condition', timeoutMs = 20_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { condition, resolve, reject: () => reject(new Error(`timed out waiting for ${what}`)) };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) waiter.reject();
      }, timeoutMs).unref();
    });
  }

  private settleWaiters(): void {
    for (const w of [...this.waiters]) {
      if (w.condition()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /**
   * Resolves with the first message the app posted to the response_url with this id; rejects when
   * what it posted there is not a message.
   */
  async commandResponse(id: string): Promise<SlashCommandMessage> {
    const posted = () => this.responses.find((r) => r.id === id) ?? this.unreadableResponses.find((r) => r.id === id);
    await this.waitFor(() => posted() !== undefined, `a message at response_url ${id}`);
    const response = posted()!;
    if (typeof response.body === 'string') throw new Error(`the app posted something other than a message to response_url ${id}: ${response.body.slice(0, 200)}`);
    return response.body;
  }

  /** A response_url for one slash command. */
  responseUrl(): string {
    this.responseCounter += 1;
    return `${this.url}/commands/${this.teamId}/${this.responseCounter}/response`;
  }

  /**
   * A person uploads a file to a channel (or a thread): the message that carries it is posted and
   * the file is stored. Returns the file object and the two events Slack would deliver.
   */
  userUpload(input: {
    channel: string;
    user: string;
    name: string;
    content: string | Buffer;
    filetype?: string;
    mimetype?: string;
    threadTs?: string;
    /** Pretend the file is served from elsewhere (a hostile or odd event). */
    downloadUrl?: string;
    /** What Slack reports as the size (defaults to the real one). */
    size?: number;
    /** The message event carries only a stub of the file (`file_access: "check_file_info"`). */
    stubInEvent?: boolean;
    /** What the person wrote with the file. */
    text?: string;
  }): UserUpload {
    const channel = this.channel(input.channel);
    const ts = this.nextTs();
    const id = `F${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    const content = Buffer.isBuffer(input.content) ? input.content : Buffer.from(input.content, 'utf8');
    const extension = /\.([a-z0-9]+)$/i.exec(input.name)?.[1]?.toLowerCase() ?? 'text';
    const record: SlackFileRecord = {
      id,
      name: input.name,
      title: input.name,
      filetype: input.filetype ?? extension,
      mimetype: input.mimetype ?? (extension === 'csv' ? 'text/csv' : extension === 'json' ? 'application/json' : 'application/octet-stream'),
      size: input.size ?? content.length,
      user: input.user,
      channel,
      ts,
      threadTs: input.threadTs,
      content,
      created: Math.floor(Date.now() / 1000),
    };
    this.files.set(id, record);
    this.messages.push({ channel, ts, threadTs: input.threadTs, text: input.text ?? '', blocks: undefined, history: [input.text ?? ''], files: [{ id, title: record.title, name: record.name, content: content.toString('utf8') }] });
    const file: SlackFileObject = { ...this.fileObject(record), ...(input.downloadUrl ? { url_private: input.downloadUrl, url_private_download: input.downloadUrl } : {}) };
    return {
      file,
      message: {
        type: 'message',
        subtype: 'file_share',
        text: input.text ?? '',
        files: [input.stubInEvent ? { id, file_access: 'check_file_info' } : file],
        upload: true,
        user: input.user,
        display_as_bot: false,
        ts,
        ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
        channel,
        channel_type: 'channel',
        event_ts: ts,
      },
      fileShared: { type: 'file_shared', file_id: id, user_id: input.user, file: { id }, channel_id: channel, event_ts: ts },
    };
  }

  /** The `file_shared` event Slack sends for a file the bot itself uploaded (the fallback CSV). */
  fileSharedEventFor(fileId: string): FileSharedEvent {
    const f = this.files.get(fileId);
    if (!f) throw new Error(`no file ${fileId}`);
    return { type: 'file_shared', file_id: f.id, user_id: f.user, file: { id: f.id }, channel_id: f.channel, event_ts: f.ts };
  }

  /** Slack's file object, as files.info and events carry it. */
  private fileObject(f: SlackFileRecord): SlackFileObject {
    const path = `${this.url}/files-pri/${this.teamId}-${f.id}`;
    return {
      id: f.id,
      created: f.created,
      timestamp: f.created,
      name: f.name,
      title: f.title,
      mimetype: f.mimetype,
      filetype: f.filetype,
      pretty_type: f.filetype.toUpperCase(),
      user: f.user,
      mode: 'hosted',
      editable: false,
      is_external: false,
      external_type: '',
      size: f.size,
      url_private: `${path}/${encodeURIComponent(f.name)}`,
      url_private_download: `${path}/download/${encodeURIComponent(f.name)}`,
      permalink: `https://local.slack.test/files/${f.user}/${f.id}/${encodeURIComponent(f.name)}`,
      shares: { public: { [f.channel]: [{ ts: f.ts, channel_name: f.channel, team_id: this.teamId, reply_count: 0, ...(f.threadTs ? { thread_ts: f.threadTs } : {}) }] } },
      channels: [f.channel],
    };
  }

  private serveFile(path: string, req: IncomingMessage, res: ServerResponse): void {
    const match = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\//.exec(path);
    const file = match ? this.files.get(match[1]!) : undefined;
    const authorized = req.headers.authorization === `Bearer ${this.token}`;
    this.downloads.push({ fileId: match?.[1] ?? '', authorized });
    if (!authorized) {
      // What Slack's file host does without a valid token: its sign-in page, status 200.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
      return;
    }
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    res.writeHead(200, { 'content-type': `${file.mimetype}`, 'content-length': String(file.content.length) }).end(file.content);
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    if (url.pathname.startsWith('/upload/v1/')) {
      this.receiveUpload(url.pathname.slice('/upload/v1/'.length), raw, req, res);
      return;
    }
    if (url.pathname.startsWith('/files-pri/') && req.method === 'GET') return this.serveFile(url.pathname, req, res);
    if (url.pathname.startsWith('/commands/') && req.method === 'POST') {
      // response_url: JSON bodies, answered with a plain "ok" as Slack does.
      const id = url.pathname.split('/')[3] ?? '';
      const body = raw.toString('utf8');
      const message = readSlashCommandMessage(body);
      if (message) this.responses.push({ id, body: message });
      else this.unreadableResponses.push({ id, body });
      res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const call: SlackCall = { method, at: Date.now(), status: 200 };
    this.calls.push(call);
    const reply = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.status = status;
      if (body.ok === false) call.error = String(body.error);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization;
    const params = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : params.token;
    if (!token) return reply(200, { ok: false, error: 'not_authed' });
    if (method === 'apps.connections.open') {
      // Only an app-level token opens a socket; a bot token is the wrong kind.
      if (token === this.token) return reply(200, { ok: false, error: 'not_allowed_token_type' });
      if (token !== this.appToken) return reply(200, { ok: false, error: 'invalid_auth' });
      const ticket = randomUUID();
      this.tickets.add(ticket);
      return reply(200, { ok: true, url: `${this.url.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=A0LOCAL` });
    }
    // A step execution's token acts as the bot while the step runs; expired or revoked, Slack says so.
    const execution = this.functions.tokenStatus(token);
    if (execution && !execution.ok) return reply(200, { ok: false, error: execution.error });
    if (token !== this.token && !execution) return reply(200, { ok: false, error: 'invalid_auth' });
    const hold = this.holds.get(method)?.shift();
    if (hold) {
      hold.arrived();
      await hold.released;
    }

    const injected = this.injected.get(method)?.shift();
    const minInterval = this.options.minIntervalMs?.[method];
    const last = this.lastCall.get(method);
    if (injected === 'ratelimited' || (minInterval !== undefined && last !== undefined && call.at - last < minInterval)) {
      return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(this.options.retryAfterSeconds ?? 1) });
    }
    this.lastCall.set(method, call.at);
    if (injected) return reply(200, { ok: false, error: injected });
    if (method.startsWith('functions.')) return reply(200, this.functions.complete(method, params, token));
    try {
      reply(200, { ok: true, ...this.dispatch(method, params) });
    } catch (error) {
      const messages = error instanceof SlackApiError ? error.messages : [];
      reply(200, { ok: false, error: (error as Error).message, ...(messages.length ? { response_metadata: { messages } } : {}) });
    }
  }

  private dispatch(method: string, p: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { url: 'https://local.slack.test/', team: 'Local', user: 'quotesync', team_id: this.teamId, user_id: this.botUserId, bot_id: 'B0BOT' };
      case 'chat.postMessage': {
        const channel = this.channel(p.channel);
        const { text, blocks } = messageContent(p);
        if (p.thread_ts && !this.messages.some((m) => m.channel === channel && m.ts === p.thread_ts)) throw new Error('thread_not_found');
        const message: SlackMessage = { channel, ts: this.nextTs(), threadTs: p.thread_ts || undefined, text, blocks, history: [text], files: [] };
        this.messages.push(message);
        return { channel, ts: message.ts, message: { type: 'message', text, ts: message.ts, ...(blocks ? { blocks } : {}) } };
      }
      case 'chat.update': {
        const channel = this.channel(p.channel);
        const message = this.messages.find((m) => m.channel === channel && m.ts === p.ts);
        if (!message) throw new Error('message_not_found');
        const { text, blocks } = messageContent(p);
        message.text = text;
        // As Slack does: an edit without `blocks` keeps the message's blocks; `[]` removes them.
        if (p.blocks !== undefined) message.blocks = blocks?.length ? blocks : undefined;
        message.history.push(text);
        return { channel, ts: message.ts, text };
      }
      case 'chat.postEphemeral': {
        const channel = this.channel(p.channel);
        if (!p.user) throw new Error('user_not_in_channel');
        const { text } = messageContent(p);
        this.ephemerals.push({ channel, user: p.user, text });
        return { message_ts: this.nextTs() };
      }
      case 'views.publish': {
        // JSON or form bodies: either way `view` arrives here as JSON text (parseBody).
        if (!p.user_id) throw new Error('invalid_arguments');
        if ((p.view?.length ?? 0) > MAX_VIEW_BYTES) throw new Error('view_too_large');
        const view = readHomeView(p.view);
        const published: PublishedView = { user: p.user_id, view };
        this.views.push(published);
        return { view: { id: `V${this.views.length}`, team_id: this.teamId, type: 'home', blocks: view.blocks, app_id: 'A0LOCAL', bot_id: 'B0BOT' } };
      }
      case 'views.open': {
        // As Slack's docs show, a bad trigger is answered before the view is looked at; a refused
        // view leaves the trigger unexchanged.
        const trigger = this.triggerFor(p.trigger_id);
        const input = readModalView(p.view);
        this.checkExternalId(input.external_id, undefined);
        trigger.exchanged = true;
        const id = `V${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
        const modal: OpenModal = { id, ...(trigger.user ? { user: trigger.user } : {}), view: undefined as unknown as ModalView, hash: '', history: [], closed: false };
        this.show(modal, input);
        this.modals.set(id, modal);
        return { view: modal.view };
      }
      case 'views.update': {
        if (!p.view_id && !p.external_id) throw new SlackApiError('invalid_arguments', ['[ERROR] either view_id or external_id is required [json-pointer:/view_id]']);
        const modal = p.view_id ? this.modals.get(p.view_id) : [...this.modals.values()].find((m) => m.view.external_id === p.external_id);
        if (!modal || modal.closed) throw new Error('not_found');
        // The hash is optional; given, it must be the view's current one (Slack's guard against races).
        if (p.hash && p.hash !== modal.hash) throw new Error('hash_conflict');
        const input = readModalView(p.view);
        this.checkExternalId(input.external_id, modal.id);
        this.show(modal, input);
        return { view: modal.view };
      }
      case 'conversations.info': {
        if (!p.channel || !this.channels.has(p.channel)) throw new Error('channel_not_found');
        const name = this.channelName(p.channel);
        return {
          channel: {
            id: p.channel, name, name_normalized: name, is_channel: true, is_group: false, is_im: false, is_mpim: false, is_private: false, is_archived: false,
            is_member: !this.botRemovedFrom.has(p.channel),
          },
        };
      }
      case 'conversations.replies': {
        // A thread, parent first, a page of `limit` at a time (the cursor is the offset).
        if (!p.channel || !this.channels.has(p.channel)) throw new Error('channel_not_found');
        const thread = this.thread(p.channel, p.ts ?? '');
        if (thread.length === 0) throw new Error('thread_not_found');
        const from = Number(p.cursor ?? 0);
        const to = from + Math.min(Number(p.limit ?? 1000) || 1000, 1000);
        const messages = thread.slice(from, to).map((m) => ({
          type: 'message', ts: m.ts, text: m.text, ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
          ...(m.files.length ? { files: m.files.map((f) => ({ id: f.id, name: f.name, title: f.title })) } : {}),
        }));
        return { messages, has_more: to < thread.length, response_metadata: { next_cursor: to < thread.length ? String(to) : '' } };
      }
      case 'chat.getPermalink': {
        const channel = p.channel;
        if (!channel || !this.channels.has(channel)) throw new Error('channel_not_found');
        const message = this.messages.find((m) => m.channel === channel && m.ts === p.message_ts);
        if (!message) throw new Error('message_not_found');
        const path = `https://local.slack.test/archives/${channel}/p${message.ts.replace('.', '')}`;
        // A reply's permalink opens its thread, as Slack documents.
        const permalink = message.threadTs && message.threadTs !== message.ts ? `${path}?thread_ts=${message.threadTs}&cid=${channel}` : path;
        return { channel, permalink };
      }
      case 'files.info': {
        const file = p.file ? this.files.get(p.file) : undefined;
        const hidden = p.file ? (this.filesNotFound.get(p.file) ?? 0) : 0;
        if (hidden > 0) this.filesNotFound.set(p.file!, hidden - 1);
        if (!file || hidden > 0) throw new Error('file_not_found');
        return { file: this.fileObject(file), comments: [], response_metadata: { next_cursor: '' } };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(p.length);
        if (!p.filename) throw new Error('invalid_arguments');
        if (!Number.isInteger(length) || length < 1) throw new Error('invalid_arguments');
        const id = `F${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
        this.uploads.set(id, { filename: p.filename, length });
        return { upload_url: `${this.url}/upload/v1/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(p.files ?? '[]') as { id: string; title?: string }[];
        if (files.length === 0) throw new Error('invalid_arguments');
        const shared = files.map((f) => {
          const upload = this.uploads.get(f.id);
          if (!upload?.content) throw new Error('file_not_found');
          return { id: f.id, title: f.title ?? upload.filename, name: upload.filename, content: upload.content, bytes: upload.bytes ?? Buffer.from(upload.content, 'utf8') };
        });
        if (p.channel_id) {
          const channel = this.channel(p.channel_id);
          const text = p.initial_comment ?? '';
          const ts = this.nextTs();
          this.messages.push({ channel, ts, threadTs: p.thread_ts || undefined, text, blocks: undefined, history: [text], files: shared.map(({ id, title, name, content }) => ({ id, title, name, content })) });
          for (const f of shared) {
            // The bytes as uploaded: a PNG is not text.
            const content = f.bytes;
            const extension = /\.([a-z0-9]+)$/i.exec(f.name)?.[1]?.toLowerCase() ?? 'text';
            this.files.set(f.id, {
              id: f.id, name: f.name, title: f.title, filetype: extension, mimetype: UPLOAD_MIMETYPES[extension] ?? 'application/octet-stream', size: content.length,
              user: this.botUserId, channel, ts, threadTs: p.thread_ts || undefined, content, created: Math.floor(Date.now() / 1000),
            });
          }
        }
        return { files: shared.map(({ id, title, name }) => ({ id, title, name })) };
      }
      default:
        throw new Error('unknown_method');
    }
  }

  /**
   * A trigger_id as interaction payloads carry it (`12345.98765.abcd…`). As Slack documents, it
   * may be exchanged once (views.open) and expires after 3 seconds (`triggerTtlMs`): later calls
   * answer `expired_trigger_id`, a second exchange `exchanged_trigger_id`, and an id this server
   * never issued `invalid_trigger_id`. `user` is who the modal it opens is shown to.
   */
  issueTrigger(user?: string): string {
    const id = `${Date.now()}.${randomInt(1_000_000_000, 9_999_999_999)}.${randomUUID().replace(/-/g, '')}`;
    this.triggers.set(id, { expiresAt: Date.now() + (this.options.triggerTtlMs ?? 3000), user, exchanged: false });
    return id;
  }

  private triggerFor(id: string | undefined): { expiresAt: number; user: string | undefined; exchanged: boolean } {
    if (!id) throw new SlackApiError('invalid_arguments', ['[ERROR] invalid `trigger_id`']);
    const trigger = this.triggers.get(id);
    if (!trigger) throw new Error('invalid_trigger_id');
    if (trigger.exchanged) throw new Error('exchanged_trigger_id');
    if (Date.now() > trigger.expiresAt) throw new Error('expired_trigger_id');
    return trigger;
  }

  /** A channel's name, as conversations.info and interaction payloads give it (see `channelNames`). */
  channelName(id: string): string {
    return this.options.channelNames?.[id] ?? (id === [...this.channels][0] ? 'quotes' : id.toLowerCase());
  }

  /** The modal with this view id (open or closed); throws when the app opened none. */
  currentModal(viewId: string): OpenModal {
    const modal = this.modals.get(viewId);
    if (!modal) throw new Error(`the app opened no modal ${viewId} (it opened ${this.modals.size})`);
    return modal;
  }

  /** The modal the app opened last; throws when it opened none. */
  lastModal(): OpenModal {
    const modal = [...this.modals.values()].at(-1);
    if (!modal) throw new Error('the app opened no modal');
    return modal;
  }

  /** Resolves with the `count`-th modal the app opens (views.open), once it is open. */
  async modalOpened(count = 1): Promise<OpenModal> {
    await this.waitFor(() => this.modals.size >= count, `modal #${count} to open`);
    return [...this.modals.values()][count - 1]!;
  }

  /**
   * The interactive element of a modal's current view with this `action_id` (or
   * `block_id.action_id`), and the block that holds it; throws when there is none, or several.
   */
  findModalElement(viewId: string, key: string): ModalElement {
    const found = modalElements(this.currentModal(viewId).view.blocks).filter(
      ({ block, element }) => element.action_id === key || `${block.block_id}.${element.action_id}` === key,
    );
    if (found.length !== 1) throw new Error(`the modal ${viewId} has ${found.length === 0 ? 'no' : 'several'} element(s) ${key}`);
    return found[0]!;
  }

  /**
   * The person enters or chooses something in a modal: Slack keeps it in the view's state and
   * sends it with the next payload; `undefined` forgets it (the element shows its initial value).
   */
  setModalValue(viewId: string, blockId: string, actionId: string, value: ViewStateValue | undefined): void {
    const values = this.currentModal(viewId).view.state.values;
    const block = (values[blockId] ??= {});
    if (value) block[actionId] = value;
    else delete block[actionId];
    if (Object.keys(block).length === 0) delete values[blockId];
  }

  /**
   * The modal's view as Slack sends it in block_actions, block_suggestion and view_submission
   * payloads: the current view, whose `state.values` holds every stateful element (what the person
   * entered, else the element's initial value; an input block's empty element as null, as Slack
   * sends it).
   */
  interactionView(viewId: string): ModalView {
    const modal = this.currentModal(viewId);
    const entered = modal.view.state.values;
    const values: ViewStateValues = {};
    for (const { block, element, container } of modalElements(modal.view.blocks)) {
      const value = entered[block.block_id]?.[element.action_id] ?? initialValue(element) ?? (container === 'input' ? emptyValue(element) : undefined);
      if (value) (values[block.block_id] ??= {})[element.action_id] = value;
    }
    return structuredClone({ ...modal.view, state: { values } });
  }

  /**
   * The app acked a view_submission with `response_action: "update"`: Slack checks the view as
   * views.update does and shows it in the modal (a new hash). Throws when Slack would refuse it.
   */
  updateModalFromAck(viewId: string, view: unknown): ModalView {
    const modal = this.currentModal(viewId);
    if (Buffer.byteLength(JSON.stringify(view ?? null)) > MAX_VIEW_BYTES) throw new Error('view_too_large');
    const input = checkModalView(view);
    this.checkExternalId(input.external_id, modal.id);
    this.show(modal, input);
    return modal.view;
  }

  /** The modal closes: its view_submission was acked empty or with `response_action: "clear"`. */
  closeModal(viewId: string): void {
    this.currentModal(viewId).closed = true;
  }

  /**
   * Shows a (checked) view in the modal: block_ids and action_ids the app left out are made up,
   * as Slack does; what the person entered in input blocks whose block_id and action_id the new
   * view keeps stays (Slack's "preserving input entry"); a new hash.
   */
  private show(modal: OpenModal, input: ModalViewInput): void {
    const blocks = withIds(input.blocks);
    const previous = modal.view?.state.values ?? {};
    const values: ViewStateValues = {};
    for (const { block, element, container } of modalElements(blocks)) {
      const kept = container === 'input' ? previous[block.block_id]?.[element.action_id] : undefined;
      if (kept && kept.type === element.type) (values[block.block_id] ??= {})[element.action_id] = kept;
    }
    const hash = `${Math.floor(Date.now() / 1000)}.${randomUUID().replace(/-/g, '').slice(0, 8)}`;
    modal.hash = hash;
    modal.history.push(structuredClone(input));
    modal.view = {
      id: modal.id,
      team_id: this.teamId,
      type: 'modal',
      title: input.title,
      blocks,
      submit: input.submit ?? null,
      close: input.close ?? null,
      callback_id: input.callback_id ?? '',
      private_metadata: input.private_metadata ?? '',
      external_id: input.external_id ?? '',
      hash,
      state: { values },
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      app_id: 'A0LOCAL',
      bot_id: 'B0BOT',
      app_installed_team_id: this.teamId,
      root_view_id: modal.id,
      previous_view_id: null,
    };
  }

  /** An external_id must be unique among the team's views (`duplicate_external_id`). */
  private checkExternalId(externalId: string | undefined, ownViewId: string | undefined): void {
    if (!externalId) return;
    for (const m of this.modals.values()) if (m.id !== ownViewId && m.view.external_id === externalId) throw new Error('duplicate_external_id');
  }

  /** Someone removed the bot from a channel: Slack answers not_in_channel there from now on. */
  removeBotFrom(channel: string): void {
    this.botRemovedFrom.add(channel);
  }

  private channel(id: string | undefined): string {
    if (!id || !this.channels.has(id)) throw new Error('channel_not_found');
    if (this.botRemovedFrom.has(id)) throw new Error('not_in_channel');
    return id;
  }

  private receiveUpload(id: string, raw: Buffer, req: IncomingMessage, res: ServerResponse): void {
    const upload = this.uploads.get(id);
    if (!upload || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    // The upload URL takes the bytes raw, or as multipart/form-data (which the SDK sends).
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(req.headers['content-type'] ?? ''));
    const bytes = boundary ? multipartFile(raw, boundary[1] ?? boundary[2]!) : raw;
    upload.content = bytes.toString('utf8');
    upload.bytes = Buffer.from(bytes);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  }
}

/** The body of the first part of a multipart/form-data request. */
function multipartFile(raw: Buffer, boundary: string): Buffer {
  const delimiter = Buffer.from(`--${boundary}`);
  const start = raw.indexOf(delimiter);
  const headersEnd = raw.indexOf('\r\n\r\n', start);
  const end = raw.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd);
  if (start < 0 || headersEnd < 0 || end < 0) return raw;
  return raw.subarray(headersEnd + 4, end);
}

function parseBody(raw: Buffer, contentType: string): Record<string, string> {
  if (raw.length === 0) return {};
  if (contentType.includes('application/json')) {
    const json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

/**
 * A Home tab view as views.publish takes it: an object of `type: "home"` with at most 100
 * blocks, each section's text within 3000 characters and each header's within 150; anything
 * else is `invalid_arguments`, as Slack answers.
 */
function readHomeView(json: string | undefined): PublishedView['view'] {
  let view: unknown;
  try {
    view = JSON.parse(json ?? '');
  } catch {
    throw new Error('invalid_arguments');
  }
  const v = view as { type?: unknown; blocks?: unknown };
  if (typeof view !== 'object' || view === null || v.type !== 'home' || !Array.isArray(v.blocks)) throw new Error('invalid_arguments');
  if (v.blocks.length > MAX_VIEW_BLOCKS) throw new Error('invalid_arguments');
  for (const block of v.blocks as { type?: unknown; text?: { text?: unknown } }[]) {
    const text = typeof block.text?.text === 'string' ? block.text.text : '';
    if (block.type === 'section' && text.length > MAX_SECTION_TEXT_CHARS) throw new Error('invalid_arguments');
    if (block.type === 'header' && text.length > MAX_HEADER_TEXT_CHARS) throw new Error('invalid_arguments');
  }
  return { type: 'home', blocks: v.blocks as Record<string, unknown>[] };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `view` argument of views.open / views.update: JSON text of a modal, at most 250 kB (`view_too_large`), checked as Slack does. */
function readModalView(json: string | undefined): ModalViewInput {
  if (Buffer.byteLength(json ?? '') > MAX_VIEW_BYTES) throw new Error('view_too_large');
  let view: unknown;
  try {
    view = JSON.parse(json ?? '');
  } catch {
    throw new SlackApiError('invalid_arguments', ['[ERROR] missing required field: view']);
  }
  return checkModalView(view);
}

/** A problem with a view, in the form of Slack's `response_metadata.messages` (`[ERROR] … [json-pointer:/view/…]`). */
type Report = (path: string, message: string) => void;

/**
 * A modal view as Slack accepts it (modal view object, Block Kit reference): `type: "modal"`, a
 * plain_text title of at most 24 characters, submit and close labels of at most 24 (submit is
 * required when there is an input block), at most 100 blocks, a callback_id of at most 255
 * characters, private_metadata of at most 3000; otherwise `invalid_arguments` with one message
 * per problem.
 */
function checkModalView(view: unknown): ModalViewInput {
  const problems: string[] = [];
  const bad: Report = (path, message) => problems.push(`[ERROR] ${message} [json-pointer:/view${path}]`);
  if (!isObject(view)) throw new SlackApiError('invalid_arguments', ['[ERROR] must be an object [json-pointer:/view]']);
  if (view.type !== 'modal') bad('/type', 'must be one of: modal');
  checkText(bad, '/title', view.title, { max: MODAL_LIMITS.titleChars, plainOnly: true, required: true });
  checkText(bad, '/submit', view.submit, { max: MODAL_LIMITS.buttonLabelChars, plainOnly: true });
  checkText(bad, '/close', view.close, { max: MODAL_LIMITS.buttonLabelChars, plainOnly: true });
  checkString(bad, '/callback_id', view.callback_id, MODAL_LIMITS.callbackIdChars);
  checkString(bad, '/private_metadata', view.private_metadata, MODAL_LIMITS.privateMetadataChars);
  checkString(bad, '/external_id', view.external_id, MODAL_LIMITS.externalIdChars);
  if (!Array.isArray(view.blocks)) {
    bad('', 'missing required field: blocks');
  } else {
    if (view.blocks.length > MODAL_LIMITS.blocks) bad('/blocks', `must be no more than ${MODAL_LIMITS.blocks} items`);
    const blockIds = new Set<string>();
    view.blocks.forEach((block: unknown, i) => checkBlock(bad, `/blocks/${i}`, block, blockIds));
    if ((view.submit === undefined || view.submit === null) && view.blocks.some((b: unknown) => isObject(b) && b.type === 'input')) {
      bad('/submit', 'must provide submit when the view has input blocks');
    }
  }
  if (problems.length > 0) throw new SlackApiError('invalid_arguments', problems);
  const modal = structuredClone(view) as unknown as ModalViewInput;
  if ((modal.submit as unknown) === null) delete modal.submit;
  if ((modal.close as unknown) === null) delete modal.close;
  return modal;
}

/** A text object: plain_text (or mrkdwn where allowed), 1 to `max` characters. */
function checkText(bad: Report, path: string, value: unknown, rule: { max: number; plainOnly?: boolean; required?: boolean }): void {
  if (value === undefined || value === null) {
    if (rule.required) bad(path.replace(/\/[^/]*$/, ''), `missing required field: ${path.split('/').at(-1)}`);
    return;
  }
  if (!isObject(value)) return bad(path, 'must be a text object');
  if (value.type !== 'plain_text' && (rule.plainOnly || value.type !== 'mrkdwn')) bad(`${path}/type`, rule.plainOnly ? 'must be plain_text' : 'must be one of: plain_text, mrkdwn');
  if (typeof value.text !== 'string' || value.text.length === 0) bad(`${path}/text`, 'must be more than 0 characters');
  else if (value.text.length > rule.max) bad(`${path}/text`, `must be less than ${rule.max} characters`);
}

function checkString(bad: Report, path: string, value: unknown, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string') bad(path, 'must be a string');
  else if (value.length > max) bad(path, `must be less than ${max} characters`);
}

function checkList(bad: Report, path: string, value: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) {
    bad(path, 'must be an array');
    return [];
  }
  if (value.length < min) bad(path, `must be at least ${min} items`);
  if (value.length > max) bad(path, `must be no more than ${max} items`);
  return value as unknown[];
}

/**
 * One block of a modal: a block_id (given or made up) unique in the view and at most 255
 * characters; a section's text within 3000 characters and its fields at most 10 of 2000; a
 * header's text within 150; a context block's elements at most 10; an actions block's elements at
 * most 25; an input block's label plain_text within 2000 characters and exactly one element.
 */
function checkBlock(bad: Report, path: string, block: unknown, blockIds: Set<string>): void {
  if (!isObject(block) || typeof block.type !== 'string') return bad(path, 'must be a block with a type');
  if (block.block_id !== undefined) {
    if (typeof block.block_id !== 'string' || block.block_id.length === 0) bad(`${path}/block_id`, 'must be more than 0 characters');
    else if (block.block_id.length > MODAL_LIMITS.blockIdChars) bad(`${path}/block_id`, `must be less than ${MODAL_LIMITS.blockIdChars} characters`);
    else if (blockIds.has(block.block_id)) bad(`${path}/block_id`, `block_id ${block.block_id} is already used in this view`);
    else blockIds.add(block.block_id);
  }
  const actionIds = new Set<string>();
  switch (block.type) {
    case 'section':
      if (block.text === undefined && block.fields === undefined) bad(path, 'must provide text or fields');
      checkText(bad, `${path}/text`, block.text, { max: MAX_SECTION_TEXT_CHARS });
      if (block.fields !== undefined) {
        checkList(bad, `${path}/fields`, block.fields, 1, MODAL_LIMITS.sectionFields).forEach((f, i) => checkText(bad, `${path}/fields/${i}`, f, { max: MODAL_LIMITS.sectionFieldChars, required: true }));
      }
      if (block.accessory !== undefined) checkElement(bad, `${path}/accessory`, block.accessory, actionIds);
      break;
    case 'header':
      checkText(bad, `${path}/text`, block.text, { max: MAX_HEADER_TEXT_CHARS, plainOnly: true, required: true });
      break;
    case 'context':
      checkList(bad, `${path}/elements`, block.elements, 1, MODAL_LIMITS.contextElements);
      break;
    case 'actions':
      checkList(bad, `${path}/elements`, block.elements, 1, MODAL_LIMITS.actionsElements).forEach((e, i) => checkElement(bad, `${path}/elements/${i}`, e, actionIds));
      break;
    case 'input':
      checkText(bad, `${path}/label`, block.label, { max: MODAL_LIMITS.inputLabelChars, plainOnly: true, required: true });
      checkText(bad, `${path}/hint`, block.hint, { max: MODAL_LIMITS.inputLabelChars, plainOnly: true });
      if (block.element === undefined) bad(path, 'missing required field: element');
      else if (Array.isArray(block.element)) bad(`${path}/element`, 'must be a single block element');
      else checkElement(bad, `${path}/element`, block.element, actionIds);
      break;
    default:
      break;
  }
}

/** Selects whose options are given in the view (`options` or `option_groups`). */
const STATIC_SELECTS = new Set(['static_select', 'multi_static_select']);
/** Selects whose options the app answers in block_suggestion. */
const EXTERNAL_SELECTS = new Set(['external_select', 'multi_external_select']);
/** Choice groups: at most 10 options, whose text may be mrkdwn. */
const CHOICES = new Set(['radio_buttons', 'checkboxes']);

/**
 * One block element: an action_id at most 255 characters and unique in its block; a button's text
 * within 75 characters and its value within 2000; a static select's options (or option groups) at
 * most 100, each option's text plain_text within 75 characters and its value within 150, and its
 * initial_option one of them; radio buttons and checkboxes at most 10 options.
 */
function checkElement(bad: Report, path: string, element: unknown, actionIds: Set<string>): void {
  if (!isObject(element) || typeof element.type !== 'string') return bad(path, 'must be a block element with a type');
  if (element.action_id !== undefined) {
    if (typeof element.action_id !== 'string' || element.action_id.length === 0) bad(`${path}/action_id`, 'must be more than 0 characters');
    else if (element.action_id.length > MODAL_LIMITS.actionIdChars) bad(`${path}/action_id`, `must be less than ${MODAL_LIMITS.actionIdChars} characters`);
    else if (actionIds.has(element.action_id)) bad(`${path}/action_id`, `action_id ${element.action_id} is already used in this block`);
    else actionIds.add(element.action_id);
  }
  checkText(bad, `${path}/placeholder`, element.placeholder, { max: MODAL_LIMITS.placeholderChars, plainOnly: true });
  const type = element.type;
  if (type === 'button') {
    checkText(bad, `${path}/text`, element.text, { max: MODAL_LIMITS.buttonTextChars, plainOnly: true, required: true });
    checkString(bad, `${path}/value`, element.value, MODAL_LIMITS.buttonValueChars);
    return;
  }
  const single = type === 'static_select' || type === 'external_select' || type === 'radio_buttons';
  let options: unknown[] | undefined;
  if (STATIC_SELECTS.has(type)) {
    if ((element.options === undefined) === (element.option_groups === undefined)) bad(path, 'must provide either options or option_groups');
    if (element.options !== undefined) {
      options = checkList(bad, `${path}/options`, element.options, 1, MODAL_LIMITS.selectOptions);
      options.forEach((o, i) => checkOption(bad, `${path}/options/${i}`, o, true));
    }
    if (element.option_groups !== undefined) {
      options = [];
      checkList(bad, `${path}/option_groups`, element.option_groups, 1, MODAL_LIMITS.selectOptions).forEach((g, i) => {
        const groupPath = `${path}/option_groups/${i}`;
        if (!isObject(g)) return bad(groupPath, 'must be an option group');
        checkText(bad, `${groupPath}/label`, g.label, { max: MODAL_LIMITS.optionTextChars, plainOnly: true, required: true });
        const grouped = checkList(bad, `${groupPath}/options`, g.options, 1, MODAL_LIMITS.selectOptions);
        grouped.forEach((o, j) => checkOption(bad, `${groupPath}/options/${j}`, o, true));
        options!.push(...grouped);
      });
    }
  } else if (CHOICES.has(type)) {
    options = checkList(bad, `${path}/options`, element.options, 1, MODAL_LIMITS.choiceOptions);
    options.forEach((o, i) => checkOption(bad, `${path}/options/${i}`, o, false));
  } else if (EXTERNAL_SELECTS.has(type)) {
    const min = element.min_query_length;
    if (min !== undefined && (typeof min !== 'number' || !Number.isInteger(min) || min < 0)) bad(`${path}/min_query_length`, 'must be a non-negative integer');
  } else {
    return;
  }
  const plainOnly = !CHOICES.has(type);
  const initial = single ? (element.initial_option === undefined ? [] : [element.initial_option]) : element.initial_options === undefined ? [] : element.initial_options;
  const initialPath = `${path}/${single ? 'initial_option' : 'initial_options'}`;
  if (!Array.isArray(initial)) return bad(initialPath, 'must be an array');
  initial.forEach((o: unknown, i) => {
    const at = single ? initialPath : `${initialPath}/${i}`;
    checkOption(bad, at, o, plainOnly);
    // A static select's (or choice group's) initial option must exactly match one of its options.
    if (options && isObject(o) && !options.some((candidate) => sameOption(candidate, o))) bad(at, 'must match one of the options');
  });
}

/** An option object: text (plain_text for selects) of 1 to 75 characters, a value of 1 to 150. */
function checkOption(bad: Report, path: string, option: unknown, plainOnly: boolean): void {
  if (!isObject(option)) return bad(path, 'must be an option object');
  checkText(bad, `${path}/text`, option.text, { max: MODAL_LIMITS.optionTextChars, plainOnly, required: true });
  if (typeof option.value !== 'string' || option.value.length === 0) bad(`${path}/value`, 'must be more than 0 characters');
  else if (option.value.length > MODAL_LIMITS.optionValueChars) bad(`${path}/value`, `must be less than ${MODAL_LIMITS.optionValueChars} characters`);
  checkText(bad, `${path}/description`, option.description, { max: MODAL_LIMITS.optionTextChars, plainOnly });
}

function sameOption(a: unknown, b: Json): boolean {
  if (!isObject(a) || !isObject(a.text) || !isObject(b.text)) return false;
  return a.value === b.value && a.text.text === b.text.text && a.text.type === b.text.type;
}

/** An id as Slack makes one up for a block or element the app left without. */
function madeUpId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 5);
}

/** The view's blocks with every block_id and interactive element's action_id filled in, as Slack fills them. */
function withIds(blocks: Record<string, unknown>[]): Record<string, unknown>[] {
  const withAction = (element: unknown): unknown =>
    isObject(element) && element.type !== 'image' && element.action_id === undefined ? { ...element, action_id: madeUpId() } : element;
  return structuredClone(blocks).map((block) => {
    const b: Json = { ...block, block_id: block.block_id ?? madeUpId() };
    if (b.type === 'input') b.element = withAction(b.element);
    if (b.type === 'section' && b.accessory !== undefined) b.accessory = withAction(b.accessory);
    if (b.type === 'actions' && Array.isArray(b.elements)) b.elements = b.elements.map(withAction);
    return b;
  });
}

/** Every interactive element of the blocks: input elements, section accessories, actions elements. */
function modalElements(blocks: Record<string, unknown>[]): ModalElement[] {
  const found: ModalElement[] = [];
  for (const block of blocks as ModalElement['block'][]) {
    const add = (element: unknown, container: ModalElement['container']) => {
      if (isObject(element) && typeof element.type === 'string' && typeof element.action_id === 'string') found.push({ block, element: element as ModalElement['element'], container });
    };
    if (block.type === 'input') add(block.element, 'input');
    if (block.type === 'section') add(block.accessory, 'section');
    if (block.type === 'actions' && Array.isArray(block.elements)) for (const e of block.elements as unknown[]) add(e, 'actions');
  }
  return found;
}

const TEXT_INPUTS = new Set(['plain_text_input', 'email_text_input', 'url_text_input', 'number_input']);
const SINGLE_CHOICES = new Set(['static_select', 'external_select', 'radio_buttons']);
const MULTI_CHOICES = new Set(['multi_static_select', 'multi_external_select', 'checkboxes']);

/** What a stateful element holds before the person touches it: its initial value, in state shape. */
function initialValue(element: ModalElement['element']): ViewStateValue | undefined {
  const { type } = element;
  if (TEXT_INPUTS.has(type) && typeof element.initial_value === 'string') return { type, value: element.initial_value };
  if (SINGLE_CHOICES.has(type) && isObject(element.initial_option)) return { type, selected_option: element.initial_option as unknown as SlackOption };
  if (MULTI_CHOICES.has(type) && Array.isArray(element.initial_options)) return { type, selected_options: element.initial_options as SlackOption[] };
  if (type === 'datepicker' && typeof element.initial_date === 'string') return { type, selected_date: element.initial_date };
  return undefined;
}

/** An input block's element the person left empty, as view_submission carries it. */
function emptyValue(element: ModalElement['element']): ViewStateValue | undefined {
  const { type } = element;
  if (TEXT_INPUTS.has(type)) return { type, value: null };
  if (SINGLE_CHOICES.has(type)) return { type, selected_option: null };
  if (MULTI_CHOICES.has(type)) return { type, selected_options: [] };
  if (type === 'datepicker') return { type, selected_date: null };
  return undefined;
}

function messageContent(p: Record<string, string>): { text: string; blocks: unknown[] | undefined } {
  const blocks = p.blocks ? (JSON.parse(p.blocks) as unknown[]) : undefined;
  const text = p.text ?? '';
  if (!text && !blocks?.length) throw new Error('no_text');
  if (text.length > MAX_TEXT_CHARS) throw new Error('msg_too_long');
  if (blocks && (blocks.length > MAX_BLOCKS || !blocks.every(validBlock))) throw new Error('invalid_blocks');
  return { text, blocks };
}

/** Block Kit's documented limits for the blocks the app sends: sections, and buttons in an actions block. */
function validBlock(block: unknown): boolean {
  const b = block as {
    type?: string;
    text?: { text?: string };
    fields?: { text?: string }[];
    elements?: { type?: string; action_id?: string; value?: string; text?: { text?: string } }[];
  };
  if (b.type === 'section') {
    // A section has text (at most 3000 characters), fields (at most 10, 2000 each), or both.
    const textOk = b.text === undefined || (typeof b.text.text === 'string' && b.text.text.length >= 1 && b.text.text.length <= 3000);
    const fieldsOk = b.fields === undefined || (b.fields.length <= 10 && b.fields.every((f) => (f.text ?? '').length <= 2000));
    return textOk && fieldsOk && (b.text !== undefined || b.fields !== undefined);
  }
  if (b.type === 'actions') {
    const elements = b.elements ?? [];
    return (
      elements.length >= 1 &&
      elements.length <= 25 &&
      elements.every(
        (e) =>
          e.type !== 'button' ||
          ((e.action_id ?? '').length <= 255 && (e.value ?? '').length <= 2000 && (e.text?.text ?? '').length >= 1 && (e.text?.text ?? '').length <= 75),
      )
    );
  }
  return typeof b.type === 'string';
}

export async function startSlackServer(options: LocalSlackOptions = {}): Promise<LocalSlack> {
  return new LocalSlack(options).listen();
}
