/**
 * A job's fields placed in its database, before anything is written there: the plan (which field
 * goes to which property, notion/pages/field-plan.ts), the properties it adds, the mappings kept for the
 * database, the report's `fields`, and a warning for every value that has to change to fit its
 * property or cannot go in at all. Run at the start of every chunk, so a resumed job, or one
 * moved to a new database, places its fields the same way.
 */
import { basename } from 'node:path';
import { ConfigError, InputError, NotionTargetError } from '../../errors.js';
import { ourSchemaProperties, planFields, type FieldPlan, type SchemaProperty } from '../../notion/pages/field-plan.js';
import { quoteToPage } from '../../notion/pages/page.js';
import { typeWord } from '../../notion/pages/property-values.js';
import { summariseFields, type FieldSummary } from '../../quotes/extra-fields.js';
import type { FieldWarning, ParsedQuotes, Quote } from '../../quotes/model.js';
import { listReasons } from '../../quotes/parse/input-warnings.js';
import { quoteRecord } from '../../quotes/quote-record.js';
import type { FieldReport, JobStore, StoredQuote, SyncJob } from '../../store/index.js';
import { withRetries, type RetryRuntime } from '../resilience/requests.js';
import { withProperties, type ResolvedDatabase } from './target.js';

/** A database with the plan its quotes are written by. */
export interface PlacedDatabase extends ResolvedDatabase {
  plan: FieldPlan;
}

export interface FieldDeps {
  store: JobStore;
  runtime: RetryRuntime;
  /** Told what the database gained. */
  onNote?: (message: string) => void;
}

/** The mappings a job follows: those kept for the database, with the job's own over them. */
export async function mappingsFor(store: JobStore, job: Pick<SyncJob, 'options'>, databaseId: string | undefined): Promise<Record<string, string>> {
  const kept = databaseId ? await store.fields.mapsFor(databaseId) : {};
  const merged: Record<string, string> = { ...kept, ...(job.options.map ?? {}) };
  for (const [field, property] of Object.entries(merged)) if (property === '') delete merged[field];
  return merged;
}

/** The plan for these quotes in a database with these properties; a ConfigError naming every mapping that cannot be followed. */
export function planOrExplain(
  properties: readonly SchemaProperty[],
  quotes: Iterable<Quote>,
  options: { csv: boolean; maps: Record<string, string>; title: string },
): { plan: FieldPlan; fields: FieldSummary[] } {
  const fields = summariseFields(quotes, options.csv);
  const plan = planFields(properties, fields, options.maps);
  if (plan.problems.length > 0) {
    throw new ConfigError(`Nothing was written to "${options.title}": ${plan.problems.join(' ')}`, '--map');
  }
  return { plan, fields };
}

/** Places the job's fields in the chunk's database: adds what the plan adds and records what it decided. */
export async function placeFields(job: SyncJob, database: ResolvedDatabase, toWrite: readonly StoredQuote[], deps: FieldDeps): Promise<PlacedDatabase> {
  const { store, runtime } = deps;
  const quotes = (await store.quotes.list(job.id)).map((q) => q.quote);
  const maps = await mappingsFor(store, job, database.databaseId);
  let plan: FieldPlan;
  try {
    ({ plan } = planOrExplain(database.properties, quotes, { csv: job.options.csv === true, maps, title: database.title }));
  } catch (error) {
    // The database changed since the job was checked: the chunk stops, its quotes go to the fallback.
    if (error instanceof ConfigError) throw new NotionTargetError(error.message, database.databaseId, 400);
    throw error;
  }
  let placed: PlacedDatabase = { ...database, plan };
  if (plan.add) {
    const add = plan.add;
    const source = await withRetries(
      'add properties for the input\'s fields',
      () => runtime.gateway.updateDataSource(database.dataSourceId, add as Parameters<typeof runtime.gateway.updateDataSource>[1]),
      runtime,
      database.databaseId,
    );
    placed = { ...placed, ...withProperties(source.properties) };
    const names = Object.keys(add).map((n) => `"${n}"`);
    deps.onNote?.(`Added the propert${names.length === 1 ? 'y' : 'ies'} ${names.join(', ')} to the database "${database.title}".`);
  }
  if (job.options.map) await store.fields.rememberMaps(database.databaseId, job.options.map);
  await store.fields.setPlan(job.id, fieldReports(plan, job.options.ignored));
  await store.fields.addWarnings(job.id, valueWarnings(toWrite, placed));
  return placed;
}

/** Why a field mapped to "don't write" is not written. */
const SKIPPED_NOTE = 'its mapping for this database says not to write it';

/** Why the not-written CSV's own columns are read and not written. */
const IGNORED_NOTE = "Quote Sync's not-written CSV says there why a quote was not written; not a field of the quote";

/** The report's `fields`: where each field went, and why when it is not where a person would look first; then the keys not written. */
export function fieldReports(plan: FieldPlan, ignored: readonly string[] = []): FieldReport[] {
  const placed = plan.entries.map((e): FieldReport => ({
    field: e.field,
    property: e.property,
    type: e.type,
    by: e.by,
    ...(e.added ? { added: true } : {}),
    quotes: e.quotes,
    ...(e.note ? { note: `not written to ${e.note}` } : {}),
  }));
  const skipped = (plan.skipped ?? []).map((s): FieldReport => ({ field: s.field, quotes: s.quotes, note: SKIPPED_NOTE }));
  return [...placed, ...skipped, ...ignored.map((field): FieldReport => ({ field, quotes: 0, note: IGNORED_NOTE }))];
}

/** One warning per value that was changed to fit its property or left out. */
function valueWarnings(items: readonly StoredQuote[], database: PlacedDatabase): FieldWarning[] {
  const warnings: FieldWarning[] = [];
  for (const item of items) {
    const mapping = quoteToPage(item.quote, database.dataSourceId, database.plan);
    if (!mapping.ok) continue;
    for (const note of mapping.notes) warnings.push({ row: item.row, message: `row ${item.row}: ${note}` });
  }
  return warnings;
}

/** "post.author → Post Author (text, new)": one line per field, as the terminal and the thread show them. */
export function describeFields(fields: readonly FieldReport[]): string[] {
  return fields.map((f) => {
    if (!f.property) return `${f.field}: not written${f.note ? ` (${f.note})` : ''}`;
    const how = f.added ? 'added' : f.by === 'map' ? 'mapped' : f.by === 'name' ? 'same name' : undefined;
    const what = [f.type ? typeWord(f.type) : undefined, how].filter(Boolean).join(', ');
    return `${f.field} → ${f.property}${what ? ` (${what})` : ''}${f.note ? `; ${f.note}` : ''}`;
  });
}

/**
 * Quotes that could not be written into any database (a text past Notion's 200,000 characters of
 * one property, say) become rejected rows before the job exists, so a file with no quote that
 * can be written is unusable as a whole: an InputError, as for a file whose texts are all empty.
 */
export function rejectUnfit(parsed: ParsedQuotes, csv: boolean, source: string): void {
  const plan = planFields(ourSchemaProperties(), summariseFields(parsed.quotes.map((q) => q.quote), csv));
  const fit: ParsedQuotes['quotes'] = [];
  for (const item of parsed.quotes) {
    const mapping = quoteToPage(item.quote, 'check', plan);
    if (mapping.ok) fit.push(item);
    else parsed.rejected.push({ row: item.row, reason: `row ${item.row}: ${mapping.reason}`, raw: quoteRecord(item.quote) });
  }
  if (fit.length === parsed.quotes.length) return;
  parsed.rejected.sort((a, b) => a.row - b.row);
  parsed.quotes = fit;
  if (fit.length === 0) {
    const n = parsed.rejected.length;
    throw new InputError(
      `${basename(source)} has no quote that can be written: ${n === 1 ? 'its only row was' : `all ${n} rows were`} rejected (${listReasons(parsed.rejected.map((r) => r.reason))}).`,
    );
  }
}
