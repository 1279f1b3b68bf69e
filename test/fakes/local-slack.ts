/**
 * A local Slack Web API on 127.0.0.1 that the real @slack/web-api WebClient talks to (through
 * `slackApiUrl`). As Slack's docs say: methods are POSTs to /api/<method>, form-encoded or JSON,
 * authenticated with `Authorization: Bearer <token>`; answers are HTTP 200 with `ok: false` and
 * an `error` code for failures, HTTP 429 with `Retry-After` (whole seconds) for rate limits; file
 * uploads take three steps (files.getUploadURLExternal, a POST of the bytes to the URL it gave,
 * files.completeUploadExternal). Messages, edits and files are kept so tests can read the thread.
 *
 * No vitest here: the Slack app's tests and a local run can both use it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

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
  /** Per method, the least time between two calls before Slack answers 429 (e.g. chat.update Tier 3). */
  minIntervalMs?: Record<string, number>;
  /** The Retry-After value sent with a 429, in seconds (Slack sends whole seconds). */
  retryAfterSeconds?: number;
}

/** Slack's documented limits for a message. */
const MAX_TEXT_CHARS = 40_000;
const MAX_BLOCKS = 50;

export class LocalSlack {
  readonly token: string;
  readonly calls: SlackCall[] = [];
  readonly messages: SlackMessage[] = [];
  url = '';
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly channels: Set<string>;
  private readonly lastCall = new Map<string, number>();
  private readonly injected = new Map<string, string[]>();
  private readonly uploads = new Map<string, { filename: string; length: number; content?: string }>();
  private tsCounter = 0;

  constructor(private readonly options: LocalSlackOptions = {}) {
    this.token = options.token ?? 'xoxb-local-test-token';
    this.channels = new Set(options.channels ?? ['C0123456789']);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  /** The base URL to give WebClient as `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `count` calls of `method` answer `error` (`ratelimited` answers HTTP 429). */
  injectNext(method: string, error: string, count = 1): void {
    const list = this.injected.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push(error);
    this.injected.set(method, list);
  }

  /** The messages of a thread, parent first. */
  thread(channel: string, ts: string): SlackMessage[] {
    return this.messages.filter((m) => m.channel === channel && (m.ts === ts || m.threadTs === ts));
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
    if (token !== this.token) return reply(200, { ok: false, error: 'invalid_auth' });

    const injected = this.injected.get(method)?.shift();
    const minInterval = this.options.minIntervalMs?.[method];
    const last = this.lastCall.get(method);
    if (injected === 'ratelimited' || (minInterval !== undefined && last !== undefined && call.at - last < minInterval)) {
      return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(this.options.retryAfterSeconds ?? 1) });
    }
    this.lastCall.set(method, call.at);
    if (injected) return reply(200, { ok: false, error: injected });
    try {
      reply(200, { ok: true, ...this.dispatch(method, params) });
    } catch (error) {
      reply(200, { ok: false, error: (error as Error).message });
    }
  }

  private dispatch(method: string, p: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { url: 'https://local.slack.test/', team: 'Local', user: 'quotesync', team_id: 'T0LOCAL', user_id: 'U0BOT', bot_id: 'B0BOT' };
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
        message.blocks = blocks;
        message.history.push(text);
        return { channel, ts: message.ts, text };
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
          return { id: f.id, title: f.title ?? upload.filename, name: upload.filename, content: upload.content };
        });
        if (p.channel_id) {
          const channel = this.channel(p.channel_id);
          const text = p.initial_comment ?? '';
          this.messages.push({ channel, ts: this.nextTs(), threadTs: p.thread_ts || undefined, text, blocks: undefined, history: [text], files: shared });
        }
        return { files: shared.map(({ id, title, name }) => ({ id, title, name })) };
      }
      default:
        throw new Error('unknown_method');
    }
  }

  private channel(id: string | undefined): string {
    if (!id || !this.channels.has(id)) throw new Error('channel_not_found');
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

function messageContent(p: Record<string, string>): { text: string; blocks: unknown[] | undefined } {
  const blocks = p.blocks ? (JSON.parse(p.blocks) as unknown[]) : undefined;
  const text = p.text ?? '';
  if (!text && !blocks?.length) throw new Error('no_text');
  if (text.length > MAX_TEXT_CHARS) throw new Error('msg_too_long');
  if (blocks && blocks.length > MAX_BLOCKS) throw new Error('invalid_blocks');
  return { text, blocks };
}

export async function startSlackServer(options: LocalSlackOptions = {}): Promise<LocalSlack> {
  return new LocalSlack(options).listen();
}
