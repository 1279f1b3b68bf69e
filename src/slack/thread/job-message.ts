/**
 * The job message as Block Kit: its text in sections, then buttons for what a person can do now
 * (Cancel while the job runs, Retry once it stopped short). The message's `text` stays the plain
 * sentence (notifications and screen readers read it); the blocks are what Slack shows. Pure.
 */
import type { types } from '@slack/bolt';
import type { JobState } from '../../store/types.js';

/** The `action_id`s of the job message's buttons; each button's `value` is the job id. */
export const JOB_ACTIONS = { cancel: 'job_cancel', retry: 'job_retry' } as const;
export type JobAction = keyof typeof JOB_ACTIONS;

/** Slack's limit on a section's text. */
const MAX_SECTION_CHARS = 3000;

/** While a job runs, it can be cancelled. */
export const RUNNING_ACTIONS: readonly JobAction[] = ['cancel'];

/**
 * Once a run has ended: Retry when it stopped short (partial, failed, interrupted, cancelled, or an
 * error left it marked running); nothing once every quote is in.
 */
export function actionsWhenEnded(state: JobState): JobAction[] {
  return state === 'done' ? [] : ['retry'];
}

/** What chat.postMessage / chat.update get for a job message: the text, and the blocks that show it with its buttons. */
export function jobMessage(text: string, jobId: string | undefined, actions: readonly JobAction[]): { text: string; blocks: types.KnownBlock[] } {
  const blocks: types.KnownBlock[] = sectionsOf(text).map((chunk) => ({ type: 'section', text: { type: 'mrkdwn', text: chunk } }));
  if (jobId && actions.length > 0) {
    blocks.push({
      type: 'actions',
      // A new block_id per set of buttons, as Slack asks of an edited message's blocks.
      block_id: `job_actions:${actions.join('+')}`,
      elements: actions.map((action) => button(action, jobId)),
    });
  }
  return { text, blocks };
}

function button(action: JobAction, jobId: string): types.Button {
  return action === 'cancel'
    ? { type: 'button', action_id: JOB_ACTIONS.cancel, value: jobId, style: 'danger', text: { type: 'plain_text', text: 'Cancel' } }
    : { type: 'button', action_id: JOB_ACTIONS.retry, value: jobId, style: 'primary', text: { type: 'plain_text', text: 'Retry' } };
}

/** The text cut at line ends into pieces a section takes (a single overlong line is cut where it must). */
function sectionsOf(text: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= MAX_SECTION_CHARS) {
      current = candidate;
      continue;
    }
    if (current) pieces.push(current);
    let rest = line;
    while (rest.length > MAX_SECTION_CHARS) {
      pieces.push(rest.slice(0, MAX_SECTION_CHARS));
      rest = rest.slice(MAX_SECTION_CHARS);
    }
    current = rest;
  }
  if (current || pieces.length === 0) pieces.push(current || ' ');
  return pieces;
}
