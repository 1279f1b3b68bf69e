/**
 * Block Kit pieces the app's messages and views share, within Slack's documented limits (Block Kit
 * reference): a message holds at most 50 blocks, a Home view 100; a section's text 3000
 * characters, a field's 2000; a header 150.
 */
import type { KnownBlock, SectionBlock } from '@slack/web-api';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_CHARS = 3000;
export const SLACK_MAX_FIELD_CHARS = 2000;
export const SLACK_MAX_HEADER_CHARS = 150;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** At most `max` characters, cut at a grapheme (never inside an emoji or a flag), with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const budget = max - 1;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (out.length + segment.length > budget) break;
    out += segment;
  }
  return `${out}…`;
}

/** Text from people (file names, quotes) shown as it is: Slack's three control characters escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A section of mrkdwn; lines are bounded as they are built, and this guards against a limit missed there. */
export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_MAX_SECTION_CHARS) } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_MAX_SECTION_CHARS) }] };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, SLACK_MAX_HEADER_CHARS) } };
}

/** Slack shows a date token in each reader's own time zone; the text after | is for clients that cannot. */
export function slackDate(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${date.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

/** At most `max` blocks: past it, the last place says what was left out. */
export function capBlocks(blocks: KnownBlock[], max = SLACK_MAX_BLOCKS, note = 'Part of the digest was left out to fit in one message.'): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  return [...blocks.slice(0, max - 1), context(note)];
}
