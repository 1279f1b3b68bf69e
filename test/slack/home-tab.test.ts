/**
 * The Home tab end to end: the real Bolt app receives `app_home_opened` over HTTP and publishes
 * the view to the local Slack (views.publish), which checks it as Slack does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { integrationKey } from '../../src/sync/run/integration-pacer.js';
import type { PublishedView } from '../fakes/local-slack.js';
import { makeQuoteRecords, recordsToCsv } from '../support/quote-factory.js';
import { CHANNEL, SIGNING_SECRET, USER, startSlackApp, type SlackAppHarness } from '../support/slack-app.js';

let h: SlackAppHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Opens the Home tab and resolves with the view published for it. */
async function openHome(harness: SlackAppHarness, user = USER): Promise<PublishedView> {
  const before = harness.slack.views.length;
  const delivery = await harness.driver.appHomeOpened(user);
  expect(delivery.status).toBe(200);
  await harness.slack.waitFor(() => harness.slack.views.length > before, 'a published Home view');
  return harness.slack.views[before]!;
}

/** Every text of a view, one per line. */
function textOf(view: PublishedView['view']): string {
  const texts: string[] = [];
  for (const block of view.blocks as { text?: { text: string }; elements?: { text?: string }[] }[]) {
    if (block.text) texts.push(block.text.text);
    for (const e of block.elements ?? []) if (e.text) texts.push(e.text);
  }
  return texts.join('\n');
}

function notionRequests(harness: SlackAppHarness, route: RegExp): number {
  return harness.notion.requests.filter((r) => route.test(`${r.method} ${r.path}`)).length;
}

describe('the Home tab', () => {
  it('after a job runs, opening the Home tab publishes a view listing the job with its counts, its thread and its database', async () => {
    h = await startSlackApp({ env: { DIGEST_CHANNEL_ID: CHANNEL, DIGEST_CRON: '0 9 * * *', DIGEST_TZ: 'UTC' } });
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'reddit-quotes.csv', content: recordsToCsv(makeQuoteRecords(25, 5)) });
    const submitted = h.nextJob();
    await h.driver.event(upload.message);
    const job = await submitted;
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 25 });

    const published = await openHome(h);
    expect(published.user).toBe(USER);
    expect(published.view.type).toBe('home');
    const text = textOf(published.view);
    expect(text).toContain(`\`${job.id}\` *reddit-quotes.csv*: :white_check_mark: done`);
    expect(text).toContain('25 written · 0 already there · 0 not written · 0 to write · 0 rejected · 0 duplicate(s)');
    // The job's message is a reply in the upload's thread: its permalink opens that thread.
    const jobMessage = h.slack.thread(CHANNEL, upload.message.ts)[1]!;
    expect(text).toContain(`<https://local.slack.test/archives/${CHANNEL}/p${jobMessage.ts.replace('.', '')}?thread_ts=${upload.message.ts}&cid=${CHANNEL}|thread>`);
    const [database] = await h.app.context.store.databases.forJob(job.id);
    expect(text).toContain(`<${database!.url}|Quotes>`);
    // Set-up: Notion answered, the budget is not learned yet, the digest's next run is tomorrow's or today's 9:00 UTC.
    expect(text).toContain(':large_green_circle: *Notion*: the token works and the parent page is shared with the integration');
    expect(text).toContain('*Rate budget*: not learned yet');
    expect(text).toMatch(new RegExp(`Posted in <#${CHANNEL}> on \`0 9 \\* \\* \\*\` \\(UTC\\): next run <!date\\^\\d+\\^\\{date_short_pretty\\} \\{time\\}\\|\\d{4}-\\d\\d-\\d\\d 09:00 UTC>`));
  });

  it('a job that stopped short has a Retry button on the Home tab; pressing it writes the rest in the job\'s thread', async () => {
    h = await startSlackApp();
    h.notion.setFaults({ workspaceFull: true });
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'q.csv', content: recordsToCsv(makeQuoteRecords(9, 6)) });
    const submitted = h.nextJob();
    await h.driver.event(upload.message);
    const job = await submitted;
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'failed' });

    h.notion.setFaults({});
    const published = await openHome(h);
    const press = await h.driver.pressInView(published, 'job_retry', job.id);
    expect(press.status).toBe(200);
    await h.slack.waitFor(() => h!.slack.thread(CHANNEL, upload.message.ts).some((m) => m.text === `Retried by <@${USER}>.`), 'who retried, in the thread');
    expect(await h.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done' });
    expect(await h.app.context.store.quotes.counts(job.id)).toMatchObject({ written: 9, failed: 0 });

    // Done now: the next view shows no Retry for it.
    const after = await openHome(h);
    expect(after.view.blocks.some((b) => (b.accessory as { value?: string } | undefined)?.value === job.id)).toBe(false);
  });

  it('shows the rate budget learned for this integration', async () => {
    h = await startSlackApp();
    await h.app.context.store.rateBudgets.save(integrationKey(h.app.context.config), { budget: 30, windowMs: 60_000 });
    const text = textOf((await openHome(h)).view);
    expect(text).toContain('*Rate budget*: learned from Notion, 30 request(s) per 60 s window');
    expect(text).toContain('under one request a second, a batch of 1,000 quotes takes about 33m 20s');
  });

  it('with 150 jobs the view keeps within 100 blocks and lists the latest 20', async () => {
    h = await startSlackApp();
    const { engine } = h.app.context;
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const content = recordsToCsv(makeQuoteRecords(2, 1000 + i));
      const origin = { kind: 'slack', channel: CHANNEL, threadTs: `1700000000.${String(i).padStart(6, '0')}`, messageTs: `1700000000.${String(i).padStart(6, '0')}`, trigger: 'upload' };
      ids.push((await engine.prepare({ name: `batch-${i}.csv`, content }, engine.targetFor(), { origin })).job.id);
    }
    const { view } = await openHome(h);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = textOf(view);
    const listed = ids.filter((id) => text.includes(`\`${id}\``));
    expect(listed).toHaveLength(20);
    expect(text).toContain('*batch-149.csv*');
    expect(text).not.toContain('*batch-129.csv*');
    // Slack has no message at those ts: the thread link falls back to the channel.
    expect(text).toContain(`<#${CHANNEL}>`);
    expect(text).toContain('`/sync-quotes status <job>` shows any job');
  });

  it('a revoked Notion token shows as a problem with what to do, checked with one request a minute however often the tab opens', async () => {
    h = await startSlackApp();
    h.notion.revokeToken();
    const first = textOf((await openHome(h)).view);
    expect(first).toContain(':red_circle: *Notion*: Notion refused the token (401)');
    expect(first).toContain('*What to do:* Copy the internal integration secret again from notion.so/profile/integrations into NOTION_TOKEN and restart the app.');
    await openHome(h);
    await openHome(h, 'U0BOB');
    expect(notionRequests(h, /^GET \/v1\/pages\//)).toBe(1);
  });

  it('a parent page not shared with the integration shows as a problem with what to do', async () => {
    h = await startSlackApp({ env: { NOTION_PARENT_PAGE_ID: '0123456789abcdef0123456789abcdef' } });
    const text = textOf((await openHome(h)).view);
    expect(text).toContain(':red_circle: *Notion*: The Notion parent page (NOTION_PARENT_PAGE_ID) is not shared with the integration');
    expect(text).toContain('choose ••• → Connections, and add the integration');
  });

  it('never puts a secret or a stack trace in the view', async () => {
    h = await startSlackApp();
    h.notion.revokeToken();
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'q.csv', content: recordsToCsv(makeQuoteRecords(3, 2)) });
    const submitted = h.nextJob();
    await h.driver.event(upload.message);
    await h.app.context.jobs.finished((await submitted).id);
    const json = JSON.stringify((await openHome(h)).view);
    for (const secret of [h.env.NOTION_TOKEN!, h.env.SLACK_BOT_TOKEN!, SIGNING_SECRET]) expect(json).not.toContain(secret);
    expect(json).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(json).not.toContain('Error:');
  });

  it('opening the Messages tab publishes nothing', async () => {
    h = await startSlackApp();
    await h.driver.appHomeOpened(USER, 'messages');
    // The Home tab opened afterwards is the first and only view published.
    await openHome(h);
    expect(h.slack.views).toHaveLength(1);
  });
});
