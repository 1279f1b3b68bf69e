/**
 * A private PostgreSQL server on 127.0.0.1 for the tests and the benchmark: `initdb` into a fresh
 * temporary folder, then `postgres` as a child process on a free port, with durability switched
 * off (fsync, synchronous_commit, full_page_writes) because the data is thrown away.
 *
 * No vitest imports here: bench/run.ts uses this module too.
 *
 * The binaries come from `QUOTE_SYNC_PG_BIN` if set, else the newest `/usr/lib/postgresql/N/bin`
 * (Debian and Ubuntu), else `initdb` on PATH. initdb and postgres refuse to run as root, so as
 * root both run as the `postgres` user that the Debian package creates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, parse as parsePath } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** Superuser URL of the `postgres` database, e.g. `postgres://quote_sync@127.0.0.1:41234/postgres`. */
  readonly url: string;
  /** Creates an empty database (a unique name unless one is given) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown (SIGINT), waits for the server to exit, removes its folder. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Receives each line the server and initdb print. */
  log?: (line: string) => void;
}

/** PostgreSQL is not installed, or cannot be run from this account. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

const SUPERUSER = 'quote_sync';
const INSTALL_HINT =
  'Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`), ' +
  'or set QUOTE_SYNC_PG_BIN to a folder holding initdb and postgres.';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
/** Lines of server output kept for error messages. */
const OUTPUT_LINES_KEPT = 60;

/** The folder holding `initdb` and `postgres`. Throws PostgresUnavailableError when there is none. */
export function findPostgresBin(): string {
  const fromEnv = process.env.QUOTE_SYNC_PG_BIN;
  if (fromEnv) {
    for (const program of ['initdb', 'postgres']) {
      if (!isExecutable(join(fromEnv, program))) {
        throw new PostgresUnavailableError(`QUOTE_SYNC_PG_BIN=${fromEnv} holds no executable ${program}.`);
      }
    }
    return fromEnv;
  }

  // Debian keeps each major version under /usr/lib/postgresql/<version>/bin, off PATH.
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((entry) => isExecutable(join(debianRoot, entry, 'bin', 'initdb')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0] !== undefined) return join(debianRoot, versions[0], 'bin');
  }

  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder && isExecutable(join(folder, 'initdb')) && isExecutable(join(folder, 'postgres'))) return folder;
  }

  throw new PostgresUnavailableError(
    `PostgreSQL's initdb was found neither in /usr/lib/postgresql/*/bin nor on PATH. ${INSTALL_HINT}`,
  );
}

/**
 * Starts a private server and waits until it accepts connections. The server is a child process:
 * stop() shuts it down, and it is killed if this process exits first.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const runAs = accountForServer();
  const dir = makeServerFolder(runAs);

  try {
    await run(
      join(bin, 'initdb'),
      [
        '--pgdata', join(dir, 'data'),
        '--username', SUPERUSER,
        '--auth', 'trust',
        '--encoding', 'UTF8',
        '--locale', 'C',
        '--no-sync',
      ],
      { dir, runAs, output: new OutputTail(options.log) },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  // The port comes from a probe that is closed again before postgres binds it, so another process
  // can take it in between; a bind failure is retried on a new port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch({ bin, dir, port, runAs, output: new OutputTail(options.log) });
    } catch (error) {
      if (attempt < 3 && error instanceof PortTakenError) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

/**
 * Creates an empty database on the server at `baseUrl` (any URL whose role may create databases)
 * and returns the same URL pointing at the new database.
 */
export async function createDatabaseAt(baseUrl: string, name = uniqueDatabaseName()): Promise<string> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** `qs_` and 16 random hex digits, or `<prefix>` and 16 random hex digits. */
export function uniqueDatabaseName(prefix = 'qs_'): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface Account {
  uid: number;
  gid: number;
}

interface LaunchOptions {
  bin: string;
  dir: string;
  port: number;
  runAs: Account | undefined;
  output: OutputTail;
}

class PortTakenError extends Error {}

async function launch({ bin, dir, port, runAs, output }: LaunchOptions): Promise<PostgresServer> {
  // Names this server in `ps` and lets waitUntilAccepting tell it from another one on the same port.
  const clusterName = basename(dir);
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D', join(dir, 'data'),
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${dir}`,
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
      '-c', `cluster_name=${clusterName}`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) },
  );
  output.follow(child);

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  // Runs on process.exit and on a normal end of the event loop, not on an unhandled signal
  // (vitest turns SIGINT and SIGTERM into process.exit). Only synchronous work is possible here.
  const killOnExit = (): void => {
    child.kill('SIGQUIT');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    } catch {
      // The server may still be writing; the folder is in the temporary directory.
    }
  };
  process.on('exit', killOnExit);

  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilAccepting(url, clusterName, () => {
      if (spawnError) throw spawnError;
      if (exit) {
        const text = output.text();
        const message = `postgres exited with ${exit.signal ?? `code ${exit.code}`} before accepting connections`;
        throw /could not bind|Address already in use/i.test(text) ? new PortTakenError(message) : new Error(message);
      }
    });
  } catch (error) {
    process.off('exit', killOnExit);
    if (child.pid !== undefined && !exit) {
      child.kill('SIGQUIT');
      await exited;
    }
    if (error instanceof PortTakenError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- server output ---\n${output.text()}`, { cause: error });
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    createDatabase: (name?: string) => createDatabaseAt(url, name),
    stop() {
      stopping ??= (async () => {
        process.off('exit', killOnExit);
        if (!exit) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      })();
      return stopping;
    },
  };
}

/**
 * Polls with a real client until the server answers and is the one named `clusterName` (not another
 * server that took the port first); `check` throws to stop early (the server died).
 */
async function waitUntilAccepting(url: string, clusterName: string, check: () => void): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  for (;;) {
    check();
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ name: string }>("SELECT current_setting('cluster_name') AS name");
      await client.end();
      if (rows[0]?.name === clusterName) return;
      lastError = new Error(`port taken by another server (cluster_name ${JSON.stringify(rows[0]?.name)})`);
    } catch (error) {
      await client.end().catch(() => undefined);
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs a program to completion; rejects with its output when it fails. */
async function run(
  program: string,
  args: string[],
  { dir, runAs, output }: { dir: string; runAs: Account | undefined; output: OutputTail },
): Promise<void> {
  const child = spawn(program, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) });
  output.follow(child);
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  if (result.code !== 0) {
    throw new Error(
      `${program} ${args.join(' ')} failed with ${result.signal ?? `code ${result.code}`}:\n${output.text()}`,
    );
  }
}

/** As root, the `postgres` account from /etc/passwd; otherwise undefined (run as ourselves). */
function accountForServer(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // Handled below as a missing account.
  }
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'postgres' && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new PostgresUnavailableError(
    'Running as root, and initdb and postgres refuse to run as root, but there is no `postgres` user ' +
      'to run them as. The Debian package creates it: `apt-get install postgresql`. Or run as another user.',
  );
}

/** A fresh folder for the data directory and the unix socket, owned by the account the server runs as. */
function makeServerFolder(runAs: Account | undefined): string {
  // As root the folder is handed to the postgres user, which must be able to reach it: fall back to
  // /tmp when the temporary directory sits under a folder others cannot enter (e.g. /root).
  const base = runAs && !traversableByOthers(tmpdir()) ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'quote-sync-pg-'));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  return dir;
}

function traversableByOthers(path: string): boolean {
  for (let folder = path; ; folder = dirname(folder)) {
    try {
      if ((statSync(folder).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (folder === parsePath(folder).root) return true;
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('the port probe has no TCP address');
  return address.port;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Forwards child output line by line to the log option and keeps the last lines for error messages. */
class OutputTail {
  private readonly lines: string[] = [];

  constructor(private readonly log: ((line: string) => void) | undefined) {}

  follow(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.add(line);
      });
      stream?.on('end', () => {
        if (partial) this.add(partial);
        partial = '';
      });
    }
  }

  text(): string {
    return this.lines.join('\n');
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > OUTPUT_LINES_KEPT) this.lines.shift();
    this.log?.(line);
  }
}
