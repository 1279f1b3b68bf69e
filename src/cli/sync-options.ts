/**
 * The flags of `quote-sync sync`, read into the options of a job, with a problem (the flag, its
 * value and the form expected) for each one that cannot be used, so they are named together with
 * the configuration's in one message.
 */
import { parseNotionId } from '../config.js';
import type { ConfigProblem } from '../errors.js';
import type { TargetOverrides } from '../sync/target/notion-settings.js';

export interface SyncFlags {
  database?: string;
  'parent-page'?: string;
  'chunk-size'?: string;
  careful?: boolean;
  update?: boolean;
  map?: string[];
}

export interface SyncOptions {
  overrides: TargetOverrides;
  /** --database or --parent-page was given (even one that is not an id): the configured target is not needed. */
  namesTarget: boolean;
  chunkSize?: number;
  map: Record<string, string>;
  careful: boolean;
  update: boolean;
}

export function readSyncFlags(flags: SyncFlags): { options: SyncOptions; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const options: SyncOptions = { overrides: {}, namesTarget: Boolean(flags.database || flags['parent-page']), map: {}, careful: flags.careful ?? false, update: flags.update ?? false };
  if (flags.database && flags['parent-page']) {
    problems.push({ variable: '--database', message: 'Give --database or --parent-page, not both.' });
  }
  for (const [flag, key] of [
    ['database', 'databaseId'],
    ['parent-page', 'parentPageId'],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    const id = parseNotionId(value);
    if (id) options.overrides[key] = id;
    else problems.push({ variable: `--${flag}`, message: `--${flag} "${value}" is not a Notion id or URL (32 hex digits, dashes optional, or a link ending in them).` });
  }
  const chunk = flags['chunk-size'];
  if (chunk !== undefined) {
    if (/^\d+$/.test(chunk) && Number(chunk) >= 1) options.chunkSize = Number(chunk);
    else problems.push({ variable: '--chunk-size', message: `--chunk-size "${chunk}" must be a whole number of at least 1.` });
  }
  for (const pair of flags.map ?? []) {
    const at = pair.indexOf('=');
    const field = at < 0 ? '' : pair.slice(0, at).trim();
    if (field === '') {
      problems.push({
        variable: '--map',
        message: `--map "${pair}" must be FIELD=PROPERTY (a field of the input, such as reddit_url or post.author, and a property of the database; FIELD= forgets a kept mapping).`,
      });
      continue;
    }
    options.map[field] = pair.slice(at + 1).trim();
  }
  return { options, problems };
}
