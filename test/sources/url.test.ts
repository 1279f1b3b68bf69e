import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchQuotesFile, isPrivateAddress, type FetchOptions } from '../../src/sources/url.js';

let server: Server | undefined;
let hits: string[] = [];
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  hits = [];
});

async function serve(handler: (path: string, res: import('node:http').ServerResponse) => void): Promise<number> {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Names resolve like this, with no DNS: `public.test` is the local server, `internal.test` a private address never connected to. */
const fakeDns = ((hostname: string, _options: unknown, callback: (e: Error | null, a: { address: string; family: number }[]) => void) => {
  const table: Record<string, string> = { 'public.test': '127.0.0.1', 'internal.test': '10.9.9.9', 'metadata.test': '169.254.169.254' };
  const address = table[hostname];
  if (!address) return callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), []);
  callback(null, [{ address, family: 4 }]);
}) as unknown as FetchOptions['lookup'];

const strict: FetchOptions = { allowHttp: false, allowPrivateAddresses: false, maxBytes: 1000 };
/** http allowed so the local server can answer, 127.0.0.1 treated as public, every other private range still refused. */
const viaLocal: FetchOptions = {
  allowHttp: true,
  allowPrivateAddresses: false,
  maxBytes: 1000,
  lookup: fakeDns,
  isPrivate: (a) => a !== '127.0.0.1' && isPrivateAddress(a),
};

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fc00::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'])(
    '%s is private',
    (a) => expect(isPrivateAddress(a)).toBe(true),
  );
  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (a) => expect(isPrivateAddress(a)).toBe(false));
});

describe('fetchQuotesFile', () => {
  it('refuses what is not an https link, before any request', async () => {
    await expect(fetchQuotesFile('http://example.com/q.csv', strict)).rejects.toThrow(/Only https links/);
    await expect(fetchQuotesFile('ftp://example.com/q.csv', strict)).rejects.toThrow(/Only https links/);
    await expect(fetchQuotesFile('quotes please', strict)).rejects.toThrow(/is not a link/);
    await expect(fetchQuotesFile('https://user:pw@example.com/q.csv', strict)).rejects.toThrow(/user name or password/);
  });

  it('refuses literal private, loopback and link-local addresses', async () => {
    const port = await serve((_p, res) => res.end('text\nhello\n'));
    for (const url of [`https://127.0.0.1:${port}/q.csv`, 'https://[::1]/q.csv', 'https://169.254.169.254/latest/meta-data/', 'https://10.0.0.1/q.csv']) {
      await expect(fetchQuotesFile(url, strict)).rejects.toThrow(/private, loopback or link-local/);
    }
    expect(hits).toEqual([]);
  });

  it('refuses a name that resolves to a private address, without connecting', async () => {
    await expect(fetchQuotesFile('https://internal.test/q.csv', { ...strict, lookup: fakeDns })).rejects.toThrow(/private/);
    await expect(fetchQuotesFile('https://metadata.test/', { ...strict, lookup: fakeDns })).rejects.toThrow(/private/);
  });

  it('fetches a file and follows a redirect to another allowed address', async () => {
    const port = await serve((path, res) => {
      if (path === '/old') res.writeHead(302, { location: `http://public.test:${port}/q.csv` }).end();
      else res.writeHead(200, { 'content-type': 'text/csv' }).end('text\nhello\n');
    });
    const file = await fetchQuotesFile(`http://public.test:${port}/old`, viaLocal);
    expect(file.content.toString()).toBe('text\nhello\n');
    expect(file.url).toBe(`http://public.test:${port}/q.csv`);
    expect(hits).toEqual(['/old', '/q.csv']);
  });

  it('refuses a redirect to a private address, and never connects there', async () => {
    const port = await serve((_p, res) => res.writeHead(302, { location: 'http://internal.test/q.csv' }).end());
    await expect(fetchQuotesFile(`http://public.test:${port}/q.csv`, viaLocal)).rejects.toThrow(/private/);
    expect(hits).toEqual(['/q.csv']);
  });

  it('stops after too many redirects', async () => {
    const port = await serve((path, res) => res.writeHead(301, { location: `${path}x` }).end());
    await expect(fetchQuotesFile(`http://public.test:${port}/a`, { ...viaLocal, maxRedirects: 3 })).rejects.toThrow(/more than 3 times/);
  });

  it('refuses files over the size cap, declared or streamed', async () => {
    const port = await serve((path, res) => {
      if (path === '/declared') res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
      else {
        res.writeHead(200); // chunked: no length announced
        res.write('x'.repeat(800));
        res.end('x'.repeat(800));
      }
    });
    await expect(fetchQuotesFile(`http://public.test:${port}/declared`, viaLocal)).rejects.toThrow(/5000 bytes; the limit is 1000/);
    await expect(fetchQuotesFile(`http://public.test:${port}/chunked`, viaLocal)).rejects.toThrow(/over 1000 bytes/);
  });

  it('says what the link answered when it is not the file', async () => {
    const port = await serve((_p, res) => res.writeHead(404, 'Not Found').end('nope'));
    await expect(fetchQuotesFile(`http://public.test:${port}/q.csv`, viaLocal)).rejects.toThrow(/answered 404 Not Found/);
  });

  it('lets everything local through when ALLOW_PRIVATE_URLS is set', async () => {
    const port = await serve((_p, res) => res.end('text\nhello\n'));
    const file = await fetchQuotesFile(`http://127.0.0.1:${port}/q.csv`, { allowHttp: true, allowPrivateAddresses: true, maxBytes: 100 });
    expect(file.content.toString()).toBe('text\nhello\n');
  });
});
