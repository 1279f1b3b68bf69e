/**
 * The Cancel and Retry buttons of a job message, end to end: the real Bolt app in HTTP mode, the
 * job message's blocks as the local Slack keeps them, and presses sent as Slack sends them (a
 * signed `block_actions` payload).
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { slackOrigin } from '../../src/slack/jobs/jobs.js';
import type { SlackMessage } from '../fakes/local-slack.js';
import { multiplicity } from '../support/harness.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

const BOSS = 'U0BOSS';
const BOB = 'U0BOB';

let h: SlackAppHarness | undefined;
let fileServer: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  fileServer?.close();
  fileServer = undefined;
});

/** The action_ids of a message's buttons, in order. */
function buttons(message: SlackMessage | undefined): string[] {
  return (message?.blocks ?? []).flatMap((block) => {
    const b = block as { type: string; elements?: { type: string; action_id: string }[] };
    return b.type === 'actions' ? (b.elements ?? []).filter((e) => e.type === 'button').map((e) => e.action_id) : [];
  });
}

/** The text a message shows: its sections' text, joined. */
function shownText(message: SlackMessage): string {
  return (message.blocks ?? [])
    .map((block) => block as { type: string; text?: { text: string } })
    .filter((b) => b.type === 'section')
    .map((b) => b.text!.text)
    .join('\n');
}

/** The message a job is narrated in now. */
async function jobMessage(harness: SlackAppHarness, jobId: string): Promise<SlackMessage> {
  return (await jobMessageOf(harness, jobId))();
}

/** Reads, whenever called, the message a job is narrated in (its origin is read once). */
async function jobMessageOf(harness: SlackAppHarness, jobId: string): Promise<() => SlackMessage> {
  const origin = slackOrigin((await harness.app.context.store.jobs.get(jobId))?.origin);
  return () => {
    const message = harness.slack.messages.find((m) => m.channel === origin?.channel && m.ts === origin.messageTs);
    if (!message) throw new Error(`no message for job ${jobId}`);
    return message;
  };
}

function pageIds(harness: SlackAppHarness): string[] {
  const [databaseId] = harness.notion.databaseIds();
  return harness.notion.propertyTexts(harness.notion.dataSourceOf(databaseId!), 'Quote ID');
}

/** A job of 12 quotes, uploaded by `user`, that stops short because Notion's workspace is full. */
async function jobStoppedByFullWorkspace(harness: SlackAppHarness, user = USER) {
  harness.notion.setFaults({ workspaceFull: true });
  const upload = harness.slack.userUpload({ channel: CHANNEL, user, name: 'q.csv', content: recordsToCsv(makeQuoteRecords(12, 51)) });
  const submitted = harness.nextJob();
  await harness.driver.event(upload.message);
  const job = await submitted;
  expect(await harness.app.context.jobs.finished(job.id)).toMatchObject({ state: 'failed', written: 0 });
  return { job, thread: () => harness.slack.thread(CHANNEL, upload.message.ts) };
}

/** A web server with one file, for `/sync-quotes <url>` (ALLOW_PRIVATE_URLS lets the app fetch from 127.0.0.1). */
async function serveCsv(content: string): Promise<string> {
  const server = (fileServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(content)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the file server is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}/quotes.csv`;
}

describe('the buttons of a job message', () => {
  it('a job stopped by a full Notion workspace is retried by a press of Retry once the cause is fixed: every quote once, and the thread says who', async () => {
    h = await startSlackApp();
    const { job, thread } = await jobStoppedByFullWorkspace(h);
    const stopped = await jobMessage(h, job.id);
    expect(stopped.text).toContain(':warning: Finished, but not every quote is in Notion.');
    expect(buttons(stopped)).toEqual(['job_retry']);
    expect(shownText(stopped)).toBe(stopped.text);

    h.notion.setFaults({});
    const press = await h.driver.press(stopped, 'job_retry');
    expect(press.status).toBe(200);
    expect(press.ms).toBeLessThan(3000);
    await h.slack.waitFor(() => thread().some((m) => m.text === `Retried by <@${USER}>.`), 'the thread to say who retried');
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done' });

    expect(pageIds(h)).toHaveLength(12);
    expect(multiplicity(pageIds(h)).duplicates).toEqual([]);
    // The pressed message keeps its text and loses its button; the retry's own message ends done, with none.
    expect(stopped.text).toContain(':warning: Finished, but not every quote is in Notion.');
    expect(buttons(stopped)).toEqual([]);
    const retried = await jobMessage(h, job.id);
    expect(retried.ts).not.toBe(stopped.ts);
    expect(retried.history[0]).toMatch(new RegExp(`^Retrying job \`${job.id}\` for <@${USER}>: 12 quote\\(s\\) to write, 12 of them failed before\\.`));
    expect(retried.text).toContain(':white_check_mark: Done.');
    expect(buttons(retried)).toEqual([]);
  });

  it('a press of Cancel while the job runs stops it; a second press changes nothing and says why', async () => {
    h = await startSlackApp({ notion: { rateLimit: { requestsPerSecond: 40 } }, env: { NOTION_REQUESTS_PER_SECOND: '40' } });
    const harness = h;
    const started = harness.nextJob();
    await harness.driver.command(await serveCsv(recordsToCsv(makeQuoteRecords(160, 52))));
    const job = await started;
    const root = await jobMessageOf(harness, job.id);
    await harness.slack.waitFor(() => /\(\d+\/160\)/.test(root().text), 'live progress');
    expect(buttons(root())).toEqual(['job_cancel']);
    const seenRunning = structuredClone(root());

    const [first, second] = [await harness.driver.press(seenRunning, 'job_cancel'), await harness.driver.press(seenRunning, 'job_cancel', { user: BOB })];
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const cancelled = await harness.app.context.jobs.finished(job.id);
    expect(cancelled?.state).toBe('cancelled');
    expect(cancelled!.written).toBeLessThan(160);
    expect((await harness.slack.commandResponse(second.responseId)).text).toMatch(
      new RegExp(`^Job \`${job.id}\` (is already being cancelled \\(cancelled by <@${USER}>\\)|has already ended \\(cancelled\\))\\.$`),
    );
    const thread = harness.slack.thread(CHANNEL, root().ts);
    expect(thread.filter((m) => m.text.startsWith('Cancelled by'))).toEqual([expect.objectContaining({ text: `Cancelled by <@${USER}>.` })]);
    expect(root().text).toContain(':no_entry_sign: Cancelled.');
    // A cancelled job can be retried from its message; Cancel no longer applies.
    expect(buttons(root())).toEqual(['job_retry']);
  });

  it('a job waiting its turn shows Cancel; a press keeps it from starting and leaves Retry to start it later', async () => {
    h = await startSlackApp({ notion: { rateLimit: { requestsPerSecond: 40 } }, env: { NOTION_REQUESTS_PER_SECOND: '40' } });
    const harness = h;
    const link = await serveCsv(recordsToCsv(makeQuoteRecords(160, 54)));
    const first = harness.nextJob();
    await harness.driver.command(link);
    const running = await first;
    const upload = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'second.csv', content: recordsToCsv(makeQuoteRecords(6, 55)) });
    const second = harness.nextJob();
    await harness.driver.event(upload.message);
    const queued = await second;
    const waiting = await jobMessageOf(harness, queued.id);
    await harness.slack.waitFor(() => waiting().text.includes('is waiting for 1 job(s) ahead of it'), 'the queued note');
    expect(buttons(waiting())).toEqual(['job_cancel']);

    await harness.driver.press(waiting(), 'job_cancel');
    await harness.slack.waitFor(() => harness.slack.thread(CHANNEL, upload.message.ts).some((m) => m.text === `Cancelled by <@${USER}>.`), 'who cancelled');
    await harness.driver.command(`cancel ${running.id}`);
    expect(await harness.app.context.jobs.finished(queued.id)).toBeUndefined();
    expect(waiting().text).toBe(`Job \`${queued.id}\` was cancelled before it started. \`/sync-quotes retry ${queued.id}\` starts it later.`);
    expect(buttons(waiting())).toEqual(['job_retry']);
  });

  it('a press by someone outside ALLOWED_USER_IDS gets the refusal privately and changes nothing', async () => {
    h = await startSlackApp({ env: { ALLOWED_USER_IDS: BOSS } });
    const { job, thread } = await jobStoppedByFullWorkspace(h, BOSS);
    h.notion.setFaults({});
    const before = thread().map((m) => ({ ts: m.ts, history: [...m.history], buttons: buttons(m) }));
    const press = await h.driver.press(await jobMessage(h, job.id), 'job_retry', { user: USER });
    expect(press.status).toBe(200);
    expect(await h.slack.commandResponse(press.responseId)).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('You are not on the list of people who can start a sync'),
    });
    expect(thread().map((m) => ({ ts: m.ts, history: m.history, buttons: buttons(m) }))).toEqual(before);
    expect((await h.app.context.store.jobs.get(job.id))?.state).toBe('failed');
    expect(await h.app.context.store.quotes.counts(job.id)).toMatchObject({ failed: 12, pending: 0, written: 0 });
    expect(pageIds(h)).toEqual([]);
  });

  it('two presses of Retry at once, by two people, start one retry', async () => {
    h = await startSlackApp();
    const { job, thread } = await jobStoppedByFullWorkspace(h);
    h.notion.setFaults({});
    const stopped = structuredClone(await jobMessage(h, job.id));
    const presses = await Promise.all([h.driver.press(stopped, 'job_retry'), h.driver.press(stopped, 'job_retry', { user: BOB })]);
    expect(presses.map((p) => p.status)).toEqual([200, 200]);
    await h.slack.waitFor(() => thread().some((m) => m.text.startsWith('Retried by')), 'the thread to say who retried');
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done' });
    // The press that did not start it hears why, privately.
    const answered = await Promise.race(presses.map((p) => h!.slack.commandResponse(p.responseId)));
    expect(answered.text).toMatch(new RegExp(`^Job \`${job.id}\` (is already running|has nothing left to write: every valid quote is in Notion)\\.$`));

    expect(thread().filter((m) => m.history[0]?.startsWith(`Retrying job \`${job.id}\``))).toHaveLength(1);
    expect(thread().filter((m) => m.text.startsWith('Retried by'))).toHaveLength(1);
    expect(pageIds(h)).toHaveLength(12);
    expect(multiplicity(pageIds(h)).duplicates).toEqual([]);
  });

  it('a retry claimed while its message is being posted keeps a second one from starting', async () => {
    h = await startSlackApp();
    const { job } = await jobStoppedByFullWorkspace(h);
    h.notion.setFaults({});
    const { jobs } = h.app.context;
    // Both asked before the first has posted its message (and so before the job is queued).
    const [first, second] = await Promise.all([jobs.retryJob(job.id, { user: USER, channel: CHANNEL }), jobs.retryJob(job.id, { user: BOB, channel: CHANNEL })]);
    expect(first).toMatchObject({ applied: true, reply: expect.stringMatching(/^Retrying job/) });
    expect(second).toEqual({ applied: false, reply: `Job \`${job.id}\` is already running.` });
    expect(await jobs.finished(job.id)).toMatchObject({ state: 'done' });
  });

  it("a finished job's message shows its text and no buttons", async () => {
    h = await startSlackApp();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'q.csv', content: recordsToCsv(makeQuoteRecords(8, 53)) });
    const submitted = h.nextJob();
    await h.driver.event(upload.message);
    const job = await submitted;
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 8 });
    const message = await jobMessage(h, job.id);
    expect(message.text).toContain(':white_check_mark: Done. 8 written');
    expect(shownText(message)).toBe(message.text);
    expect(buttons(message)).toEqual([]);
    expect(() => h!.driver.blockActionsPayload(message, 'job_retry')).toThrow(/has no button job_retry/);
  });
});
