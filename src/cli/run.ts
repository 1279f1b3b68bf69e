/**
 * `quote-sync` commands as a function of argv, environment and output streams, so tests run it
 * in-process. Exit codes: 0 every valid quote is in Notion; 2 unusable input or configuration
 * (nothing written); 3 some quotes could not be written; 130 interrupted (resumable).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig, parseNotionId, type Config } from '../config.js';
import { ConfigError, InputError, JobNotFoundError, QuoteSyncError } from '../errors.js';
import { createLogger } from '../logger.js';
import { JobStore, storeOpenProblem, type JobTarget } from '../store/index.js';
import { SyncEngine, type JobReporter } from '../sync/engine.js';
import { isComplete, type SyncReport } from '../sync/report.js';
import { summaryText, terminalReporter, type TerminalOutput } from './progress.js';

export const EXIT = { ok: 0, failure: 1, unusable: 2, incomplete: 3, interrupted: 130 } as const;

export interface CliIo {
  stdout: TerminalOutput;
  stderr: TerminalOutput;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM by the caller. */
  signal?: AbortSignal;
  /** Extra reporter (the demo uses it to show fault counters). */
  reporter?: JobReporter;
}

export const USAGE = `usage:
  quote-sync sync <file.csv|file.json> [--database ID | --parent-page ID] [--map FIELD=PROPERTY]... [--chunk-size N] [--careful] [--update] [--json]
  quote-sync resume <jobId> [--json]
  quote-sync jobs [--json]

Configuration comes from the environment (or a .env file): NOTION_TOKEN and
NOTION_DATABASE_ID or NOTION_PARENT_PAGE_ID; see README.md for the rest.
`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        database: { type: 'string' },
        'parent-page': { type: 'string' },
        'chunk-size': { type: 'string' },
        careful: { type: 'boolean', default: false },
        update: { type: 'boolean', default: false },
        map: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.unusable;
  }
  const [command, ...rest] = parsed.positionals;
  const flags = parsed.values;
  if (flags.help || !command || command === 'help') {
    io.stdout.write(USAGE);
    return command || flags.help ? EXIT.ok : EXIT.unusable;
  }

  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`configuration: ${error.message}\n`);
      return EXIT.unusable;
    }
    throw error;
  }
  const logger = createLogger(io.env.LOG_LEVEL ?? 'warn');
  let store: JobStore;
  try {
    store = await JobStore.open(config.dbPath);
  } catch (error) {
    io.stderr.write(`${storeOpenProblem(config.dbPath, error)}\n`);
    return EXIT.failure;
  }
  const engine = await SyncEngine.open({ config, store, logger });
  try {
    switch (command) {
      case 'sync':
        return await syncCommand(engine, rest, flags, io);
      case 'resume':
        return await resumeCommand(engine, rest, flags.json, io);
      case 'jobs':
        return await jobsCommand(store, flags.json, Number(flags.limit ?? 20), io);
      default:
        io.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
        return EXIT.unusable;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof InputError || error instanceof JobNotFoundError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.unusable;
    }
    if (error instanceof QuoteSyncError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.incomplete;
    }
    logger.error({ err: error }, 'unexpected error');
    io.stderr.write(`unexpected error: ${(error as Error).message}\n`);
    return EXIT.failure;
  } finally {
    await engine.close();
    await store.close();
  }
}

async function syncCommand(
  engine: SyncEngine,
  args: string[],
  flags: { database?: string; 'parent-page'?: string; 'chunk-size'?: string; careful?: boolean; update?: boolean; json?: boolean; map?: string[] },
  io: CliIo,
): Promise<number> {
  const [file] = args;
  if (!file) {
    io.stderr.write(`sync needs a file\n\n${USAGE}`);
    return EXIT.unusable;
  }
  if (flags.database && flags['parent-page']) {
    io.stderr.write('give --database or --parent-page, not both\n');
    return EXIT.unusable;
  }
  const overrides: { databaseId?: string; parentPageId?: string } = {};
  for (const [flag, key] of [
    ['database', 'databaseId'],
    ['parent-page', 'parentPageId'],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    const id = parseNotionId(value);
    if (!id) {
      io.stderr.write(`--${flag} "${value}" is not a Notion id or URL\n`);
      return EXIT.unusable;
    }
    overrides[key] = id;
  }
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(code === 'ENOENT' ? `There is no file ${file}.\n` : `Cannot read ${file} (${code ?? (error as Error).message}).\n`);
    return EXIT.unusable;
  }
  const chunkFlag = flags['chunk-size'];
  const chunkSize = chunkFlag === undefined ? undefined : /^\d+$/.test(chunkFlag) ? Number(chunkFlag) : Number.NaN;
  if (chunkSize !== undefined && !(chunkSize >= 1)) {
    io.stderr.write(`--chunk-size "${chunkFlag}" must be a whole number of at least 1\n`);
    return EXIT.unusable;
  }
  const map: Record<string, string> = {};
  for (const pair of flags.map ?? []) {
    const at = pair.indexOf('=');
    const field = at < 0 ? '' : pair.slice(0, at).trim();
    if (field === '') {
      io.stderr.write(`--map "${pair}" must be FIELD=PROPERTY (a field of the input, such as reddit_url or post.author, and a property of the database; FIELD= forgets a kept mapping)\n`);
      return EXIT.unusable;
    }
    map[field] = pair.slice(at + 1).trim();
  }
  const target = engine.targetFor(overrides);
  const { job, resumed } = await engine.prepare({ name: file, content }, target, {
    ...(Object.keys(map).length ? { map } : {}),
    ...(chunkSize ? { chunkSize } : {}),
    ...(flags.careful ? { careful: true } : {}),
    ...(flags.update ? { update: true } : {}),
  });
  io.stderr.write(`job ${job.id}\n`);
  if (resumed) io.stderr.write(`an unfinished job of this file exists: resuming job ${job.id}\n`);
  const report = await engine.run(job.id, runOptions(io, resumed));
  return finish(report, flags.json ?? false, io);
}

async function resumeCommand(engine: SyncEngine, args: string[], json: boolean | undefined, io: CliIo): Promise<number> {
  const [jobId] = args;
  if (!jobId) {
    io.stderr.write(`resume needs a job id (see quote-sync jobs)\n`);
    return EXIT.unusable;
  }
  const existing = await engine.store.jobs.get(jobId);
  if (!existing) throw new JobNotFoundError(jobId);
  // A job that failed on Notion's side (token, access) gets its failed quotes back on resume.
  await engine.requeueFailed(jobId, { onlyIfStopped: true });
  io.stderr.write(`job ${jobId}\n`);
  const report = await engine.run(jobId, runOptions(io, true));
  return finish(report, json ?? false, io);
}

async function jobsCommand(store: JobStore, json: boolean | undefined, limit: number, io: CliIo): Promise<number> {
  const jobs = [];
  for (const job of await store.jobs.list(Number.isFinite(limit) && limit > 0 ? limit : 20)) {
    const databases = (await store.databases.forJob(job.id)).map((d) => ({ title: d.title, url: d.url }));
    jobs.push({ id: job.id, state: job.state, source: job.source, createdAt: job.createdAt, target: job.target, databases, ...(await store.quotes.counts(job.id)) });
  }
  if (json) {
    io.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
    return EXIT.ok;
  }
  if (jobs.length === 0) io.stdout.write('no jobs yet\n');
  for (const j of jobs) {
    io.stdout.write(
      `${j.id}  ${j.state.padEnd(11)} ${j.createdAt}  ${j.written} written, ${j.alreadyPresent} present, ` +
        `${j.failed} failed, ${j.pending} to write  ${j.source}  → ${targetLine(j.target, j.databases)}\n`,
    );
  }
  return EXIT.ok;
}

/** Where a job writes: the database it opened ("Acme quotes https://…"), else what its target names. */
function targetLine(target: JobTarget, databases: { title: string; url: string }[]): string {
  const [first, ...more] = databases;
  if (first) return `"${first.title}" ${first.url}${more.length ? ` (+${more.length} more)` : ''}`;
  return target.kind === 'database' ? `database ${target.databaseId}` : `a new database "${target.title}" under page ${target.parentPageId}`;
}

function runOptions(io: CliIo, resumed: boolean) {
  const terminal = terminalReporter(io.stderr);
  const extra = io.reporter;
  const reporter: JobReporter = extra
    ? {
        started: async (i) => {
          await terminal.started?.(i);
          await extra.started?.(i);
        },
        progress: (p) => {
          terminal.progress?.(p);
          extra.progress?.(p);
        },
        event: (e) => {
          terminal.event?.(e);
          extra.event?.(e);
        },
        note: (m) => terminal.note?.(m),
        finished: async (r) => {
          await terminal.finished?.(r);
          await extra.finished?.(r);
        },
      }
    : terminal;
  return { reporter, resumed, ...(io.signal ? { signal: io.signal } : {}) };
}

function finish(report: SyncReport, json: boolean, io: CliIo): number {
  if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(summaryText(report));
  if (report.fallbackCsv) {
    io.stderr.write(`not written: ${report.fallbackCsv} (fix the cause, then sync that file to finish)\n`);
  }
  if (report.state === 'interrupted') {
    io.stderr.write(`interrupted: run "quote-sync resume ${report.jobId}" to finish\n`);
    return EXIT.interrupted;
  }
  return isComplete(report) ? EXIT.ok : EXIT.incomplete;
}
