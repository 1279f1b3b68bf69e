/**
 * The form a person chooses a channel's Notion target in (`/sync-quotes target`, or Change on the
 * Home tab): a searchable select of the databases the integration can see, a pasted link, or a
 * page to create a database under; then, for the chosen database, a select per field of the
 * properties that can hold it. Pure: the listeners (commands/target.ts) gather what it shows.
 *
 * Slack's limits (Block Kit reference, docs.slack.dev): a modal holds at most 100 blocks, its
 * title and buttons 24 characters, `private_metadata` 3000; a static select at most 100 options,
 * each option's text 75 characters and value 150.
 */
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/web-api';
import { canMapTo, MAP_NEW, MAP_SKIP } from '../../notion/pages/field-plan.js';
import type { PropertyInfo } from '../../notion/responses.js';
import { typeWord } from '../../notion/pages/property-values.js';
import type { FieldSummary } from '../../quotes/extra-fields.js';
import { context, escapeMrkdwn, section, truncate } from '../blocks.js';
import type { MappingChoice } from './channel-targets.js';

export const TARGET_VIEW = 'quote_sync_target';
/** Block ids and action ids of the form (each input's block and action share a name). */
export const TARGET_INPUTS = { database: 'target_database', link: 'target_link', parent: 'target_parent', map: 'target_map' } as const;
/** The Home tab's button that opens the form for a channel (its value). */
export const TARGET_CHANGE_ACTION = 'target_change';

const MAX_METADATA_CHARS = 3000;
const MAX_OPTIONS = 100;
const OPTION_TEXT_CHARS = 75;
const LABEL_CHARS = 2000;

/** What the form carries from one step to the next (Slack gives it back on every action). */
export interface TargetFormMetadata {
  /** The channel whose target this is. */
  c: string;
  /** The database selected when the form was drawn: the mapping blocks are for it. */
  d?: string;
  /** The fields of those blocks, by block index. */
  f?: string[];
}

export interface TargetFormInput {
  channel: string;
  /** How the channel's target reads now ("<link|Acme quotes>", or the default's words). */
  now: string;
  /** The database selected (the channel's, or the one just chosen). */
  selected?: { id: string; title: string };
  /** The selected database's properties and the mapping of each field, once Notion told them. */
  mapping?: { url: string; title: string; properties: PropertyInfo[]; fields: FieldSummary[]; maps: Record<string, string> };
  /** A sentence in place of the mapping (say, "Reading the database…" or why it cannot be read). */
  mappingNote?: string;
}

export function targetModal(input: TargetFormInput): ModalView {
  const blocks: KnownBlock[] = [
    section(`Quotes synced in <#${input.channel}> go to ${input.now}.`),
    searchInput(TARGET_INPUTS.database, 'A Notion database', 'Only databases shared with the integration are listed (in Notion: ••• → Connections).', 'Search your Notion databases', input.selected),
    {
      type: 'input',
      block_id: TARGET_INPUTS.link,
      optional: true,
      label: { type: 'plain_text', text: '…or paste a Notion link' },
      element: { type: 'plain_text_input', action_id: TARGET_INPUTS.link, placeholder: { type: 'plain_text', text: 'https://www.notion.so/…' } },
    },
    searchInput(TARGET_INPUTS.parent, '…or create a new database under a page', 'Quote Sync creates it there at the first sync, with its own properties.', 'Search your Notion pages'),
    { type: 'divider' },
  ];
  const metadata: TargetFormMetadata = { c: input.channel, ...(input.selected ? { d: input.selected.id } : {}) };
  if (input.mapping) {
    const { mapping } = input;
    blocks.push(
      section(`*Fields in <${mapping.url}|${escapeMrkdwn(truncate(mapping.title, 80)).replace(/\|/g, '¦')}>*`),
      context('Automatic: the property of the same name that can hold it, or a new one. Only properties that can hold a field are offered.'),
    );
    const fields: string[] = [];
    for (const field of mapping.fields) {
      // The fields' names ride in the metadata, which Slack caps: the form maps as many as fit.
      if (JSON.stringify({ ...metadata, f: [...fields, field.field] }).length > MAX_METADATA_CHARS) break;
      fields.push(field.field);
      blocks.push(mappingBlock(fields.length - 1, field, mapping.properties, mapping.maps[field.field]));
    }
    metadata.f = fields;
  } else {
    blocks.push(context(input.mappingNote ?? 'Choose a database to map its fields to its properties.'));
  }
  return {
    type: 'modal',
    callback_id: TARGET_VIEW,
    title: { type: 'plain_text', text: 'Where quotes go' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** A select whose options Notion's search gives as the person types (`external_select`, listed before any key). */
function searchInput(id: string, label: string, hint: string, placeholder: string, initial?: { id: string; title: string }): KnownBlock {
  return {
    type: 'input',
    block_id: id,
    optional: true,
    // The database select tells the app at once, so the form can show that database's fields.
    ...(id === TARGET_INPUTS.database ? { dispatch_action: true } : {}),
    label: { type: 'plain_text', text: label },
    hint: { type: 'plain_text', text: hint },
    element: {
      type: 'external_select',
      action_id: id,
      min_query_length: 0,
      placeholder: { type: 'plain_text', text: placeholder },
      ...(initial ? { initial_option: option(initial.title, initial.id) } : {}),
    },
  };
}

function option(text: string, value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(text || 'Untitled', OPTION_TEXT_CHARS) }, value };
}

/** Values of a mapping select. */
const AUTO = 'auto';
const SKIP = 'skip';
const NEW = 'new';

function mappingBlock(index: number, field: FieldSummary, properties: readonly PropertyInfo[], kept: string | undefined): KnownBlock {
  const fixed = [option('Automatic', AUTO), option("Don't write", SKIP), option('Add a property of its own', NEW)];
  const fitting = properties.filter((p) => canMapTo(p, field)).map((p) => option(`${p.name} (${typeWord(p.type)})`, `p:${p.id}`));
  const options = [...fixed, ...fitting].slice(0, MAX_OPTIONS);
  const initialValue = kept === undefined ? AUTO : kept === MAP_SKIP ? SKIP : kept === MAP_NEW ? NEW : `p:${properties.find((p) => p.name === kept)?.id ?? ''}`;
  const initial = options.find((o) => o.value === initialValue) ?? options[0]!;
  return {
    type: 'input',
    block_id: `${TARGET_INPUTS.map}_${index}`,
    optional: true,
    label: { type: 'plain_text', text: truncate(field.field, LABEL_CHARS) },
    element: { type: 'static_select', action_id: TARGET_INPUTS.map, options, initial_option: initial },
  };
}

/** A mapping select's value as a choice; a property by its id, among the database's properties now. */
export function readMappingValue(value: string | undefined, properties: readonly PropertyInfo[]): MappingChoice | { kind: 'gone' } {
  if (value === undefined || value === AUTO) return { kind: 'auto' };
  if (value === SKIP) return { kind: 'skip' };
  if (value === NEW) return { kind: 'new' };
  const p = properties.find((q) => `p:${q.id}` === value);
  return p ? { kind: 'property', name: p.name } : { kind: 'gone' };
}

/** The form's metadata, or undefined when it is not the form's. */
export function readMetadata(text: string | undefined): TargetFormMetadata | undefined {
  try {
    const m = JSON.parse(text ?? '') as Partial<TargetFormMetadata>;
    return typeof m.c === 'string' ? (m as TargetFormMetadata) : undefined;
  } catch {
    return undefined;
  }
}
