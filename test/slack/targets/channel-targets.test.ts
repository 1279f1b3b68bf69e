/**
 * Each channel its own Notion database, chosen in Slack: the real Bolt app over HTTP, the local
 * Slack playing the target form (views.open, block_suggestion, block_actions, view_submission) and
 * the local Notion answering search, with databases a person made by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { register, routes } from '../../../commands/index.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startApp, type RunningApp } from '../../../src/slack/app/app.js';
import { TARGET_INPUTS } from '../../../src/slack/targets/target-modal.js';
import type { LocalNotion } from '../../fakes/local-notion.js';
import { multiplicity } from '../../support/harness.js';
import { makeQuoteRecords, recordsToCsv, type QuoteRecord } from '../../support/quote-factory.js';
import { CHANNEL, SlackDriver, USER, startSlackApp, type SlackAppHarness } from '../../support/slack-app.js';
import { storeBackends } from '../../support/store.js';

const OTHER = 'C0OTHER0000';
const THIRD = 'C0THIRD0000';
let h: SlackAppHarness | undefined;
let second: RunningApp | undefined;
afterEach(async () => {
  await second?.stop();
  await h?.close();
  h = second = undefined;
});

/** A database a person made in Notion: their own title property and a score of their own. */
function personsDatabase(notion: LocalNotion, title: string) {
  return notion.seedDatabase({
    title,
    properties: { Name: { type: 'title', title: {} }, Score: { type: 'number', number: { format: 'number' } }, Notes: { type: 'rich_text', rich_text: {} } },
  });
}

const link = (databaseId: string, title = 'db') => `https://www.notion.so/acme/${title}-${databaseId.replace(/-/g, '')}?v=0123456789abcdef0123456789abcdef`;

/** The Quote IDs written into a data source. */
const quoteIds = (notion: LocalNotion, dataSourceId: string) => notion.propertyTexts(dataSourceId, 'Quote ID');

/** Uploads a file to the channel and waits for its job to end. */
async function upload(harness: SlackAppHarness, channel: string, name: string, records: readonly QuoteRecord[]) {
  const file = harness.slack.userUpload({ channel, user: USER, name, content: recordsToCsv(records) });
  const submitted = harness.nextJob();
  await harness.driver.event(file.message);
  const job = await submitted;
  return { job, report: await harness.app.context.jobs.finished(job.id), file };
}

/** Opens the target form in a channel with the command, as a person does; returns its view id. */
async function openForm(harness: SlackAppHarness, channel: string) {
  const before = harness.slack.modals.size;
  const ack = await harness.driver.command('target', { channel });
  expect(ack.status).toBe(200);
  const modal = await harness.slack.modalOpened(before + 1);
  return modal.id;
}

describe('a Notion target per channel', () => {
  it('sets two channels to two databases, one with the form and one with a link; uploads land in their own, exactly once; a third channel uses the default', async () => {
    h = await startSlackApp({ slack: { channels: [CHANNEL, OTHER, THIRD] } });
    const harness = h;
    const acme = personsDatabase(harness.notion, 'Acme quotes');
    const beta = personsDatabase(harness.notion, 'Beta quotes');
    personsDatabase(harness.notion, 'Acme archive');

    // The form in CHANNEL: search as the person types, choose, map relevance_score to their Score, save.
    const viewId = await openForm(harness, CHANNEL);
    const suggested = await harness.driver.blockSuggestion(viewId, TARGET_INPUTS.database, 'acme q');
    expect(suggested.status).toBe(200);
    const acmeOption = suggested.options.options?.find((o) => o.text.text === 'Acme quotes');
    expect(acmeOption?.value).toBe(acme.databaseId);
    expect(suggested.options.options?.map((o) => o.text.text)).not.toContain('Beta quotes');
    await harness.driver.selectInView(viewId, TARGET_INPUTS.database, { value: acmeOption!.value, text: 'Acme quotes' });
    await harness.slack.waitFor(() => JSON.stringify(harness.slack.currentModal(viewId).view.blocks).includes('relevance_score'), 'the mapping in the form');
    const blocks = harness.slack.currentModal(viewId).view.blocks as { block_id?: string; label?: { text: string }; element?: { options?: { text: { text: string }; value: string }[] } }[];
    const scoreBlock = blocks.find((b) => b.label?.text === 'relevance_score')!;
    const score = scoreBlock.element!.options!.find((o) => o.text.text === 'Score (number)')!;
    const submitted = await harness.driver.submitView(viewId, { [`${scoreBlock.block_id}.${TARGET_INPUTS.map}`]: { value: score.value, text: score.text.text } });
    expect(submitted.json).toEqual({});
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.channel === CHANNEL && m.text.includes('now go to')), 'the announcement');
    const announcement = harness.slack.messages.find((m) => m.channel === CHANNEL && m.text.includes('now go to'))!;
    expect(announcement.text).toBe(`Quotes from <#${CHANNEL}> now go to <https://www.notion.so/${acme.databaseId.replace(/-/g, '')}|Acme quotes>, set by <@${USER}>.`);

    // A link in OTHER, without the form.
    const set = await harness.driver.command(`target <${link(beta.databaseId, 'Beta-quotes')}|Beta quotes>`, { channel: OTHER });
    expect(set.reply().text).toBe('Checking it with Notion…');
    await harness.slack.waitFor(() => harness.slack.responses.some((r) => r.id === set.responseId), 'the reply');
    expect((await harness.slack.commandResponse(set.responseId)).text).toMatch(/^Saved: quotes from <#C0OTHER0000> now go to <https:\/\/www\.notion\.so\/[0-9a-f]{32}\|Beta quotes>\.$/);
    expect((await harness.driver.command('target show', { channel: OTHER })).reply().text).toContain('go to <https://www.notion.so/');

    const a = makeQuoteRecords(12, 31);
    const b = makeQuoteRecords(9, 32);
    const c = makeQuoteRecords(5, 33);
    expect((await upload(harness, CHANNEL, 'a.csv', a)).report).toMatchObject({ state: 'done', written: 12 });
    expect((await upload(harness, OTHER, 'b.csv', b)).report).toMatchObject({ state: 'done', written: 9 });
    expect((await upload(harness, THIRD, 'c.csv', c)).report).toMatchObject({ state: 'done', written: 5 });
    // The same file again in CHANNEL: all already there.
    expect((await upload(harness, CHANNEL, 'a-again.csv', a)).report).toMatchObject({ written: 0, alreadyPresent: 12 });

    const acmeIds = quoteIds(harness.notion, acme.dataSourceId);
    expect(acmeIds).toHaveLength(12);
    expect(multiplicity(acmeIds).unique.size).toBe(12);
    expect(quoteIds(harness.notion, beta.dataSourceId)).toHaveLength(9);
    // The default: a database made under the parent page, with our schema.
    const made = harness.notion.databaseIds().find((id) => ![acme.databaseId, beta.databaseId].includes(id) && harness.notion.databaseTitles()[harness.notion.databaseIds().indexOf(id)] === 'Quotes')!;
    expect(quoteIds(harness.notion, harness.notion.dataSourceOf(made))).toHaveLength(5);
    // The mapping chosen in the form was followed: the scores are in the person's Score.
    const scores = harness.notion.pages(acme.dataSourceId).map((p) => (p.properties as Record<string, { number?: number | null }>).Score?.number);
    expect(scores.sort()).toEqual(a.map((r) => r.relevance_score).sort());
    expect(harness.notion.databaseTitles().filter((t) => t === 'Acme quotes')).toHaveLength(1);
  });

  it('refuses a database the integration cannot open, on the field, and saves nothing', async () => {
    h = await startSlackApp();
    const harness = h;
    const hidden = personsDatabase(harness.notion, 'Secret quotes');
    harness.notion.unshareDatabase(hidden.databaseId);
    const viewId = await openForm(harness, CHANNEL);
    const pasted = await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: link(hidden.databaseId) });
    expect(pasted.json.response_action).toBe('errors');
    expect(pasted.json.errors?.[TARGET_INPUTS.link]).toMatch(/not shared with the integration.*Connections/);
    expect(await harness.app.context.store.channels.get(CHANNEL)).toBeUndefined();

    // Found by search, then unshared before Save: the error is on the select.
    const shown = personsDatabase(harness.notion, 'Shown quotes');
    const options = (await harness.driver.blockSuggestion(viewId, TARGET_INPUTS.database, 'shown')).options.options!;
    harness.notion.unshareDatabase(shown.databaseId);
    const chosen = await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: null, [TARGET_INPUTS.database]: { value: options[0]!.value, text: options[0]!.text.text } });
    expect(chosen.json.errors?.[TARGET_INPUTS.database]).toMatch(/Connections/);
    // Two choices at once, and none.
    const both = await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: link(shown.databaseId) });
    expect(Object.values(both.json.errors ?? {})[0]).toMatch(/Choose one/);
    const none = await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: null, [TARGET_INPUTS.database]: null });
    expect(none.json.errors?.[TARGET_INPUTS.database]).toMatch(/Choose a database/);
    // Not a Notion link at all, with the command.
    const bad = await harness.driver.command('target https://example.com/quotes');
    expect(bad.reply().text).toMatch(/is not a Notion link/);
    expect(await harness.app.context.store.channels.get(CHANNEL)).toBeUndefined();
    expect(harness.slack.messages.filter((m) => m.text.includes('now go to'))).toEqual([]);
  });

  it('lets a job finish in the database it started in when the channel changes target meanwhile', async () => {
    h = await startSlackApp({ notion: { rateLimit: { requestsPerSecond: 40 } }, env: { NOTION_REQUESTS_PER_SECOND: '40' } });
    const harness = h;
    const first = personsDatabase(harness.notion, 'First');
    const next = personsDatabase(harness.notion, 'Next');
    await harness.driver.command(`target ${link(first.databaseId)}`);
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.text.includes('now go to')), 'the first announcement');
    const file = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'long.csv', content: recordsToCsv(makeQuoteRecords(60, 41)) });
    const submitted = harness.nextJob();
    await harness.driver.event(file.message);
    const job = await submitted;
    await harness.slack.waitFor(() => quoteIds(harness.notion, first.dataSourceId).length >= 5, 'some quotes written');
    await harness.driver.command(`target ${link(next.databaseId)}`);
    await harness.slack.waitFor(() => harness.slack.messages.filter((m) => m.text.includes('now go to')).length === 2, 'the second announcement');
    expect(await harness.app.context.jobs.finished(job.id)).toMatchObject({ state: 'done', written: 60 });
    expect(quoteIds(harness.notion, first.dataSourceId)).toHaveLength(60);
    expect(quoteIds(harness.notion, next.dataSourceId)).toHaveLength(0);
    expect((await upload(harness, CHANNEL, 'after.csv', makeQuoteRecords(4, 42))).report).toMatchObject({ written: 4 });
    expect(quoteIds(harness.notion, next.dataSourceId)).toHaveLength(4);
  });

  it('opens the form on the channel\'s database, and takes a link pasted beside it as the new choice', async () => {
    h = await startSlackApp();
    const harness = h;
    const first = personsDatabase(harness.notion, 'First');
    const next = personsDatabase(harness.notion, 'Next');
    await harness.driver.command(`target ${link(first.databaseId)}`);
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.text.includes('now go to')), 'the first announcement');
    const viewId = await openForm(harness, CHANNEL);
    const select = JSON.stringify(harness.slack.currentModal(viewId).view.blocks[1]);
    expect(select).toContain(first.databaseId);
    expect((await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: link(next.databaseId) })).json).toEqual({});
    await harness.slack.waitFor(() => harness.slack.messages.filter((m) => m.text.includes('now go to')).length === 2, 'the second announcement');
    expect((await harness.app.context.store.channels.get(CHANNEL))?.target).toEqual({ kind: 'database', databaseId: next.databaseId });
  });

  it('says how to set a target, and starts nothing, in a channel with none when the app has no default', async () => {
    h = await startSlackApp({ env: { NOTION_PARENT_PAGE_ID: '' } });
    const harness = h;
    const file = harness.slack.userUpload({ channel: CHANNEL, user: USER, name: 'q.csv', content: recordsToCsv(makeQuoteRecords(3, 1)) });
    await harness.driver.event(file.message);
    await harness.slack.waitFor(() => harness.slack.thread(CHANNEL, file.message.ts).some((m) => m.text.includes('/sync-quotes target')), 'the sentence');
    const said = harness.slack.thread(CHANNEL, file.message.ts).map((m) => m.text).join('\n');
    expect(said).toContain('No Notion database is set for this channel');
    expect(await harness.app.context.store.jobs.list()).toEqual([]);
    expect(harness.notion.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect((await harness.driver.command('target show')).reply().text).toMatch(/No Notion database is set for this channel.*`\/sync-quotes target`/);
  });

  it('lets only the people in ALLOWED_USER_IDS change a target, with the command or the form', async () => {
    h = await startSlackApp({ env: { ALLOWED_USER_IDS: USER } });
    const harness = h;
    const db = personsDatabase(harness.notion, 'Acme quotes');
    expect((await harness.driver.command(`target ${link(db.databaseId)}`, { user: 'U0MALLORY' })).reply().text).toMatch(/ALLOWED_USER_IDS/);
    expect((await harness.driver.command('target clear', { user: 'U0MALLORY' })).reply().text).toMatch(/ALLOWED_USER_IDS/);
    const viewId = await openForm(harness, CHANNEL);
    const refused = await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: link(db.databaseId) }, { user: 'U0MALLORY' });
    expect(refused.json.errors?.[TARGET_INPUTS.database]).toMatch(/ALLOWED_USER_IDS/);
    expect(await harness.app.context.store.channels.get(CHANNEL)).toBeUndefined();
    const allowed = await harness.driver.submitView(viewId, { [TARGET_INPUTS.link]: link(db.databaseId) });
    expect(allowed.json).toEqual({});
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.text.includes('now go to')), 'the announcement');
    expect((await harness.app.context.store.channels.get(CHANNEL))?.target).toEqual({ kind: 'database', databaseId: db.databaseId });
    // Clear goes back to the default, and says so in the channel.
    expect((await harness.driver.command('target clear')).reply().text).toMatch(/^Cleared: quotes from <#C0123456789> now go to the app's default/);
    expect(await harness.app.context.store.channels.get(CHANNEL)).toBeUndefined();
  });

  it('creates a database under a page chosen in the form, at the first upload', async () => {
    h = await startSlackApp({ env: { NOTION_PARENT_PAGE_ID: '' } });
    const harness = h;
    const page = harness.notion.addSharedPage('Client Acme');
    const viewId = await openForm(harness, CHANNEL);
    const pages = (await harness.driver.blockSuggestion(viewId, TARGET_INPUTS.parent, 'client')).options.options!;
    expect(pages.map((o) => [o.text.text, o.value])).toEqual([['Client Acme', page]]);
    expect((await harness.driver.submitView(viewId, { [TARGET_INPUTS.parent]: { value: page, text: 'Client Acme' } })).json).toEqual({});
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.text.includes('now go to')), 'the announcement');
    expect(harness.slack.messages.find((m) => m.text.includes('now go to'))!.text).toMatch(/now go to a database "Quotes" under <https:\/\/www\.notion\.so\/[0-9a-f]{32}\|Client Acme>/);
    expect((await upload(harness, CHANNEL, 'q.csv', makeQuoteRecords(6, 5))).report).toMatchObject({ state: 'done', written: 6 });
    expect(harness.notion.databaseTitles()).toEqual(['Quotes']);
  });

  it('pushes Gumloop quotes to the channel the route names, with its target; refuses a channel it is not in', async () => {
    const secret = 'gumloop-secret-0123456789';
    h = await startSlackApp({ slack: { channels: [CHANNEL, OTHER] }, env: { GUMLOOP_WEBHOOK_SECRET: secret } });
    const harness = h;
    const db = personsDatabase(harness.notion, 'Pushed quotes');
    await harness.driver.command(`target ${link(db.databaseId)}`, { channel: OTHER });
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.text.includes('now go to')), 'the announcement');
    const push = (query: string) =>
      fetch(`${harness.driver.appUrl}/gumloop/quotes${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(makeQuoteRecords(4, 77)),
      });
    const res = await push(`?channel=${OTHER}`);
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as { job_id: string };
    await harness.app.context.jobs.finished(job_id);
    expect(quoteIds(harness.notion, db.dataSourceId)).toHaveLength(4);
    expect(harness.slack.messages.some((m) => m.channel === OTHER && m.history[0]!.includes('Gumloop pushed quotes'))).toBe(true);
    const outside = await push('?channel=C0NOTHERE00');
    expect(outside.status).toBe(400);
    expect(((await outside.json()) as { error: string }).error).toMatch(/not in the channel C0NOTHERE00/);
    expect((await push('?channel=general')).status).toBe(400);
    // Neither a channel in the URL nor GUMLOOP_CHANNEL_ID: the caller is told what to add.
    expect(((await (await push('')).json()) as { error: string }).error).toMatch(/\?channel=/);
  });

  it('lists every channel\'s target on the Home tab with its health and a Change button that opens the form', async () => {
    h = await startSlackApp({ slack: { channels: [CHANNEL, OTHER] } });
    const harness = h;
    const db = personsDatabase(harness.notion, 'Acme quotes');
    const gone = personsDatabase(harness.notion, 'Gone quotes');
    await harness.driver.command(`target ${link(db.databaseId)}`);
    await harness.driver.command(`target ${link(gone.databaseId)}`, { channel: OTHER });
    await harness.slack.waitFor(() => harness.slack.messages.filter((m) => m.text.includes('now go to')).length === 2, 'two announcements');
    await upload(harness, CHANNEL, 'a.csv', makeQuoteRecords(3, 9));
    harness.notion.unshareDatabase(gone.databaseId);
    await harness.driver.appHomeOpened();
    await harness.slack.waitFor(() => harness.slack.views.length > 0, 'the Home tab');
    const home = harness.slack.views.at(-1)!;
    const texts = home.view.blocks.map((b) => (b as { text?: { text?: string } }).text?.text ?? '');
    const acmeLine = texts.find((t) => t.startsWith(`<#${CHANNEL}>`))!;
    expect(acmeLine).toMatch(/→ <https:\/\/www\.notion\.so\/[0-9a-f]{32}\|Acme quotes> \(set by <@U0ALICE>\)\n:large_green_circle: can be opened · last written /);
    expect(texts.find((t) => t.startsWith(`<#${OTHER}>`))).toMatch(/:red_circle: .*not shared with the integration.*nothing written yet/s);
    const before = harness.slack.modals.size;
    await harness.driver.pressInView(home, 'target_change', OTHER);
    const modal = await harness.slack.modalOpened(before + 1);
    expect(JSON.parse(modal.view.private_metadata ?? '{}')).toMatchObject({ c: OTHER });
  });
});

describe.each(storeBackends().filter((b) => b.name === 'PostgreSQL'))('two replicas on $name', ({ fresh }) => {
  it('see a target set on the other at once', async () => {
    h = await startSlackApp({ dbPath: await fresh() });
    const harness = h;
    second = await startApp({ config: loadConfig(harness.env), logger: silentLogger, register, routes, updateIntervalMs: 0, fileSharedGraceMs: 30 });
    const otherDriver = new SlackDriver(`http://127.0.0.1:${second.port}`, harness.slack);
    const db = personsDatabase(harness.notion, 'Shared quotes');
    await otherDriver.command(`target ${link(db.databaseId)}`);
    await harness.slack.waitFor(() => harness.slack.messages.some((m) => m.text.includes('now go to')), 'the announcement');
    // The first replica takes the upload: it goes where the second replica set.
    expect((await upload(harness, CHANNEL, 'r.csv', makeQuoteRecords(5, 61))).report).toMatchObject({ written: 5 });
    expect(quoteIds(harness.notion, db.dataSourceId)).toHaveLength(5);
    expect((await harness.driver.command('target show')).reply().text).toContain('Shared quotes');
  });
});
