/**
 * Fetching a quotes file from a URL a person pasted into Slack, without letting that URL reach
 * inside the network the app runs in (SSRF): https only; every address a host resolves to is
 * checked, at connect time (the check is the socket's own DNS lookup, so a name cannot resolve
 * to a public address for the check and a private one for the connection); every redirect hop is
 * checked again; the body is capped at `maxBytes` while it streams.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { QuoteSyncError } from '../errors.js';

export class UrlRefusedError extends QuoteSyncError {
  readonly code = 'input_unusable';
  override readonly name = 'UrlRefusedError';
}

export interface FetchOptions {
  /** Accept http links too (ALLOW_PRIVATE_URLS, local use only). */
  allowHttp: boolean;
  /** Let private, loopback and link-local hosts through (ALLOW_PRIVATE_URLS, local use only). */
  allowPrivateAddresses: boolean;
  maxBytes: number;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Injectable for tests: DNS, and which addresses count as private. */
  lookup?: typeof dnsLookup;
  isPrivate?: (address: string) => boolean;
}

export interface FetchedFile {
  url: string;
  content: Buffer;
  contentType: string | undefined;
}

/** Addresses no URL from a person may reach: private, loopback, link-local, unique-local, CGNAT, multicast, unspecified. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 5;

export async function fetchQuotesFile(rawUrl: string, options: FetchOptions): Promise<FetchedFile> {
  let url = parseUrl(rawUrl, options);
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  for (let hop = 0; ; hop++) {
    const response = await get(url, options);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= maxRedirects) throw new UrlRefusedError(`The link redirects more than ${maxRedirects} times.`);
      url = parseUrl(new URL(response.headers.location, url).toString(), options);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new UrlRefusedError(`The link answered ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}, not the file.`);
    }
    const content = await readCapped(response, options.maxBytes);
    return { url: url.toString(), content, contentType: response.headers['content-type'] };
  }
}

function parseUrl(raw: string, options: FetchOptions): URL {
  let url: URL;
  try {
    url = new URL(raw.trim().replace(/^<|>$/g, ''));
  } catch {
    throw new UrlRefusedError(`"${raw}" is not a link.`);
  }
  const allowed = options.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) throw new UrlRefusedError(`Only https links can be synced (got ${url.protocol}//).`);
  if (url.username || url.password) throw new UrlRefusedError('Links with a user name or password are not accepted.');
  return url;
}

/** The socket's lookup: resolves, then refuses the connection if any address is private. */
function guardedLookup(options: FetchOptions): LookupFunction {
  const resolve = options.lookup ?? dnsLookup;
  const isPrivate = options.isPrivate ?? isPrivateAddress;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      if (!options.allowPrivateAddresses && (list.length === 0 || list.some((a) => isPrivate(a.address)))) {
        return callback(Object.assign(new Error(`${hostname} is a private address`), { code: 'EPRIVATE' }), '', 0);
      }
      if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

function get(url: URL, options: FetchOptions): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  // A literal IP address never goes through lookup: check it here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateAddresses && isIP(host) && (options.isPrivate ?? isPrivateAddress)(host)) {
    return Promise.reject(new UrlRefusedError('Links to private, loopback or link-local addresses are not accepted.'));
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', lookup: guardedLookup(options), timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }, resolve);
    req.on('timeout', () => req.destroy(new UrlRefusedError('The link did not answer in time.')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof UrlRefusedError) reject(error);
      else if (error.code === 'EPRIVATE') reject(new UrlRefusedError('Links to private, loopback or link-local addresses are not accepted.'));
      else reject(new UrlRefusedError(`The link could not be fetched (${error.code ?? error.message}).`));
    });
    req.end();
  });
}

async function readCapped(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new UrlRefusedError(`The file is ${declared} bytes; the limit is ${maxBytes} (MAX_FILE_BYTES).`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.destroy();
      throw new UrlRefusedError(`The file is over ${maxBytes} bytes, the limit (MAX_FILE_BYTES).`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
