/**
 * The Workflow Builder step "Sync quotes to Notion" with the real Bolt app: `function_executed`
 * as Slack delivers it (the step's definition from manifest.json, its inputs and a token for
 * the execution), a job like any other in a thread, and functions.completeSuccess or
 * completeError once the job ends, as the local Slack records them.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WORKFLOW_STEP_CALLBACK_ID } from '../../../src/slack/workflow/workflow-step.js';
import type { FunctionDefinition } from '../../fakes/local-slack.js';
import { makeQuoteRecords, recordsToCsv } from '../../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../../support/slack-app.js';

const manifest = JSON.parse(readFileSync(new URL('../../../manifest.json', import.meta.url), 'utf8')) as { functions: Record<string, FunctionDefinition> };
const OTHER_CHANNEL = 'C0OTHER0000';

let h: SlackAppHarness | undefined;
let fileServer: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  fileServer?.close();
  fileServer = undefined;
});

/** A web server answering `path` with `content` (404 elsewhere); ALLOW_PRIVATE_URLS lets the app fetch from 127.0.0.1. */
async function serve(path: string, content: string): Promise<string> {
  const server = (fileServer = createServer((req, res) => {
    if (req.url === path) res.writeHead(200, { 'content-type': 'text/csv' }).end(content);
    else res.writeHead(404).end();
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

async function startWithSteps(options: Parameters<typeof startSlackApp>[0] = {}): Promise<SlackAppHarness> {
  return startSlackApp({ ...options, slack: { functions: manifest.functions, ...options.slack } });
}

/** Runs the step with `inputs` (as a workflow reaching it), over HTTP; resolves with the event and the ack's delivery. */
async function runStep(harness: SlackAppHarness, inputs: Record<string, unknown>) {
  const event = harness.slack.functions.start(WORKFLOW_STEP_CALLBACK_ID, inputs);
  const delivery = await harness.driver.event(event);
  return { event, delivery };
}

async function completion(harness: SlackAppHarness, executionId: string) {
  await harness.slack.waitFor(() => harness.slack.functions.completions.some((c) => c.executionId === executionId), `the step ${executionId} completed`);
  return harness.slack.functions.completions.find((c) => c.executionId === executionId)!;
}

describe('the Workflow Builder step', () => {
  it('syncs a shared file in its own thread and completes with the counts and the database link; a redelivery starts nothing', async () => {
    h = await startWithSteps();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'weekly.csv', content: recordsToCsv(makeQuoteRecords(30, 21)) });
    const submitted = h.nextJob();
    const { event, delivery } = await runStep(h, { file: upload.file.id, update: false });
    // Bolt acknowledges function_executed at once; the job goes on after.
    expect(delivery.status).toBe(200);
    expect(delivery.ms).toBeLessThan(3000);
    const job = await submitted;
    const done = await completion(h, event.function_execution_id);
    expect(done).toEqual({
      executionId: event.function_execution_id,
      method: 'functions.completeSuccess',
      by: 'execution token',
      outputs: { job_id: job.id, written: 30, already_there: 0, updated: 0, failed: 0, database_url: expect.stringMatching(/^https:\/\/www\.notion\.so\//) },
    });
    const thread = h.slack.thread(CHANNEL, upload.message.ts);
    expect(thread[1]!.text).toContain(':white_check_mark: Done. 30 written');
    expect(thread[1]!.history[0]).toBe('Workflow step "Sync quotes to Notion": reading *weekly.csv*…');
    // The token is gone from the store once the step is completed.
    await vi.waitFor(async () => expect(await h!.app.context.store.workflowSteps.get(event.function_execution_id)).toMatchObject({ state: 'done', outcome: 'completed', token: undefined }));
    // Slack delivers the event again (it thought the ack was lost): no second job, no second answer.
    await h.driver.event(event, { retryNum: 1 });
    // Another run of the step, answered at once, as a marker that the events before it were handled.
    const marker = await runStep(h, {});
    await completion(h, marker.event.function_execution_id);
    expect(await h.app.context.store.jobs.list(10)).toHaveLength(1);
    expect(h.slack.functions.completions.filter((c) => c.executionId === event.function_execution_id)).toHaveLength(1);
  });

  it('syncs a link in update mode into a thread of the chosen channel; the CSV of the rejected row is the fallback file', async () => {
    h = await startWithSteps();
    const records = makeQuoteRecords(12, 22);
    records[4] = { ...records[4]!, text: '' };
    const base = await serve('/quotes.csv', recordsToCsv(records));
    const { event } = await runStep(h, { link: `${base}/quotes.csv`, update: true, channel: OTHER_CHANNEL });
    const done = await completion(h, event.function_execution_id);
    const jobId = String(done.outputs?.job_id);
    const csv = h.slack.messages.flatMap((m) => m.files).find((f) => f.name === `quote-sync-${jobId}-not-written.csv`);
    expect(csv).toBeDefined();
    expect(done.outputs).toEqual({ job_id: jobId, written: 11, already_there: 0, updated: 0, failed: 0, database_url: expect.any(String), fallback_file: csv!.id });
    const parent = h.slack.messages.find((m) => m.channel === OTHER_CHANNEL && m.threadTs === undefined)!;
    expect(parent.history[0]).toContain(`fetching ${base}/quotes.csv`);
    expect(parent.text).toContain(':white_check_mark: Done. 11 written');
    expect((await h.app.context.store.jobs.get(jobId))?.options.update).toBe(true);
  });

  it.each([
    ['a link that answers 404', async () => ({ link: `${await serve('/quotes.csv', '')}/missing.csv`, channel: CHANNEL }), 'The link answered 404 Not Found, not the file.'],
    ['a file without a single quote', async () => ({ file: h!.slack.userUpload({ channel: CHANNEL, user: USER, name: 'empty.csv', content: 'text,category\n,Pricing\n' }).file.id }), 'empty.csv has no valid quote'],
  ])('fails the step with a sentence the workflow author can act on, also told in the thread: %s', async (_name, inputs, sentence) => {
    h = await startWithSteps();
    const { event } = await runStep(h, await inputs());
    const failed = await completion(h, event.function_execution_id);
    expect(failed).toMatchObject({ method: 'functions.completeError', by: 'execution token', error: expect.stringContaining(sentence) });
    expect(failed.error).not.toMatch(/\n\s+at /);
    const told = h.slack.messages.find((m) => m.text.startsWith(':x:'));
    expect(told?.text).toBe(`:x: ${failed.error}`);
    expect(await h.app.context.store.jobs.list(10)).toHaveLength(0);
  });

  it('fails at once, without a thread, when the inputs cannot be used', async () => {
    h = await startWithSteps();
    const { event } = await runStep(h, { update: true });
    const failed = await completion(h, event.function_execution_id);
    expect(failed.error).toBe('The step was given neither a file nor a link: give it a CSV or JSON file of quotes, or an https link to one (edit the step in Workflow Builder).');
    expect(h.slack.messages).toEqual([]);
  });

  it('a step whose token expired mid-job is completed with the bot token', async () => {
    h = await startWithSteps({ notion: { rateLimit: { requestsPerSecond: 50 } }, env: { NOTION_REQUESTS_PER_SECOND: '50' } });
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'long.csv', content: recordsToCsv(makeQuoteRecords(60, 23)) });
    const submitted = h.nextJob();
    const { event } = await runStep(h, { file: upload.file.id });
    await submitted;
    h.slack.functions.expireToken(event.function_execution_id);
    const done = await completion(h, event.function_execution_id);
    expect(done).toMatchObject({ method: 'functions.completeSuccess', by: 'bot token', outputs: expect.objectContaining({ written: 60 }) });
    // The execution's token was tried first, and refused.
    expect(h.slack.calls.filter((c) => c.method === 'functions.completeSuccess').map((c) => c.error)).toEqual(['token_expired', undefined]);
  });

  it('when Slack takes neither token, the job thread is told the workflow will not go on', async () => {
    h = await startWithSteps({ slack: { functionsAcceptBotToken: false } });
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'small.csv', content: recordsToCsv(makeQuoteRecords(5, 24)) });
    const submitted = h.nextJob();
    const { event } = await runStep(h, { file: upload.file.id });
    // Acknowledged, before the job exists: the execution's token is never used before the job ends.
    h.slack.functions.expireToken(event.function_execution_id);
    const job = await submitted;
    await h.slack.waitFor(() => h!.slack.messages.some((m) => m.text.startsWith(':warning: I could not tell the workflow')), 'the thread told');
    const note = h.slack.thread(CHANNEL, upload.message.ts).find((m) => m.text.startsWith(':warning: I could not tell the workflow'))!;
    expect(note.text).toContain(`job \`${job.id}\``);
    expect(note.text).toContain('Slack answered `not_allowed_token_type`');
    expect(h.slack.functions.completions).toEqual([]);
    await vi.waitFor(async () => expect(await h!.app.context.store.workflowSteps.get(event.function_execution_id)).toMatchObject({ state: 'done', outcome: 'told-in-thread', token: undefined }));
  });
});
