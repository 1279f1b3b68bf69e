import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobSlots, type JobOutcome } from '../../../src/slack/jobs/job-slots.js';

const JOB = 'a1b2c3d4e5';
const BY = 'Cancelled by <@U0123>.';

function outcome(): JobOutcome {
  return Promise.resolve(undefined);
}

/** A job whose turn has come: the slot runs. */
function running(slots = new JobSlots(), first = outcome()) {
  slots.queue(JOB, first);
  const start = slots.start(JOB);
  if (!start.started) throw new Error('the job did not start');
  return { slots, controller: start.controller, first };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('JobSlots', () => {
  it('knows nothing of a job it was never given', () => {
    const slots = new JobSlots();
    expect(slots.get(JOB)).toBeUndefined();
    expect(slots.activity(JOB)).toBeUndefined();
    expect(slots.isActive(JOB)).toBe(false);
  });

  it('a queued job is active, with the outcome of its turn', () => {
    const slots = new JobSlots();
    const first = outcome();
    slots.queue(JOB, first);
    expect(slots.get(JOB)).toEqual({ kind: 'queued', outcome: first });
    expect(slots.get(JOB)?.outcome).toBe(first);
    expect(slots.activity(JOB)).toBe('queued');
    expect(slots.isActive(JOB)).toBe(true);
  });

  it('a job whose turn comes runs, with a live controller and the same outcome', () => {
    const { slots, controller, first } = running();
    expect(slots.get(JOB)).toEqual({ kind: 'running', controller, outcome: first });
    expect(slots.get(JOB)?.outcome).toBe(first);
    expect(controller.signal.aborted).toBe(false);
    expect(slots.activity(JOB)).toBe('running');
  });

  it('refuses to start a job that was never queued', () => {
    expect(() => new JobSlots().start(JOB)).toThrow(`job ${JOB} started without being queued`);
  });

  it('a run that ends leaves the job ended and inactive, its outcome kept', () => {
    const { slots, first } = running();
    slots.endRun(JOB);
    expect(slots.get(JOB)).toEqual({ kind: 'ended', outcome: first });
    expect(slots.get(JOB)?.outcome).toBe(first);
    expect(slots.isActive(JOB)).toBe(false);
  });

  it('queueing an ended job again gives it the new outcome', () => {
    const { slots } = running();
    slots.endRun(JOB);
    const second = outcome();
    slots.queue(JOB, second);
    expect(slots.get(JOB)).toEqual({ kind: 'queued', outcome: second });
    expect(slots.get(JOB)?.outcome).toBe(second);
  });

  describe('cancel', () => {
    it('of a queued job notes who cancelled it; its turn then ends it without a run, the note kept until applied', () => {
      const slots = new JobSlots();
      const first = outcome();
      slots.queue(JOB, first);
      expect(slots.cancel(JOB, BY)).toBe('queued');
      expect(slots.get(JOB)).toEqual({ kind: 'queued', outcome: first, cancelledBy: BY });
      expect(slots.start(JOB)).toEqual({ started: false, cancelledBy: BY });
      expect(slots.get(JOB)).toEqual({ kind: 'ended', outcome: first, cancelledBy: BY });
      slots.cancelApplied(JOB);
      expect(slots.get(JOB)).toEqual({ kind: 'ended', outcome: first });
    });

    it('of a running job notes who cancelled it and aborts its controller; the job stays running', () => {
      const { slots, controller } = running();
      expect(slots.cancel(JOB, BY)).toBe('running');
      expect(controller.signal.aborted).toBe(true);
      expect(slots.get(JOB)).toMatchObject({ kind: 'running', cancelledBy: BY });
    });

    it('of a job that is not queued or running changes nothing', () => {
      const slots = new JobSlots();
      expect(slots.cancel(JOB, BY)).toBeUndefined();
      expect(slots.get(JOB)).toBeUndefined();
      const { slots: ended } = running();
      ended.endRun(JOB);
      expect(ended.cancel(JOB, BY)).toBeUndefined();
      expect(ended.get(JOB)).not.toHaveProperty('cancelledBy', BY);
    });

    it('applied by the run, is dropped before the run ends', () => {
      const { slots } = running();
      slots.cancel(JOB, BY);
      slots.cancelApplied(JOB);
      slots.endRun(JOB);
      expect(slots.get(JOB)?.cancelledBy).toBeUndefined();
    });

    it('not applied by a run that stopped on an error, holds for the job\'s next turn', () => {
      const { slots } = running();
      slots.cancel(JOB, BY);
      slots.endRun(JOB);
      expect(slots.get(JOB)).toMatchObject({ kind: 'ended', cancelledBy: BY });
      slots.queue(JOB, outcome());
      expect(slots.get(JOB)).toMatchObject({ kind: 'queued', cancelledBy: BY });
      expect(slots.start(JOB)).toEqual({ started: false, cancelledBy: BY });
    });
  });

  describe('a job queued again while it runs', () => {
    it('stays running with the new outcome, then is queued when the run ends', () => {
      const { slots, controller } = running();
      const second = outcome();
      slots.queue(JOB, second);
      expect(slots.get(JOB)).toEqual({ kind: 'running', controller, outcome: second, queuedAgain: true });
      expect(slots.get(JOB)?.outcome).toBe(second);
      expect(slots.activity(JOB)).toBe('running');
      slots.endRun(JOB);
      expect(slots.get(JOB)).toEqual({ kind: 'queued', outcome: second });
      expect(slots.get(JOB)?.outcome).toBe(second);
    });
  });

  describe('shutdown', () => {
    it('aborts the running jobs and hands back their outcomes; queued ones stay queued', () => {
      const { slots, controller, first } = running();
      slots.queue('f6e5d4c3b2', outcome());
      const outcomes = slots.abortRunning();
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toBe(first);
      expect(controller.signal.aborted).toBe(true);
      expect(slots.get('f6e5d4c3b2')?.kind).toBe('queued');
    });
  });
});
