/**
 * Where a Slack channel's quotes go, and how a person changes it: the channel's own target from
 * the store, else the environment's, else a sentence saying how to set one. A choice is checked
 * with Notion before it is saved (the integration can open it; each mapping fits its property),
 * and a change is announced in the channel.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../../config.js';
import { ConfigError, slackErrorCode, slackFailure } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { canMapTo, mappingWord, MAP_NEW, MAP_SKIP, planFields, type SchemaProperty } from '../../notion/pages/field-plan.js';
import { mappableKnownFields, summariseFields, type FieldSummary } from '../../quotes/extra-fields.js';
import type { ChannelTarget, JobStore, JobTarget } from '../../store/index.js';
import { chooseTarget } from '../../sync/target/notion-settings.js';
import type { InspectedTarget, NotionDirectory } from '../../sync/target/notion-directory.js';
import { escapeMrkdwn } from '../blocks.js';
import { slackOrigin } from '../origin.js';

/** What a channel with no target of its own, in an app with no default, is told. */
export const NO_TARGET_MESSAGE =
  'No Notion database is set for this channel, and the app has no default (NOTION_DATABASE_ID or NOTION_PARENT_PAGE_ID), so nothing was synced. Type `/sync-quotes target` here to choose one.';

/** How many of the channel's latest jobs the mapping's extra fields come from. */
const RECENT_JOBS = 3;
/** Fields the form maps at most (a modal holds 100 blocks). */
export const MAX_MAPPED_FIELDS = 40;

/** A choice that passed its checks, ready to save. */
export type CheckedChoice = Extract<InspectedTarget, { ok: true }>;

export interface ChannelTargetDeps {
  config: Config;
  store: JobStore;
  directory: NotionDirectory;
  client: WebClient;
  logger: Logger;
}

/** How long a channel's mappable fields are reused. */
const FIELDS_KEPT_MS = 60_000;

export class ChannelTargetService {
  private readonly fieldsKept = new Map<string, { at: number; fields: FieldSummary[] }>();

  constructor(private readonly deps: ChannelTargetDeps) {}

  /** The environment's target, if it names one. */
  defaultTarget(): JobTarget | undefined {
    try {
      return chooseTarget(this.deps.config);
    } catch (error) {
      if (error instanceof ConfigError) return undefined;
      throw error;
    }
  }

  /** Where a job started in the channel goes now; ConfigError (NO_TARGET_MESSAGE) when nowhere. */
  async targetFor(channel: string): Promise<JobTarget> {
    const own = await this.deps.store.channels.get(channel);
    if (own) return own.target;
    const fallback = this.defaultTarget();
    if (fallback) return fallback;
    throw new ConfigError(NO_TARGET_MESSAGE, 'NOTION_PARENT_PAGE_ID');
  }

  /** Where the channel's quotes go now, in a few words (the form's first line). */
  async nowWords(channel: string): Promise<string> {
    const own = await this.deps.store.channels.get(channel);
    if (own) return targetWords(own);
    const fallback = this.defaultTarget();
    return fallback ? `the app's default, ${defaultWords(fallback)}` : 'nowhere yet: choose a database below';
  }

  /** `/sync-quotes target show`: the channel's target in a sentence. */
  async describe(channel: string): Promise<string> {
    const own = await this.deps.store.channels.get(channel);
    if (own) {
      const by = own.setBy ? `, set by <@${own.setBy}>` : '';
      return `Quotes from <#${channel}> go to ${targetWords(own)}${by}. \`/sync-quotes target\` changes it; \`/sync-quotes target clear\` goes back to the default.`;
    }
    const fallback = this.defaultTarget();
    if (fallback) return `Quotes from <#${channel}> go to the app's default: ${defaultWords(fallback)}. \`/sync-quotes target\` gives this channel its own.`;
    return NO_TARGET_MESSAGE.replace(', so nothing was synced', '');
  }

  /**
   * The fields a person may map for the channel: the known ones, then the extra fields of its
   * latest jobs. Kept for a minute: the form reads them when it shows a database, and again
   * within Slack's 3 s when it is saved.
   */
  async mappingFields(channel: string): Promise<FieldSummary[]> {
    const kept = this.fieldsKept.get(channel);
    if (kept && Date.now() - kept.at < FIELDS_KEPT_MS) return kept.fields;
    const fields = await this.readMappingFields(channel);
    this.fieldsKept.set(channel, { at: Date.now(), fields });
    return fields;
  }

  private async readMappingFields(channel: string): Promise<FieldSummary[]> {
    const { store } = this.deps;
    const fields = mappableKnownFields();
    const names = new Set(fields.map((f) => f.field));
    const jobs = (await store.jobs.list(50)).filter((j) => slackOrigin(j.origin)?.channel === channel).slice(0, RECENT_JOBS);
    for (const job of jobs) {
      const quotes = (await store.quotes.list(job.id)).map((q) => q.quote);
      for (const summary of summariseFields(quotes, job.options.csv === true)) {
        if (summary.known || names.has(summary.field)) continue;
        names.add(summary.field);
        fields.push(summary);
      }
    }
    return fields.slice(0, MAX_MAPPED_FIELDS);
  }

  /** The mappings kept for a database. */
  mapsFor(databaseId: string): Promise<Record<string, string>> {
    return this.deps.store.fields.mapsFor(databaseId);
  }

  /** Asks Notion what a pasted link or chosen id is, within `deadlineMs`. */
  inspect(id: string, deadlineMs: number): Promise<InspectedTarget> {
    return this.deps.directory.inspect(id, deadlineMs);
  }

  /**
   * Saves the channel's target (and, for a database, the mappings chosen, `''` forgetting one)
   * and announces it in the channel. Returns the sentence for the person who set it.
   */
  async save(channel: string, choice: CheckedChoice, user: string | undefined, maps: Record<string, string> = {}): Promise<string> {
    const { store, config } = this.deps;
    const target: JobTarget =
      choice.kind === 'database' ? { kind: 'database', databaseId: choice.databaseId } : { kind: 'parent', parentPageId: choice.pageId, title: config.notion.databaseTitle };
    const saved = { channel, target, title: choice.title, url: choice.url, setBy: user };
    await store.channels.set(saved);
    if (choice.kind === 'database' && Object.keys(maps).length > 0) await store.fields.rememberMaps(choice.databaseId, maps);
    const words = targetWords({ ...saved, setAt: '' });
    const announced = await this.announce(channel, `Quotes from <#${channel}> now go to ${words}${user ? `, set by <@${user}>` : ''}.`);
    return `Saved: quotes from <#${channel}> now go to ${words}.${announced}`;
  }

  /** `/sync-quotes target clear`: back to the default; the sentence for the person. */
  async clear(channel: string, user: string | undefined): Promise<string> {
    const before = await this.deps.store.channels.clear(channel);
    if (!before) return `<#${channel}> had no target of its own: ${await this.describe(channel)}`;
    const fallback = this.defaultTarget();
    const now = fallback ? `the app's default, ${defaultWords(fallback)}` : 'nowhere until one is chosen (`/sync-quotes target`)';
    const announced = await this.announce(channel, `Quotes from <#${channel}> now go to ${now}${user ? `, set by <@${user}>` : ''}.`);
    return `Cleared: quotes from <#${channel}> now go to ${now}.${announced}`;
  }

  /** Posts the change in the channel; returns what the person should know when that failed. */
  private async announce(channel: string, text: string): Promise<string> {
    try {
      await this.deps.client.chat.postMessage({ channel, text });
      return '';
    } catch (error) {
      this.deps.logger.warn({ channel, error: slackFailure(error) }, 'could not announce a target change');
      const code = slackErrorCode(error);
      return code === 'not_in_channel' || code === 'channel_not_found'
        ? ' I could not say so in the channel: I am not in it. Invite me with `/invite @Quote Sync` so uploads there reach me.'
        : ` I could not say so in the channel (${code ?? 'no answer'}).`;
    }
  }
}

/** "<url|Acme quotes>", or for a page "a new database "Quotes" under <url|Research>". */
export function targetWords(t: ChannelTarget): string {
  const link = `<${t.url}|${escapeMrkdwn(t.title || 'Notion').replace(/\|/g, '¦')}>`;
  return t.target.kind === 'database' ? link : `a database "${escapeMrkdwn(t.target.title)}" under ${link}`;
}

function defaultWords(t: JobTarget): string {
  return t.kind === 'database' ? `the database NOTION_DATABASE_ID (${t.databaseId})` : `a database "${escapeMrkdwn(t.title)}" under the page NOTION_PARENT_PAGE_ID`;
}

/** What a person picked for a field in the form: automatic, don't write, a property of its own, or a property. */
export type MappingChoice = { kind: 'auto' } | { kind: 'skip' } | { kind: 'new' } | { kind: 'property'; name: string };

/** The mapping a choice keeps (`''` forgets the field's). */
export function mappingOf(choice: MappingChoice): string {
  return choice.kind === 'auto' ? '' : choice.kind === 'skip' ? MAP_SKIP : choice.kind === 'new' ? MAP_NEW : choice.name;
}

/** Why a field cannot be mapped to a property, or undefined when it can. */
export function mappingProblem(properties: readonly SchemaProperty[], field: FieldSummary, mapping: string): string | undefined {
  if (mapping === '' || mapping === MAP_SKIP || mapping === MAP_NEW) return undefined;
  const p = properties.find((q) => q.name === mapping);
  if (!p) return `The database has no property "${mapping}" any more. Choose again.`;
  if (canMapTo(p, field)) return undefined;
  const text = { field: 'text', known: 'text' as const, kind: 'rich_text' as const, quotes: 1 };
  const id = { field: 'id', known: 'id' as const, kind: 'rich_text' as const, quotes: 1 };
  const problem = planFields(properties, [text, id, field], { [field.field]: mapping }).problems.find((m) => m.includes(mappingWord(mapping)));
  return problem ? problem.replace(/^--map [^:]*: /, '') : `${mappingWord(mapping)} cannot hold ${field.field}.`;
}
