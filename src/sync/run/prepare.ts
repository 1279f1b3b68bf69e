/**
 * A job from an input: the input parsed, quotes that no database could take rejected, the
 * mappings checked against the database, and the job recorded (its lease taken by the engine
 * that made it); or, for the same input and target, the unfinished job to resume instead.
 */
import { createHash } from 'node:crypto';
import { NotionTargetError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { ourSchemaProperties, type SchemaProperty } from '../../notion/pages/field-plan.js';
import type { ParsedQuotes } from '../../quotes/model.js';
import { parseQuotes } from '../../quotes/parse/index.js';
import type { JobTarget, SyncJob } from '../../store/index.js';
import { mappingsFor, planOrExplain, rejectUnfit } from '../target/job-fields.js';
import { checkChunking, requireNotionToken } from '../target/notion-settings.js';
import { openDatabase } from '../target/target.js';
import { connect, targetDepsOf, type EngineParts } from './connection.js';
import type { SyncSource } from './job-reporter.js';

export interface PreparedJob {
  job: SyncJob;
  /** An unfinished job of the same input and target was found and will be resumed. */
  resumed: boolean;
}

export interface PrepareOptions {
  chunkSize?: number;
  careful?: boolean;
  update?: boolean;
  origin?: unknown;
  map?: Record<string, string>;
  logger?: Logger;
}

/** The lease a new job is recorded with: its maker holds it from the start. */
export interface FirstLease {
  owner: string;
  ttlMs: number;
}

/**
 * Parses the input and records a job, or returns the unfinished job of the same input and
 * target. Throws InputError (nothing recorded) when the input is unusable.
 */
export async function prepareJob(parts: EngineParts, lease: FirstLease, source: SyncSource, target: JobTarget, options: PrepareOptions = {}): Promise<PreparedJob> {
  const { config, store } = parts;
  const token = requireNotionToken(config);
  const { chunkSize, origin } = options;
  const careful = options.careful ?? config.notion.profile === 'careful';
  checkChunking(chunkSize, target);
  const sha = createHash('sha256').update(source.content).digest('hex');
  const map = options.map && Object.keys(options.map).length > 0 ? options.map : undefined;
  const unfinished = await store.jobs.findResumable(sha, target);
  // The same input in the other mode (update or not), or with other mappings, is another job.
  if (unfinished && Boolean(unfinished.options.update) === Boolean(options.update) && sameMaps(unfinished.options.map, map)) {
    return { job: unfinished, resumed: true };
  }
  const parsed = parseQuotes(source.content, {
    filename: source.name,
    ...(source.format ? { format: source.format } : {}),
  });
  const csv = parsed.format === 'csv';
  rejectUnfit(parsed, csv, source.name);
  await checkMappings(parts, token, target, parsed, { csv, ...(map ? { map } : {}) });
  const job = await store.jobs.create({
    source: source.name,
    sourceSha256: sha,
    target,
    parsed,
    origin,
    options: {
      ...(chunkSize ? { chunkSize } : {}),
      ...(careful ? { careful } : {}),
      ...(options.update ? { update: true } : {}),
      ...(csv ? { csv: true } : {}),
      ...(map ? { map } : {}),
      ...(parsed.ignored?.length ? { ignored: parsed.ignored } : {}),
    },
    ...(chunkSize ? { chunkOf: (position: number) => Math.floor(position / chunkSize) } : {}),
    lease,
  });
  (options.logger ?? parts.logger).info({ jobId: job.id, quotes: parsed.quotes.length, rejected: parsed.rejected.length }, 'job created');
  return { job, resumed: false };
}

/**
 * Mappings (the job's own and those kept for its database) are checked against the database
 * before the job exists, so one that cannot be followed stops everything with a ConfigError.
 * Costs two reads, only when there is a mapping to check.
 */
async function checkMappings(
  parts: EngineParts,
  token: string,
  target: JobTarget,
  parsed: ParsedQuotes,
  options: { csv: boolean; map?: Record<string, string> },
): Promise<void> {
  const { store } = parts;
  const databaseId = target.kind === 'database' ? target.databaseId : (await store.databases.createdUnder(target.parentPageId, target.title))?.databaseId;
  const maps = await mappingsFor(store, { options: options.map ? { map: options.map } : {} }, databaseId);
  if (Object.keys(maps).length === 0) return;
  let properties: SchemaProperty[] = ourSchemaProperties();
  let title = target.kind === 'parent' ? target.title : target.databaseId;
  if (databaseId) {
    const { runtime } = connect(parts, token);
    try {
      const database = await openDatabase(databaseId, 0, targetDepsOf(parts, runtime));
      properties = database.properties;
      title = database.title;
    } catch (error) {
      // A database made here earlier and since deleted: the job makes a new one, with our schema.
      if (!(error instanceof NotionTargetError) || target.kind === 'database') throw error;
    }
  }
  planOrExplain(properties, parsed.quotes.map((q) => q.quote), { csv: options.csv, maps, title });
}

/** Two jobs' mappings are the same when they map the same fields to the same properties. */
function sameMaps(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {}).sort(([x], [y]) => x.localeCompare(y));
  const eb = Object.entries(b ?? {}).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify(ea) === JSON.stringify(eb);
}
