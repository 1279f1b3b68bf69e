/**
 * Files people upload to a channel: which ones are quote files, and fetching one with the bot
 * token. The token goes only to Slack's file host (or to the host of SLACK_API_URL when that is
 * overridden, as in a local run): a file URL pointing anywhere else is refused, and redirects are
 * not followed, so the token cannot be carried off-site.
 */
import { DEFAULT_SLACK_API_URL } from '../config.js';
import { QuoteSyncError } from '../errors.js';

/** The fields of Slack's file object this app reads. */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  filetype?: string;
  mimetype?: string;
  size?: number;
  user?: string;
  mode?: string;
  url_private?: string;
  url_private_download?: string;
}

/** Slack serves uploaded files from this host (url_private and url_private_download). */
export const SLACK_FILE_HOST = 'files.slack.com';

/** A file that cannot be used as a quotes file; the message is for the person who uploaded it. */
export class SlackFileError extends QuoteSyncError {
  readonly code = 'input_unusable';
  override readonly name = 'SlackFileError';
}

/** 'csv' or 'json' when the upload looks like a quotes file, else undefined. Pure. */
export function quoteFileFormat(file: SlackFile): 'csv' | 'json' | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name ?? '')?.[1]?.toLowerCase();
  const type = file.filetype?.toLowerCase();
  const mime = file.mimetype?.toLowerCase() ?? '';
  if (extension === 'csv' || extension === 'tsv' || type === 'csv' || type === 'tsv' || mime === 'text/csv') return 'csv';
  if (extension === 'json' || type === 'json' || mime === 'application/json') return 'json';
  return undefined;
}

/**
 * A file someone may have meant as quotes but that this app cannot read (a spreadsheet, plain
 * text): it gets a polite reply. Pictures, PDFs and the rest are none of the app's business
 * and are ignored, so the bot does not answer every screenshot in a busy channel. Pure.
 */
export function looksLikeData(file: SlackFile): boolean {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name ?? '')?.[1]?.toLowerCase() ?? '';
  const type = file.filetype?.toLowerCase() ?? '';
  return ['xlsx', 'xls', 'ods', 'numbers', 'txt', 'text', 'xml', 'yaml', 'yml', 'gsheet', 'csv.gz', 'zip'].some((t) => t === extension || t === type);
}

/** Hosts that may receive the bot token with a download. Pure. */
export function trustedFileHosts(apiUrl: string): Set<string> {
  const hosts = new Set([SLACK_FILE_HOST]);
  if (apiUrl !== DEFAULT_SLACK_API_URL) hosts.add(new URL(apiUrl).host);
  return hosts;
}

export interface DownloadOptions {
  token: string;
  apiUrl: string;
  maxBytes: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Downloads an uploaded file with the bot token, within `maxBytes`. */
export async function downloadSlackFile(file: SlackFile, o: DownloadOptions): Promise<Buffer> {
  const name = file.name ?? file.id;
  if (file.size !== undefined && file.size > o.maxBytes) {
    throw new SlackFileError(`${name} is ${megabytes(file.size)}; the most this app takes is ${megabytes(o.maxBytes)} (MAX_FILE_BYTES).`);
  }
  const link = file.url_private_download ?? file.url_private;
  if (!link) throw new SlackFileError(`Slack gave no download link for ${name} (an external or deleted file?).`);
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new SlackFileError(`Slack gave an unusable download link for ${name}.`);
  }
  const trusted = trustedFileHosts(o.apiUrl);
  const local = o.apiUrl !== DEFAULT_SLACK_API_URL && url.host === new URL(o.apiUrl).host;
  if (!trusted.has(url.host) || (url.protocol !== 'https:' && !local)) {
    throw new SlackFileError(`${name} is not hosted by Slack (${url.host}); the bot token is only sent to Slack, so it was not downloaded.`);
  }
  const response = await (o.fetch ?? fetch)(url, {
    headers: { authorization: `Bearer ${o.token}` },
    redirect: 'manual',
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  if (response.status >= 300 && response.status < 400) {
    throw new SlackFileError(`Slack redirected the download of ${name} elsewhere; it was not followed, so the bot token stays with Slack.`);
  }
  if (!response.ok) throw new SlackFileError(`Slack answered ${response.status} to the download of ${name}.`);
  // Without files:read (or with a bad token) Slack answers 200 with its sign-in page instead of the file.
  if ((response.headers.get('content-type') ?? '').includes('text/html')) {
    throw new SlackFileError(`Slack sent a web page instead of ${name}: the app may lack the files:read scope; reinstall it from manifest.json.`);
  }
  return readCapped(response, o.maxBytes, name);
}

async function readCapped(response: Response, maxBytes: number, name: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new SlackFileError(`${name} is larger than ${megabytes(maxBytes)}, the most this app takes (MAX_FILE_BYTES).`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function megabytes(bytes: number): string {
  return bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.ceil(bytes / 1000)} KB`;
}
