/**
 * Is the Notion side of the set-up usable: does Notion take the token, and is the target (the
 * database, or the page databases are created under) shared with the integration? One request
 * (`databases.retrieve` or `pages.retrieve`) through the integration's pacer, without retries,
 * its answer kept for a minute so that a person opening the Home tab again costs nothing.
 */
import type { Config } from '../../config.js';
import { classifyNotionError, type NotionFailure } from '../../notion/failure.js';
import { NotionGateway } from '../../notion/gateway.js';
import type { RequestPacer } from '../../notion/pacing/pacer.js';
import { targetKey, type JobTarget } from '../../store/index.js';
import { chooseTarget } from './notion-settings.js';

/** How long a check's answer is reused. */
export const NOTION_ACCESS_CACHE_MS = 60_000;

export type NotionAccessProblem =
  | 'token_missing'
  | 'target_missing'
  | 'unauthorized'
  | 'not_shared'
  | 'in_trash'
  | 'rate_limited'
  | 'unreachable';

/** What the check found: the target it reached, or a problem with a sentence and what to do. */
export type NotionAccess =
  | { ok: true; target: JobTarget; url: string; checkedAt: number }
  | { ok: false; problem: NotionAccessProblem; message: string; action: string; checkedAt: number };

/** The one request the check makes (the gateway's, or a test's). */
export interface NotionAccessProbe {
  retrieveDatabase(databaseId: string): Promise<{ url: string; inTrash: boolean }>;
  retrievePage(pageId: string): Promise<{ url: string; inTrash: boolean }>;
}

/** Asks Notion once for the target of the configuration; never throws for a Notion failure. */
export async function checkNotionAccess(config: Config, probe: NotionAccessProbe | undefined, now: number): Promise<NotionAccess> {
  const fail = (problem: NotionAccessProblem, message: string, action: string): NotionAccess => ({ ok: false, problem, message, action, checkedAt: now });
  if (!config.notion.token || !probe) {
    return fail('token_missing', 'NOTION_TOKEN is not set.', 'Set NOTION_TOKEN to the internal integration secret from notion.so/profile/integrations, then restart the app.');
  }
  let target: JobTarget;
  try {
    target = chooseTarget(config);
  } catch {
    return fail(
      'target_missing',
      'No default Notion target is set: only channels with a target of their own can sync.',
      'Type `/sync-quotes target` in each channel that syncs, or set NOTION_PARENT_PAGE_ID (or NOTION_DATABASE_ID) as the default and restart the app.',
    );
  }
  return checkTargetAccess(target, probe, now, target.kind === 'database' ? 'database (NOTION_DATABASE_ID)' : 'parent page (NOTION_PARENT_PAGE_ID)');
}

/** Asks Notion once whether the integration can open this target; `what` names it in the sentence. Never throws for a Notion failure. */
export async function checkTargetAccess(target: JobTarget, probe: NotionAccessProbe, now: number, what: string): Promise<NotionAccess> {
  const fail = (problem: NotionAccessProblem, message: string, action: string): NotionAccess => ({ ok: false, problem, message, action, checkedAt: now });
  try {
    const found = target.kind === 'database' ? await probe.retrieveDatabase(target.databaseId) : await probe.retrievePage(target.parentPageId);
    if (found.inTrash) {
      return fail('in_trash', `The Notion ${what} is in the trash.`, 'Restore it from the trash in Notion, or point the setting at another one and restart the app.');
    }
    return { ok: true, target, url: found.url, checkedAt: now };
  } catch (error) {
    const failure = classifyNotionError(error);
    if (!failure) throw error;
    return accessProblem(failure, what, now);
  }
}

/** A failed check in words: what is wrong and what a person does about it. Pure. */
export function accessProblem(failure: NotionFailure, what: string, now: number): NotionAccess {
  const fail = (problem: NotionAccessProblem, message: string, action: string): NotionAccess => ({ ok: false, problem, message, action, checkedAt: now });
  switch (failure.kind) {
    case 'unauthorized':
      return fail(
        'unauthorized',
        'Notion refused the token (401): it was revoked, or the integration was removed.',
        'Copy the internal integration secret again from notion.so/profile/integrations into NOTION_TOKEN and restart the app.',
      );
    case 'forbidden':
    case 'not_found':
      return fail(
        'not_shared',
        `The Notion ${what} is not shared with the integration, or no longer exists.`,
        'In Notion, open it, choose ••• → Connections, and add the integration (or fix the id in the setting).',
      );
    case 'rate_limited':
    case 'overloaded':
      return fail('rate_limited', 'Notion asked to wait (rate limit) before the check could run.', 'Nothing to do: jobs wait and go on by themselves. Open this tab again in a minute.');
    default:
      return fail('unreachable', `Notion could not be asked about the ${what} (${failure.kind.replace('_', ' ')}).`, 'Check that NOTION_API_URL is right and that Notion answers (status.notion.so); open this tab again in a minute.');
  }
}

export interface NotionAccessCheckOptions {
  config: Config;
  /** The integration's pacer, so the check queues behind a job's requests instead of bursting past them. */
  pacer: RequestPacer;
  now?: () => number;
  /** Overrides the request (tests); default a NotionGateway on the pacer. */
  probe?: NotionAccessProbe;
  cacheMs?: number;
}

/** The check's one request: the test's probe, else a gateway on the integration's pacer (none without a token). */
function probeFor(options: NotionAccessCheckOptions): NotionAccessProbe | undefined {
  const { notion } = options.config;
  if (options.probe) return options.probe;
  return notion.token ? new NotionGateway({ token: notion.token, apiUrl: notion.apiUrl, timeoutMs: notion.timeoutMs, pacer: options.pacer }) : undefined;
}

/** The check with its minute of cache; concurrent callers share the request in flight. */
export class NotionAccessCheck {
  private last: Promise<NotionAccess> | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly probe: NotionAccessProbe | undefined;

  constructor(private readonly options: NotionAccessCheckOptions) {
    this.now = options.now ?? Date.now;
    this.probe = probeFor(options);
  }

  current(): Promise<NotionAccess> {
    const now = this.now();
    // While Notion has the integration waiting, a check would only queue behind the pause.
    const pause = this.options.pacer.pause;
    if (pause) return Promise.resolve(accessProblem({ kind: 'rate_limited', status: 429, retryAfterMs: pause.ms, limit: 'connection', message: '' }, '', now));
    if (this.last && now - this.lastAt < (this.options.cacheMs ?? NOTION_ACCESS_CACHE_MS)) return this.last;
    this.lastAt = now;
    this.last = checkNotionAccess(this.options.config, this.probe, now);
    // A bug (not a Notion failure) is not cached: the next opening asks again.
    this.last.catch(() => {
      this.last = undefined;
    });
    return this.last;
  }
}

/** The same check for any target (each channel's), each answer kept for `cacheMs` by target. */
export class TargetAccessChecks {
  private readonly kept = new Map<string, { at: number; answer: Promise<NotionAccess> }>();
  private readonly now: () => number;
  private readonly probe: NotionAccessProbe | undefined;

  constructor(private readonly options: NotionAccessCheckOptions) {
    this.now = options.now ?? Date.now;
    this.probe = probeFor(options);
  }

  check(target: JobTarget, what: string): Promise<NotionAccess> {
    const now = this.now();
    const pause = this.options.pacer.pause;
    if (pause) return Promise.resolve(accessProblem({ kind: 'rate_limited', status: 429, retryAfterMs: pause.ms, limit: 'connection', message: '' }, what, now));
    if (!this.probe) return checkNotionAccess(this.options.config, undefined, now);
    const key = targetKey(target);
    const entry = this.kept.get(key);
    if (entry && now - entry.at < (this.options.cacheMs ?? NOTION_ACCESS_CACHE_MS)) return entry.answer;
    const answer = checkTargetAccess(target, this.probe, now, what);
    this.kept.set(key, { at: now, answer });
    answer.catch(() => this.kept.delete(key));
    return answer;
  }
}
