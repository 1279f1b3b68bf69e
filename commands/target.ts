/**
 * A channel's Notion target, chosen in Slack: `/sync-quotes target` (or Change on the Home tab)
 * opens the form (src/slack/targets/target-modal.ts); its selects ask Notion's search as the person types
 * (`block_suggestion`, answered through `app.options` within Slack's 3 s); choosing a database
 * shows its fields' mapping (`views.update`); Save checks the choice with Notion and answers
 * errors on the fields (`response_action: errors`), so a bad choice is never saved.
 * `/sync-quotes target <link>`, `target show` and `target clear` do the same without the form.
 */
import type { AllMiddlewareArgs, App, BlockAction, BlockSuggestion, ButtonAction, ExternalSelectAction, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/web-api';
import { slackErrorCode, slackFailure } from '../src/errors.js';
import { notionIdOf } from '../src/notion/links.js';
import { refusal } from '../src/slack/access.js';
import type { AppContext } from '../src/slack/app/app.js';
import { mappingOf, mappingProblem, type CheckedChoice } from '../src/slack/targets/channel-targets.js';
import type { SyncCommand } from '../src/slack/command-text.js';
import { readMappingValue, readMetadata, targetModal, TARGET_CHANGE_ACTION, TARGET_INPUTS, TARGET_VIEW } from '../src/slack/targets/target-modal.js';
import type { FoundTargets } from '../src/sync/target/notion-directory.js';
import type { CommandPlace } from './command-place.js';

type Client = AllMiddlewareArgs['client'];

/** Slack gives a submission 3 s; Notion's answer must come well inside them. */
const SUBMIT_CHECK_MS = 2_000;
/** A link set with the command, or a form's mapping being read, may wait longer: nobody is timed. */
const BACKGROUND_CHECK_MS = 15_000;
/** Values of the picker's lines that are not a choice ("Searching…"). */
const NOT_A_CHOICE = '!';

export function register(app: App, context: AppContext): void {
  app.options<'block_suggestion'>({ action_id: TARGET_INPUTS.database }, async ({ ack, body }) => {
    await ack({ options: pickerOptions(await context.directory.find('data_source', body.value, (body as BlockSuggestion).user.id), 'database') });
  });
  app.options<'block_suggestion'>({ action_id: TARGET_INPUTS.parent }, async ({ ack, body }) => {
    await ack({ options: pickerOptions(await context.directory.find('page', body.value, (body as BlockSuggestion).user.id), 'page') });
  });
  // A database chosen in the form: its fields' mapping replaces the form's last part.
  app.action<BlockAction<ExternalSelectAction>>({ type: 'block_actions', action_id: TARGET_INPUTS.database }, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const metadata = readMetadata(view?.private_metadata);
    const chosen = action.selected_option;
    if (!view || !metadata || !chosen?.value || chosen.value.startsWith(NOT_A_CHOICE)) return;
    await showMapping(client, { id: view.id, hash: view.hash }, metadata.c, { id: chosen.value, title: chosen.text.text }, context);
  });
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: TARGET_CHANGE_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    await openForm(client, body.trigger_id, action.value ?? '', context);
  });
  app.view<ViewSubmitAction>(TARGET_VIEW, (args) => submitForm(args, context));
}

/** `/sync-quotes target …`. `ack` must go within 3 s; the form's trigger is good for 3 s too. */
export async function handleTargetCommand(
  request: Extract<SyncCommand, { kind: 'target' }>,
  where: CommandPlace & { triggerId: string; client: Client },
  /** Acks the command: with a private reply, or (no text) with nothing shown. */
  privately: (text?: string) => Promise<void>,
  context: AppContext,
): Promise<void> {
  const { targets, config } = context;
  if (request.action === 'show') return privately(await targets.describe(where.channel));
  const refused = refusal(config.access, { userId: where.user, channelId: where.channel });
  if (refused) return privately(refused);
  if (request.action === 'clear') return privately(await targets.clear(where.channel, where.user));
  if (request.action !== 'set') {
    await privately();
    return openForm(where.client, where.triggerId, where.channel, context, where.respond);
  }
  const id = notionIdOf(request.link);
  if (!id) return privately(`"${request.link.slice(0, 80)}" is not a Notion link. In Notion, open the database, choose ••• → Copy link, and paste it here.`);
  await privately('Checking it with Notion…');
  const found = await targets.inspect(id, BACKGROUND_CHECK_MS);
  if (!found.ok) return where.respond(`:x: ${found.message} Nothing was changed.`);
  await where.respond(await targets.save(where.channel, found, where.user));
}

/** Opens the form for the channel; when the channel has a database, its mapping follows as soon as Notion answers. */
async function openForm(client: Client, triggerId: string, channel: string, context: AppContext, tell?: (text: string) => Promise<void>): Promise<void> {
  const { store, targets, logger } = context;
  const own = await store.channels.get(channel);
  const now = await targets.nowWords(channel);
  const selected = own?.target.kind === 'database' ? { id: own.target.databaseId, title: own.title } : undefined;
  const view = targetModal({ channel, now, ...(selected ? { selected, mappingNote: 'Reading the database’s properties…' } : {}) });
  let opened: { id: string; hash: string } | undefined;
  try {
    const result = await client.views.open({ trigger_id: triggerId, view });
    opened = result.view?.id && result.view.hash ? { id: result.view.id, hash: result.view.hash } : undefined;
  } catch (error) {
    logger.warn({ channel, error: slackFailure(error) }, 'could not open the target form');
    const code = slackErrorCode(error);
    await tell?.(
      code === 'expired_trigger_id'
        ? 'Slack gave up waiting for the form (it must open within 3 s). Type `/sync-quotes target` again, or `/sync-quotes target <notion link>`.'
        : `Slack did not open the form (${code ?? 'no answer'}). \`/sync-quotes target <notion link>\` sets the target without it.`,
    );
    return;
  }
  if (opened && selected) await showMapping(client, opened, channel, selected, context);
}

/** Reads the database and shows its fields' mapping in the form (`views.update`, guarded by the view's hash). */
async function showMapping(client: Client, view: { id: string; hash: string }, channel: string, selected: { id: string; title: string }, context: AppContext): Promise<void> {
  const { targets, logger } = context;
  const found = await targets.inspect(selected.id, BACKGROUND_CHECK_MS);
  const now = await targets.nowWords(channel);
  let next: ModalView;
  if (found.ok && found.kind === 'database') {
    const [fields, maps] = await Promise.all([targets.mappingFields(channel), targets.mapsFor(found.databaseId)]);
    next = targetModal({
      channel,
      now,
      selected: { id: found.databaseId, title: found.title },
      mapping: { url: found.url, title: found.title, properties: found.properties, fields, maps },
    });
  } else {
    next = targetModal({ channel, now, selected, mappingNote: found.ok ? 'That is a page, not a database.' : found.message });
  }
  try {
    await client.views.update({ view_id: view.id, hash: view.hash, view: next });
  } catch (error) {
    // hash_conflict: the person changed the form meanwhile; their latest choice brings its own update.
    logger.info({ channel, error: slackFailure(error) }, 'the target form was not updated');
  }
}

/** The picker's options: what Notion's search found, or one line saying why there is nothing yet. */
function pickerOptions(found: FoundTargets, what: 'database' | 'page') {
  const options = found.hits.slice(0, 100).map((h) => ({
    text: { type: 'plain_text' as const, text: truncateOption(h.title || 'Untitled') },
    value: what === 'database' ? (h.databaseId ?? h.id) : h.id,
  }));
  if (options.length > 0) return options;
  const line = found.problem ?? (found.pending ? 'Searching Notion… type on, or wait a moment' : `No ${what} found that the integration can see`);
  return [{ text: { type: 'plain_text' as const, text: truncateOption(line) }, value: `${NOT_A_CHOICE}${found.pending ? 'searching' : 'none'}` }];
}

function truncateOption(text: string): string {
  return text.length > 75 ? `${text.slice(0, 74)}…` : text;
}

type Submission = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'> & { client: Client };

/** Save: every check runs before anything is kept; a problem is shown on its field and nothing is saved. */
async function submitForm({ ack, body, view, client }: Submission, context: AppContext): Promise<void> {
  const { config, targets, logger } = context;
  const metadata = readMetadata(view.private_metadata);
  if (!metadata) return void (await ack());
  const user = body.user.id;
  const errors = (errors: Record<string, string>) => ack({ response_action: 'errors', errors });
  const refused = refusal(config.access, { userId: user, channelId: metadata.c });
  if (refused) return void (await errors({ [TARGET_INPUTS.database]: refused }));
  const values = view.state.values;
  const link = values[TARGET_INPUTS.link]?.[TARGET_INPUTS.link]?.value?.trim() || undefined;
  const parent = values[TARGET_INPUTS.parent]?.[TARGET_INPUTS.parent]?.selected_option?.value ?? undefined;
  const selected = values[TARGET_INPUTS.database]?.[TARGET_INPUTS.database]?.selected_option?.value ?? undefined;
  // The select starts on the channel's database: a link or a page given beside it is the new choice.
  const database = selected !== undefined && selected === metadata.d && (link || parent) ? undefined : selected;
  const given = [database, link, parent].filter((v) => v !== undefined);
  if (given.length === 0) return void (await errors({ [TARGET_INPUTS.database]: 'Choose a database, paste a Notion link, or choose a page to create one under.' }));
  if (given.length > 1) {
    return void (await errors({ [link ? TARGET_INPUTS.link : TARGET_INPUTS.parent]: 'Choose one: a database, a link, or a page to create a database under.' }));
  }
  const field = database ? TARGET_INPUTS.database : link ? TARGET_INPUTS.link : TARGET_INPUTS.parent;
  const picked = database ?? parent;
  if (picked?.startsWith(NOT_A_CHOICE)) return void (await errors({ [field]: 'Choose one of the results, or paste a link.' }));
  const id = picked ?? notionIdOf(link ?? '');
  if (!id) return void (await errors({ [field]: 'That is not a Notion link. In Notion, choose ••• → Copy link, and paste it here.' }));
  const found = await targets.inspect(id, SUBMIT_CHECK_MS);
  if (!found.ok) return void (await errors({ [field]: found.message }));
  if (field === TARGET_INPUTS.parent && found.kind !== 'page') return void (await errors({ [field]: 'That is a database: choose it above instead.' }));
  const mapped = found.kind === 'database' && found.databaseId === metadata.d ? await checkMappings(found, metadata, values, context) : { maps: {} };
  if ('errors' in mapped) return void (await errors(mapped.errors));
  await ack();
  // The form has closed: the change is announced in the channel, and the person told if that failed.
  try {
    const said = await targets.save(metadata.c, found, user, mapped.maps);
    // Not announced in the channel (the bot is not in it): the person hears it in the app's messages.
    if (said.includes('I could not say so')) {
      await client.chat.postMessage({ channel: user, text: said }).catch((error: unknown) => logger.info({ error: slackFailure(error) }, 'could not tell the person'));
    }
  } catch (error) {
    logger.error({ err: error, channel: metadata.c }, 'could not save a channel target');
  }
}

/** The form's mappings as kept mappings, or an error on each field whose property cannot hold it. */
async function checkMappings(
  found: Extract<CheckedChoice, { kind: 'database' }>,
  metadata: NonNullable<ReturnType<typeof readMetadata>>,
  values: ViewSubmitAction['view']['state']['values'],
  context: AppContext,
): Promise<{ maps: Record<string, string> } | { errors: Record<string, string> }> {
  const fields = await context.targets.mappingFields(metadata.c);
  const maps: Record<string, string> = {};
  const errors: Record<string, string> = {};
  const taken = new Map<string, string>();
  (metadata.f ?? []).forEach((name, index) => {
    const block = `${TARGET_INPUTS.map}_${index}`;
    const choice = readMappingValue(values[block]?.[TARGET_INPUTS.map]?.selected_option?.value ?? undefined, found.properties);
    if (choice.kind === 'gone') return void (errors[block] = 'That property is no longer in the database. Choose again.');
    const mapping = mappingOf(choice);
    const summary = fields.find((f) => f.field === name) ?? { field: name, kind: 'rich_text' as const, quotes: 1 };
    const problem = mappingProblem(found.properties, summary, mapping);
    if (problem) return void (errors[block] = problem);
    if (choice.kind === 'property') {
      const other = taken.get(choice.name);
      if (other) return void (errors[block] = `"${choice.name}" already holds ${other}. Choose another property.`);
      taken.set(choice.name, name);
    }
    maps[name] = mapping;
  });
  return Object.keys(errors).length > 0 ? { errors } : { maps };
}
