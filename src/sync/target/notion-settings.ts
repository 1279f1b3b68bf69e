/**
 * The Notion settings a job needs, checked in one place for the app and the command line, in the
 * same words: a token, a target (the database when both are set), and chunking only under a parent page.
 */
import type { Config } from '../../config.js';
import { ConfigError, type ConfigProblem } from '../../errors.js';
import type { JobTarget } from '../../store/index.js';

export interface TargetOverrides {
  databaseId?: string;
  parentPageId?: string;
}

const MISSING_TOKEN: ConfigProblem = {
  variable: 'NOTION_TOKEN',
  message: 'NOTION_TOKEN is not set: the internal integration secret from notion.so/profile/integrations.',
};
const MISSING_TARGET: ConfigProblem = {
  variable: 'NOTION_PARENT_PAGE_ID',
  message: 'NOTION_PARENT_PAGE_ID is not set: set it to a page shared with the integration (or NOTION_DATABASE_ID to an existing database).',
};

/** The integration token; ConfigError naming NOTION_TOKEN when it is missing. */
export function requireNotionToken(config: Config): string {
  const token = config.notion.token;
  if (!token) throw ConfigError.naming([MISSING_TOKEN]);
  return token;
}

/** What a sync needs before it starts: a token, and a target unless the caller names one. */
export function syncSettingProblems(config: Config, overrides: TargetOverrides = {}, needs: { target: boolean } = { target: true }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!config.notion.token) problems.push(MISSING_TOKEN);
  const named = overrides.databaseId || overrides.parentPageId || config.notion.databaseId || config.notion.parentPageId;
  if (needs.target && !named) problems.push(MISSING_TARGET);
  return problems;
}

/**
 * Both targets set: the database wins (as chooseTarget says), and a person should hear that the
 * page is not used. Undefined when there is nothing to say.
 */
export function bothTargetsNote(config: Config): string | undefined {
  const { databaseId, parentPageId } = config.notion;
  if (!databaseId || !parentPageId) return undefined;
  return (
    `NOTION_DATABASE_ID and NOTION_PARENT_PAGE_ID are both set: quotes go to the database ${databaseId}, ` +
    `and the page ${parentPageId} is not used. Unset one of the two to silence this.`
  );
}

/** Where quotes go: a command-line override first, then the configuration (an existing database before a parent page). */
export function chooseTarget(config: Config, overrides: TargetOverrides = {}): JobTarget {
  const { notion } = config;
  if (overrides.databaseId) return { kind: 'database', databaseId: overrides.databaseId };
  if (overrides.parentPageId) return { kind: 'parent', parentPageId: overrides.parentPageId, title: notion.databaseTitle };
  if (notion.databaseId) return { kind: 'database', databaseId: notion.databaseId };
  if (notion.parentPageId) return { kind: 'parent', parentPageId: notion.parentPageId, title: notion.databaseTitle };
  throw ConfigError.naming([MISSING_TARGET]);
}

/** Chunking makes one database per chunk: a whole number of quotes each, under a parent page. */
export function checkChunking(chunkSize: number | undefined, target: JobTarget): void {
  if (chunkSize === undefined) return;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ConfigError(`The chunk size must be a whole number of at least 1, got ${String(chunkSize)}.`, 'chunkSize');
  }
  if (target.kind !== 'parent') {
    throw new ConfigError(
      'Chunking creates one database per chunk, so it needs a parent page (NOTION_PARENT_PAGE_ID or --parent-page), not a database.',
      'NOTION_PARENT_PAGE_ID',
    );
  }
}
