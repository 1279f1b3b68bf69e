/**
 * The app's log, as an operator reads it: every line of a job names the job (`jobId`) and the
 * Slack request that started it (`slackRequestId`: the event's `event_id`, or the `trigger_id`
 * of a command or button), from the line that records it to the thread's Slack calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A logger whose lines (pino JSON) the test reads, and the lines that mention `text` anywhere, Bolt's own aside. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const mentioning = (text: string) => lines.filter((l) => l.component !== 'bolt' && JSON.stringify(l).includes(text));
  return { logger, lines, mentioning };
}

describe("a job's log lines", () => {
  it('name the job and the event that started it, the engine\'s and the thread\'s alike', async () => {
    const log = capturedLog();
    h = await startSlackApp({ notion: { seed: 31, faults: { conflictRate: 0.2 } }, app: { logger: log.logger } });
    const harness = h;
    harness.slack.injectNext('chat.update', 'internal_error');
    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'logged.csv', content: recordsToCsv(makeQuoteRecords(40, 31)) });
    const submitted = harness.nextJob();
    await harness.driver.event(upload.message, { eventId: 'Ev0LOGGED01' });
    const job = await submitted;
    expect(await harness.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 40 });

    const lines = log.mentioning(job.id);
    expect(lines.map((l) => [l.jobId, l.slackRequestId])).toEqual(lines.map(() => [job.id, 'Ev0LOGGED01']));
    const messages = new Set(lines.map((l) => l.msg));
    // The store's record of it, the writer's retries, and the thread's failed edit.
    expect(messages).toContain('job created');
    expect(messages).toContain('notion event');
    expect(messages).toContain('slack call failed');
    // Each key once per line: pino would repeat a key bound twice.
    expect(lines.every((l) => Object.keys(l).filter((k) => k === 'jobId').length === 1)).toBe(true);
  });

  it('name the button press (its trigger_id) that retried the job', async () => {
    const log = capturedLog();
    h = await startSlackApp({ notion: { seed: 32, faults: { workspaceFull: true } }, app: { logger: log.logger } });
    const harness = h;
    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'retried.csv', content: recordsToCsv(makeQuoteRecords(12, 32)) });
    const submitted = harness.nextJob();
    await harness.driver.event(upload.message);
    const job = await submitted;
    expect((await harness.app.context.jobs.finished(job.id))?.state).not.toBe('done');

    harness.notion.setFaults({ conflictRate: 0.3 });
    const stopped = harness.slack.messages.find((m) => JSON.stringify(m.blocks ?? []).includes('"job_retry"'))!;
    const payload = harness.driver.blockActionsPayload(stopped, 'job_retry');
    const retried = new Promise<void>((resolve) => harness.app.context.jobs.events.on('finished', (id) => id === job.id && resolve()));
    const before = log.lines.length;
    await harness.driver.post('/slack/events', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    await retried;
    const lines = log.lines.slice(before).filter((l) => l.component !== 'bolt' && JSON.stringify(l).includes(job.id));
    expect(new Set(lines.map((l) => l.msg))).toContain('notion event');
    expect(lines.map((l) => [l.jobId, l.slackRequestId])).toEqual(lines.map(() => [job.id, payload.trigger_id]));
  });
});
