/** The Workflow Builder step's decisions, without I/O: its inputs, when its job has ended, its outputs. */
import { describe, expect, it } from 'vitest';
import { readStepInputs, stepEnding, stepOutputs, WorkflowStepInputError } from '../../../src/slack/workflow/workflow-step.js';
import type { SyncReport } from '../../../src/sync/outcome/report.js';

describe('readStepInputs', () => {
  it('takes a file (its own thread unless a channel is given) or a link with a channel, and update mode', () => {
    expect(readStepInputs({ file: 'F123', update: true })).toEqual({ source: { kind: 'file', fileId: 'F123' }, update: true, channel: undefined });
    expect(readStepInputs({ file: ['F123'], channel: 'C1' })).toEqual({ source: { kind: 'file', fileId: 'F123' }, update: false, channel: 'C1' });
    expect(readStepInputs({ link: ' https://x.test/q.csv ', channel: 'C1', update: false, file: '' })).toEqual({ source: { kind: 'link', url: 'https://x.test/q.csv' }, update: false, channel: 'C1' });
  });

  it.each([
    [{}, /neither a file nor a link/],
    [{ file: 'F1', link: 'https://x.test/q.csv' }, /both a file and a link/],
    [{ link: 'https://x.test/q.csv' }, /choose a channel in the step's settings/],
    [{ file: ['F1', 'F2'] }, /several values for its file input/],
    [{ file: 42 }, /file input is not text \(got number\)/],
  ])('refuses %j with a sentence for the workflow author', (inputs, sentence) => {
    expect(() => readStepInputs(inputs)).toThrow(WorkflowStepInputError);
    expect(() => readStepInputs(inputs)).toThrow(sentence);
  });
});

describe('stepEnding', () => {
  it('completes done and partial jobs, fails stopped and cancelled ones with why, and waits for the rest', () => {
    expect(stepEnding({ id: 'j1', state: 'done', error: undefined })).toEqual({ kind: 'complete' });
    expect(stepEnding({ id: 'j1', state: 'partial', error: 'Stopped: 1 quote failed.' })).toEqual({ kind: 'complete' });
    expect(stepEnding({ id: 'j1', state: 'failed', error: 'Notion blocked the integration' })).toEqual({
      kind: 'fail',
      error: expect.stringMatching(/^Job j1 stopped before writing its quotes: Notion blocked the integration\. .*`\/sync-quotes retry j1`/),
    });
    expect(stepEnding({ id: 'j1', state: 'cancelled', error: 'Cancelled by <@U1>.' })).toEqual({
      kind: 'fail',
      error: 'Job j1 was cancelled (Cancelled by <@U1>). `/sync-quotes retry j1` writes the rest.',
    });
    for (const state of ['running', 'interrupted'] as const) expect(stepEnding({ id: 'j1', state, error: undefined })).toEqual({ kind: 'wait' });
  });
});

describe('stepOutputs', () => {
  const report = {
    jobId: 'j1', state: 'partial', total: 10, written: 4, alreadyPresent: 2, updated: 1, unchanged: 1, duplicates: 0, pending: 0,
    failed: [{ id: 'q9', reason: 'Notion said no' }, { id: 'q10', reason: 'Notion said no' }],
    databases: [{ id: 'd1', dataSourceId: 's1', url: 'https://www.notion.so/d1', title: 'Quotes' }],
  } as unknown as SyncReport;

  it('counts what was written, already there (unchanged too), updated and not written; the database link and the fallback file when there are', () => {
    expect(stepOutputs(report, 'F0FALLBACK')).toEqual({
      job_id: 'j1', written: 4, already_there: 3, updated: 1, failed: 2, database_url: 'https://www.notion.so/d1', fallback_file: 'F0FALLBACK',
    });
    expect(stepOutputs({ ...report, databases: [] })).not.toHaveProperty('database_url');
    expect(stepOutputs(report)).not.toHaveProperty('fallback_file');
  });
});
