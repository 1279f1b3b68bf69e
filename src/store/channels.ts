/**
 * Where each Slack channel's quotes go: a Notion target per channel (an existing database, or a
 * page the app creates its database under), chosen in Slack and kept here so every replica sees
 * a change at once. A channel without a row uses the environment's target. Jobs keep the target
 * they started with (jobs.target), so a change never moves a job that is running.
 */
import type { Db } from './db.js';
import { targetKey, type JobTarget } from './types.js';

/** A channel's target, with what Slack shows of it. */
export interface ChannelTarget {
  channel: string;
  target: JobTarget;
  /** The database's (or the parent page's) title when it was set. */
  title: string;
  /** Its Notion link. */
  url: string;
  /** The Slack user who set it. */
  setBy: string | undefined;
  setAt: string;
}

interface ChannelRow {
  channel: string;
  target: string;
  title: string;
  url: string;
  set_by: string | null;
  set_at: string;
}

function toChannelTarget(row: ChannelRow): ChannelTarget {
  return { channel: row.channel, target: JSON.parse(row.target) as JobTarget, title: row.title, url: row.url, setBy: row.set_by ?? undefined, setAt: row.set_at };
}

export class ChannelTargets {
  constructor(
    private readonly db: Db,
    /** The time of a change, as stored. */
    private readonly stamp: () => string,
  ) {}

  async get(channel: string): Promise<ChannelTarget | undefined> {
    const row = await this.db.get<ChannelRow>(`SELECT * FROM channel_targets WHERE channel = ?`, [channel]);
    return row && toChannelTarget(row);
  }

  /** Every channel's target, by channel id. */
  async list(): Promise<ChannelTarget[]> {
    return (await this.db.all<ChannelRow>(`SELECT * FROM channel_targets ORDER BY channel`)).map(toChannelTarget);
  }

  /** Sets (or replaces) the channel's target; returns the one it replaced, if any. */
  async set(input: Omit<ChannelTarget, 'setAt'>): Promise<ChannelTarget | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await tx.get<ChannelRow>(`SELECT * FROM channel_targets WHERE channel = ?`, [input.channel]);
      await tx.run(
        `INSERT INTO channel_targets (channel, target, target_key, title, url, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel) DO UPDATE SET target = excluded.target, target_key = excluded.target_key, title = excluded.title,
           url = excluded.url, set_by = excluded.set_by, set_at = excluded.set_at`,
        [input.channel, JSON.stringify(input.target), targetKey(input.target), input.title, input.url, input.setBy ?? null, this.stamp()],
      );
      return before && toChannelTarget(before);
    });
  }

  /** The channel goes back to the environment's target; returns the target it had, if any. */
  async clear(channel: string): Promise<ChannelTarget | undefined> {
    return this.db.transaction(async (tx) => {
      const before = await tx.get<ChannelRow>(`SELECT * FROM channel_targets WHERE channel = ?`, [channel]);
      await tx.run(`DELETE FROM channel_targets WHERE channel = ?`, [channel]);
      return before && toChannelTarget(before);
    });
  }

  /** When a quote was last written (created or updated) into this database by any job, if ever. */
  async lastWritten(databaseId: string): Promise<string | undefined> {
    const row = await this.db.get<{ at: string | null }>(
      `SELECT MAX(q.updated_at) AS at FROM job_databases d
       JOIN job_quotes q ON q.job_id = d.job_id AND q.chunk = d.chunk AND q.state IN ('written', 'updated')
       WHERE d.database_id = ?`,
      [databaseId],
    );
    return row?.at ?? undefined;
  }
}
