/**
 * `quote-sync` commands as a function of argv, environment and output streams, so tests run it
 * in-process. Exit codes: 0 every valid quote is in Notion; 2 unusable input or configuration
 * (nothing written); 3 some quotes could not be written; 130 interrupted (resumable). `sync` with
 * several files runs one job per file, in turn, and exits with the worst of their codes.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig, type Config, type ConfigRequirement } from '../config.js';
import { ConfigError, InputError, JobNotFoundError, JobTextsClearedError, QuoteSyncError, StoreUnavailableError, type ConfigProblem } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { sweepRetention } from '../retention/sweep.js';
import { JobStore, storeOpenProblem, type JobTarget } from '../store/index.js';
import { SyncEngine, type JobReporter } from '../sync/run/engine.js';
import { bothTargetsNote, checkChunking, chooseTarget, syncSettingProblems } from '../sync/target/notion-settings.js';
import { isComplete, type SyncReport } from '../sync/outcome/report.js';
import { summaryText, terminalReporter, type TerminalOutput } from './progress.js';
import { readSyncFlags, type SyncOptions } from './sync-options.js';
import { packageVersion, USAGE } from './usage.js';

export { USAGE } from './usage.js';

export const EXIT = { ok: 0, failure: 1, unusable: 2, incomplete: 3, interrupted: 130 } as const;
type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Which of several files' codes the run exits with: an interrupt, then a failure, unusable input, quotes not written. */
const EXIT_SEVERITY: readonly ExitCode[] = [EXIT.ok, EXIT.incomplete, EXIT.unusable, EXIT.failure, EXIT.interrupted];
export function worstExit(codes: readonly ExitCode[]): ExitCode {
  return codes.reduce<ExitCode>((worst, code) => (EXIT_SEVERITY.indexOf(code) > EXIT_SEVERITY.indexOf(worst) ? code : worst), EXIT.ok);
}

const COMMANDS = ['sync', 'resume', 'jobs'] as const;
type Command = (typeof COMMANDS)[number];

export interface CliIo {
  stdout: TerminalOutput;
  stderr: TerminalOutput;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM by the caller. */
  signal?: AbortSignal;
  /** Extra reporter (the demo uses it to show fault counters). */
  reporter?: JobReporter;
}

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
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.unusable;
  }
  const [command, ...rest] = parsed.positionals;
  const flags = parsed.values;
  if (flags.version) {
    io.stdout.write(`quote-sync ${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (flags.help || !command || command === 'help') {
    io.stdout.write(USAGE);
    return command || flags.help ? EXIT.ok : EXIT.unusable;
  }
  if (!isCommand(command)) {
    io.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    return EXIT.unusable;
  }
  if (command === 'sync' && rest.length === 0) {
    io.stderr.write(`sync needs a file\n\n${USAGE}`);
    return EXIT.unusable;
  }
  const sync = readSyncFlags(flags);

  let config: Config;
  try {
    // Every bad flag and setting this command needs, in one message.
    config = loadConfig(io.env, { require: requirementsOf(command, sync.options, sync.problems) });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`quote-sync: ${error.message}\n`);
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
        return await syncCommand(engine, config, rest, sync.options, flags.json, io);
      case 'resume':
        return await resumeCommand(engine, rest, flags.json, io);
      case 'jobs':
      default:
        return await jobsCommand(store, flags.json, Number(flags.limit ?? 20), io);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof InputError || error instanceof JobNotFoundError || error instanceof JobTextsClearedError) {
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
    if (command !== 'jobs' && !io.signal?.aborted) await sweepAfterRun(store, config, logger, io);
    await engine.close();
    await store.close();
  }
}

function isCommand(name: string): name is Command {
  return (COMMANDS as readonly string[]).includes(name);
}

/** What a command needs of the configuration: `sync` a token and a target (unless a flag names one) and usable flags; `resume` a token. */
function requirementsOf(command: Command, options: SyncOptions, flagProblems: readonly ConfigProblem[]): ConfigRequirement {
  if (command === 'jobs') return () => [];
  if (command === 'resume') return (config) => syncSettingProblems(config, {}, { target: false });
  return (config) => {
    const problems = [...flagProblems, ...syncSettingProblems(config, options.overrides, { target: !options.namesTarget })];
    if (problems.length > 0 || options.chunkSize === undefined) return problems;
    try {
      checkChunking(options.chunkSize, chooseTarget(config, options.overrides));
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };
}

/** One file's outcome: its exit code, and its report when it became a job. */
interface FileOutcome {
  file: string;
  code: ExitCode;
  report?: SyncReport;
  error?: string;
}

async function syncCommand(engine: SyncEngine, config: Config, files: string[], options: SyncOptions, json: boolean, io: CliIo): Promise<number> {
  // A flag names the target: the configured ones do not matter.
  const note = options.namesTarget ? undefined : bothTargetsNote(config);
  if (note) io.stderr.write(`note: ${note}\n`);
  const target = engine.targetFor(options.overrides);
  const outcomes: FileOutcome[] = [];
  for (const [index, file] of files.entries()) {
    if (io.signal?.aborted) break;
    if (files.length > 1) io.stderr.write(`${index > 0 ? '\n' : ''}── ${file} (${index + 1} of ${files.length})\n`);
    const outcome = await syncFile(engine, file, target, options, json, io);
    outcomes.push(outcome);
    if (outcome.code === EXIT.interrupted) break;
  }
  if (json) {
    const [only] = outcomes;
    if (files.length === 1 && only?.report) io.stdout.write(`${JSON.stringify(only.report, null, 2)}\n`);
    if (files.length > 1) {
      const entries = outcomes.map((o) => (o.report ? { file: o.file, ...o.report } : { file: o.file, error: o.error }));
      io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    }
  }
  if (files.length > 1) {
    const skipped = files.slice(outcomes.length);
    io.stderr.write(
      `\n${outcomes.map((o) => `${o.file}: ${o.report?.state ?? 'not synced'} (exit ${o.code})`).join('\n')}\n` +
        (skipped.length ? `not started (interrupted): ${skipped.join(', ')}\n` : ''),
    );
  }
  return worstExit(outcomes.map((o) => o.code));
}

/**
 * One file as one job. Input that cannot be used, or a job held elsewhere, ends this file only;
 * a configuration or store problem (the same for every file) ends the command.
 */
async function syncFile(engine: SyncEngine, file: string, target: JobTarget, options: SyncOptions, json: boolean, io: CliIo): Promise<FileOutcome> {
  const unusable = (error: string): FileOutcome => {
    io.stderr.write(`${error}\n`);
    return { file, code: EXIT.unusable, error };
  };
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return unusable(code === 'ENOENT' ? `There is no file ${file}.` : `Cannot read ${file} (${code ?? (error as Error).message}).`);
  }
  try {
    const { job, resumed } = await engine.prepare({ name: file, content }, target, {
      ...(Object.keys(options.map).length ? { map: options.map } : {}),
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      ...(options.careful ? { careful: true } : {}),
      ...(options.update ? { update: true } : {}),
    });
    io.stderr.write(`job ${job.id}\n`);
    if (resumed) io.stderr.write(`an unfinished job of this file exists: resuming job ${job.id}\n`);
    const report = await engine.run(job.id, runOptions(io, resumed));
    return { file, code: finish(report, json, io), report };
  } catch (error) {
    if (error instanceof InputError || error instanceof JobTextsClearedError) return unusable(error.message);
    // The configuration and the store are the same for every file: those end the command.
    if (error instanceof QuoteSyncError && !(error instanceof ConfigError) && !(error instanceof StoreUnavailableError)) {
      io.stderr.write(`${error.message}\n`);
      return { file, code: EXIT.incomplete, error: error.message };
    }
    throw error;
  }
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
  if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
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

/** The summary (unless `json`: the caller prints the report), where the not-written quotes are, and the exit code. */
function finish(report: SyncReport, json: boolean, io: CliIo): ExitCode {
  if (!json) io.stdout.write(summaryText(report));
  if (report.fallbackCsv) {
    io.stderr.write(`not written: ${report.fallbackCsv} (fix the cause, then sync that file to finish)\n`);
  }
  if (report.state === 'interrupted') {
    io.stderr.write(`interrupted: run "quote-sync resume ${report.jobId}" to finish\n`);
    return EXIT.interrupted;
  }
  return isComplete(report) ? EXIT.ok : EXIT.incomplete;
}

/** After a run, old finished jobs' fallback CSVs and quote texts go (RETENTION_DAYS): a moment's work that never changes the exit code. */
async function sweepAfterRun(store: JobStore, config: Config, logger: Logger, io: CliIo): Promise<void> {
  try {
    await sweepRetention({ store, dataDir: config.dataDir, days: config.retentionDays, logger });
  } catch (error) {
    // A store that stopped answering was told already, by the run.
    if (error instanceof StoreUnavailableError) return;
    io.stderr.write(`retention: old jobs were not cleaned up (${(error as Error).message}); the next run tries again\n`);
  }
}
