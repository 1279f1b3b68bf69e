/** Where a Slack job started and talks: stored with the job, so a restart or another replica goes on in the same thread. */

export type TriggerKind = 'command' | 'upload' | 'gumloop' | 'webhook' | 'workflow';

/** Where a job started in Slack, stored with the job so a restart can resume it in the same thread. */
export interface SlackOrigin {
  kind: 'slack';
  channel: string;
  /** The thread the job talks in. */
  threadTs: string;
  /** The job's own message, edited with its progress. */
  messageTs: string;
  user?: string;
  trigger: TriggerKind;
}

/** A message posted for a job about to start; the job takes it over. */
export interface JobMessage {
  channel: string;
  ts: string;
  threadTs: string;
}

export function slackOrigin(value: unknown): SlackOrigin | undefined {
  const o = value as Partial<SlackOrigin> | undefined;
  return o?.kind === 'slack' && typeof o.channel === 'string' && typeof o.threadTs === 'string' && typeof o.messageTs === 'string'
    ? (o as SlackOrigin)
    : undefined;
}
