import { describe, expect, it } from 'vitest';
import { actionsWhenEnded, jobMessage, JOB_ACTIONS } from '../../../src/slack/thread/job-message.js';

describe('the job message as blocks', () => {
  it('offers Retry after every way a run can stop short, and nothing once the job is done', () => {
    expect(actionsWhenEnded('done')).toEqual([]);
    for (const state of ['partial', 'failed', 'interrupted', 'cancelled', 'running'] as const) expect(actionsWhenEnded(state)).toEqual(['retry']);
  });

  it('shows the text in a section and puts the buttons, valued with the job id, in an actions block', () => {
    const { text, blocks } = jobMessage('Job `abc`: writing 3 quote(s).', 'abc', ['cancel']);
    expect(text).toBe('Job `abc`: writing 3 quote(s).');
    expect(blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Job `abc`: writing 3 quote(s).' } },
      {
        type: 'actions',
        block_id: 'job_actions:cancel',
        elements: [{ type: 'button', action_id: JOB_ACTIONS.cancel, value: 'abc', style: 'danger', text: { type: 'plain_text', text: 'Cancel' } }],
      },
    ]);
    expect(jobMessage('Done.', 'abc', []).blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'Done.' } }]);
  });

  it("cuts a text longer than a section's 3000 characters at line ends, losing nothing", () => {
    const lines = Array.from({ length: 80 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    const overlong = 'y'.repeat(7000);
    const text = [...lines, overlong].join('\n');
    const sections = jobMessage(text, 'abc', ['retry']).blocks.filter((b) => b.type === 'section') as { text: { text: string } }[];
    expect(sections.length).toBeGreaterThan(3);
    for (const s of sections) expect(s.text.text.length).toBeLessThanOrEqual(3000);
    expect(sections.map((s) => s.text.text).join('\n').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
  });
});
