/**
 * Recovery, after repeated breaker trips or when the database answers 404: a fresh client (new
 * connections), then a check that the database is still there. If it was deleted and the job made
 * it under a page, a new one is made there and this job's quotes are written into it again.
 */
import { NotionTargetError } from '../../errors.js';
import { forJob, type Logger } from '../../logger.js';
import type { NotionGateway } from '../../notion/gateway.js';
import type { JobStore, StoredQuote, SyncJob } from '../../store/index.js';
import { createDatabaseOnce, openDatabase, type ResolvedDatabase, type TargetDeps } from './target.js';

export type RecoveryResult =
  | { ok: true; database: ResolvedDatabase; requeue: StoredQuote[]; message: string }
  | { ok: false; reason: string };

export interface RecoveryDeps {
  store: JobStore;
  logger: Logger;
  gateway: NotionGateway;
  target: TargetDeps;
}

export async function recoverTarget(job: SyncJob, current: ResolvedDatabase, why: string, deps: RecoveryDeps): Promise<RecoveryResult> {
  const { store } = deps;
  forJob(deps.logger, job.id).warn({ why }, 'recovering');
  await store.events.add(job.id, 'recovery', { why });
  deps.gateway.resetClient();
  try {
    const database = await openDatabase(current.databaseId, current.chunk, deps.target);
    return { ok: true, database, requeue: [], message: `Reconnected to Notion after ${why}; the database "${database.title}" is there.` };
  } catch (error) {
    if (!(error instanceof NotionTargetError) || job.target.kind !== 'parent') {
      return { ok: false, reason: `Recovery failed after ${why}: ${(error as Error).message}` };
    }
    const title = current.title || job.target.title;
    try {
      const database = await createDatabaseOnce(job.target.parentPageId, title, current.chunk, deps.target, current.databaseId);
      await store.databases.setForJob(job.id, database);
      // Pages written into the deleted database went to the trash with it: write them again.
      const requeue = (await store.quotes.list(job.id)).filter((q) => q.state === 'written' && q.chunk === current.chunk);
      for (const q of requeue) await store.quotes.setState(job.id, q.quote.id, 'pending');
      await store.events.add(job.id, 'database_recreated', { old: current.databaseId, new: database.databaseId, requeued: requeue.length });
      return {
        ok: true,
        database,
        requeue: requeue.map((q) => ({ ...q, state: 'pending' as const })),
        message:
          `The database "${title}" was deleted or is no longer shared; created a new one (${database.url})` +
          ` and writing this job's ${requeue.length} earlier quote(s) into it again.`,
      };
    } catch (second) {
      return { ok: false, reason: `Recovery failed: ${(second as Error).message}` };
    }
  }
}
