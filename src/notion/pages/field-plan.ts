/**
 * Where each field of a batch goes in a Notion database, and what the database must gain for it.
 * The database is the person's: nothing is renamed, retyped or deleted. The quote text goes to
 * the title property whatever it is called; the id to `Quote ID` (added when missing). Every other
 * field goes, in this order, to the property a mapping names (`--map FIELD=PROPERTY`), to our own
 * property of that field, to a property whose name matches the field's loosely (case, spaces, `_`,
 * `-`, `.`, and for known fields the aliases input columns may have), or to a new property named
 * after the field, typed from the batch's values. A property that cannot hold the field (a formula,
 * a number for text) is passed over with a line saying so. Pure: no I/O.
 */
import { FIELD_ALIASES_BY_FIELD } from '../../quotes/field-names.js';
import { matchKey, propertyNameFor, type FieldSummary } from '../../quotes/extra-fields.js';
import type { QuoteField } from '../../quotes/field-names.js';
import { canHold, isWritableType, typeWord, whyNotWritable, type WritableType } from './property-values.js';
import { QUOTE_PROPERTY, quoteDatabaseProperties } from './schema.js';

/** A property of the database as the plan needs it. */
export interface SchemaProperty {
  name: string;
  type: string;
  /** Option names of a select, multi-select or status property. */
  options?: string[];
}

/** How a field found its property. */
export type FoundBy = 'schema' | 'name' | 'map' | 'new';

/** One field and the property it is written to. */
export interface PlannedField {
  field: string;
  known?: QuoteField;
  property: string;
  type: WritableType;
  by: FoundBy;
  /** The plan adds this property to the database. */
  added: boolean;
  quotes: number;
  /** Status options (only these can be set). */
  options?: string[];
  /** Why it did not go where a person might expect (a matching property that cannot hold it). */
  note?: string;
}

export interface FieldPlan {
  /** The title property (holds the quote text) and the `Quote ID` property. */
  titleProperty: string;
  entries: PlannedField[];
  /** Fields a mapping says not to write (MAP_SKIP), with their quotes. */
  skipped?: { field: string; quotes: number }[];
  /** What to send to `dataSources.update` (`properties`), when anything is to be added. */
  add?: Record<string, unknown>;
  /** Mappings that cannot be followed: nothing may be written until they change. */
  problems: string[];
}

/**
 * Two mappings that name no property: the field is not written, or it gets a property of its own
 * even where one of a matching name exists. Chosen in Slack's target form; the control character
 * keeps them from ever meaning a property a person named.
 */
export const MAP_SKIP = '\u0001skip';
export const MAP_NEW = '\u0001new';

/** A mapping as a person reads it. */
export function mappingWord(property: string): string {
  return property === MAP_SKIP ? "don't write" : property === MAP_NEW ? 'a property of its own' : `"${property}"`;
}

/** Our own schema's property of each known field. */
const OUR_PROPERTY: Readonly<Record<QuoteField, string>> = {
  text: QUOTE_PROPERTY.text,
  category: QUOTE_PROPERTY.category,
  sentiment: QUOTE_PROPERTY.sentiment,
  relevanceScore: QUOTE_PROPERTY.relevance,
  relevanceJustification: QUOTE_PROPERTY.justification,
  redditUrl: QUOTE_PROPERTY.redditUrl,
  subreddit: QUOTE_PROPERTY.subreddit,
  postTitle: QUOTE_PROPERTY.postTitle,
  insertedAt: QUOTE_PROPERTY.dateAdded,
  id: QUOTE_PROPERTY.id,
};

/** The suffix of a new property whose natural name an unsuitable property already has. */
const OWN_PROPERTY_SUFFIX = ' (input)';

function schemaOf(type: WritableType, known: QuoteField | undefined): Record<string, unknown> {
  const ours = known ? (quoteDatabaseProperties() as Record<string, Record<string, unknown>>)[OUR_PROPERTY[known]] : undefined;
  if (ours && ours.type === type) return ours;
  if (type === 'number') return { type, number: { format: 'number' } };
  if (type === 'select' || type === 'multi_select') return { type, [type]: { options: [] } };
  return { type, [type]: {} };
}

/**
 * Whether a property can hold a field: its values' kind, or (values of several kinds) one of
 * them, the others then said per quote. So a property made for numbers keeps its field when a
 * later batch brings a word among the numbers: the mapping stays stable.
 */
function holds(type: string, summary: FieldSummary): boolean {
  if (summary.known === 'category' || summary.known === 'sentiment' || summary.known === 'subreddit') {
    return type === 'select' || type === 'multi_select' || type === 'rich_text' || type === 'status';
  }
  return canHold(type, summary.kind) || (summary.kinds ?? []).some((kind) => canHold(type, kind));
}

/** Whether a field can be mapped to this property: writable, able to hold its values, and neither the title nor `Quote ID`. */
export function canMapTo(p: SchemaProperty, summary: FieldSummary): boolean {
  return p.type !== 'title' && p.name !== QUOTE_PROPERTY.id && isWritableType(p.type) && holds(p.type, summary);
}

function describe(p: SchemaProperty): string {
  return `"${p.name}" is a ${typeWord(p.type)} property`;
}

/** The type of the property a field gets when it has none. */
function newType(summary: FieldSummary): WritableType {
  if (summary.known) return (quoteDatabaseProperties() as Record<string, { type: WritableType }>)[OUR_PROPERTY[summary.known]]!.type;
  // Each kind of value is the name of the property type that holds it.
  return summary.kind;
}

/**
 * The plan for a batch's fields in a database with these properties. `maps`: field → property,
 * the explicit ones of this job over those remembered for the database. A mapping that cannot be
 * followed is a problem: the job must not write until it is changed.
 */
export function planFields(properties: readonly SchemaProperty[], fields: readonly FieldSummary[], maps: Readonly<Record<string, string>> = {}): FieldPlan {
  const problems: string[] = [];
  const entries: PlannedField[] = [];
  const skips: { field: string; quotes: number }[] = [];
  const add: Record<string, unknown> = {};
  const byName = new Map(properties.map((p) => [p.name, p]));
  const taken = new Set<string>();
  const mapFor = mapLookup(maps);

  const title = properties.find((p) => p.type === 'title');
  if (!title) problems.push('The database has no title property.');
  const titleName = title?.name ?? QUOTE_PROPERTY.text;
  taken.add(titleName);
  const idProperty = byName.get(QUOTE_PROPERTY.id);
  if (idProperty && idProperty.type !== 'rich_text') {
    problems.push(
      `The database's property "${QUOTE_PROPERTY.id}" is a ${typeWord(idProperty.type)} property; Quote Sync keeps each quote's id there and needs a text property. Rename it or pick another database.`,
    );
  }
  taken.add(QUOTE_PROPERTY.id);

  // Explicit mappings first: they take their properties before any name is matched.
  const mapped = new Map<string, PlannedField>();
  const skipped = new Set<string>();
  const ownProperty = new Set<string>();
  for (const summary of fields) {
    const wanted = mapFor(summary);
    if (wanted === undefined) continue;
    const at = `--map ${wanted.field}=${wanted.property}`;
    if (summary.known === 'text' || summary.known === 'id') {
      if (wanted.property !== (summary.known === 'text' ? titleName : QUOTE_PROPERTY.id)) {
        problems.push(`${at}: ${summary.known === 'text' ? `the quote text always goes to the title property, "${titleName}"` : `the quote id always goes to "${QUOTE_PROPERTY.id}"`}.`);
      }
      continue;
    }
    if (wanted.property === MAP_SKIP || wanted.property === MAP_NEW) {
      (wanted.property === MAP_SKIP ? skipped : ownProperty).add(summary.field);
      continue;
    }
    const p = byName.get(wanted.property) ?? properties.find((q) => q.name.toLowerCase() === wanted.property.toLowerCase());
    if (!p) {
      problems.push(`${at}: the database has no property "${wanted.property}" (it has ${properties.map((q) => `"${q.name}"`).join(', ')}).`);
    } else if (p.name === titleName || p.name === QUOTE_PROPERTY.id) {
      problems.push(`${at}: ${describe(p)} that holds the quote ${p.name === titleName ? 'text' : 'id'}.`);
    } else if (!isWritableType(p.type) || !holds(p.type, summary)) {
      problems.push(
        `${at}: ${describe(p)}, ${isWritableType(p.type) ? `which cannot hold ${summary.field}'s ${kindWord(summary)}` : whyNotWritable(p.type)}; map ${summary.field} to another property.`,
      );
    } else if (taken.has(p.name)) {
      problems.push(`${at}: "${p.name}" already holds another field.`);
    } else {
      taken.add(p.name);
      mapped.set(summary.field, entry(summary, p, 'map'));
    }
  }

  for (const summary of fields) {
    if (summary.known === 'text') {
      entries.push({ field: summary.field, known: 'text', property: titleName, type: 'title', by: titleName === QUOTE_PROPERTY.text ? 'schema' : 'name', added: false, quotes: summary.quotes });
      continue;
    }
    if (summary.known === 'id') {
      entries.push({ field: summary.field, known: 'id', property: QUOTE_PROPERTY.id, type: 'rich_text', by: idProperty ? 'schema' : 'new', added: !idProperty, quotes: summary.quotes });
      if (!idProperty) add[QUOTE_PROPERTY.id] = schemaOf('rich_text', 'id');
      continue;
    }
    const explicit = mapped.get(summary.field);
    if (explicit) {
      entries.push(explicit);
      continue;
    }
    if (summary.quotes === 0) continue;
    if (skipped.has(summary.field)) {
      skips.push({ field: summary.field, quotes: summary.quotes });
      continue;
    }
    let passedOver: SchemaProperty | undefined;
    let found: PlannedField | undefined;
    for (const candidate of ownProperty.has(summary.field) ? [] : candidateNames(summary)) {
      const key = matchKey(candidate);
      for (const p of properties) {
        if (taken.has(p.name) || matchKey(p.name) !== key) continue;
        if (isWritableType(p.type) && holds(p.type, summary)) {
          found = entry(summary, p, summary.known && p.name === OUR_PROPERTY[summary.known] ? 'schema' : 'name');
          break;
        }
        passedOver ??= p;
      }
      if (found) break;
    }
    if (!found) {
      const type = newType(summary);
      const natural = summary.known ? OUR_PROPERTY[summary.known] : propertyNameFor(summary.field);
      let name = natural;
      for (let n = 1; byName.has(name) || taken.has(name) || name in add; n++) {
        const existing = byName.get(name);
        // Our own earlier property of it; for a field given a property of its own, never the natural name's (a person's).
        if (existing && !taken.has(name) && existing.type === type && !(name === natural && ownProperty.has(summary.field))) break;
        name = `${natural}${OWN_PROPERTY_SUFFIX}${n > 1 ? ` ${n}` : ''}`;
      }
      const existing = byName.get(name);
      if (existing) found = entry(summary, existing, 'name');
      else {
        add[name] = schemaOf(type, summary.known);
        found = { field: summary.field, ...(summary.known ? { known: summary.known } : {}), property: name, type, by: 'new', added: true, quotes: summary.quotes };
      }
      passedOver ??= natural !== name ? byName.get(natural) : undefined;
    }
    if (passedOver && passedOver.name !== found.property && !ownProperty.has(summary.field)) {
      found.note = `${describe(passedOver)}, ${isWritableType(passedOver.type) ? `which cannot hold its ${kindWord(summary)}` : whyNotWritable(passedOver.type)}`;
    }
    taken.add(found.property);
    entries.push(found);
  }
  return { titleProperty: titleName, entries, ...(skips.length ? { skipped: skips } : {}), ...(Object.keys(add).length ? { add } : {}), problems };
}

function entry(summary: FieldSummary, p: SchemaProperty, by: FoundBy): PlannedField {
  return {
    field: summary.field,
    ...(summary.known ? { known: summary.known } : {}),
    property: p.name,
    type: p.type as WritableType,
    by,
    added: false,
    quotes: summary.quotes,
    ...(p.type === 'status' && p.options ? { options: p.options } : {}),
  };
}

function kindWord(summary: FieldSummary): string {
  if (summary.known === 'category' || summary.known === 'sentiment' || summary.known === 'subreddit') return 'names';
  return { number: 'numbers', checkbox: 'true/false values', url: 'links', date: 'dates', multi_select: 'lists', rich_text: 'text' }[summary.kind];
}

/** The names a field may go by: for a known field our property, its label and every alias; else its own name. */
function candidateNames(summary: FieldSummary): string[] {
  if (!summary.known) return [summary.field];
  return [OUR_PROPERTY[summary.known], summary.field, ...(FIELD_ALIASES_BY_FIELD.get(summary.known) ?? [])];
}

/** A mapping's field matched to a batch's field by its label, an alias or (extra fields) loosely by name. */
function mapLookup(maps: Readonly<Record<string, string>>): (summary: FieldSummary) => { field: string; property: string } | undefined {
  const byKey = new Map(Object.entries(maps).map(([field, property]) => [matchKey(field), { field, property }]));
  return (summary) => {
    for (const name of summary.known ? [summary.field, ...(FIELD_ALIASES_BY_FIELD.get(summary.known) ?? [])] : [summary.field]) {
      const found = byKey.get(matchKey(name));
      if (found) return found;
    }
    return undefined;
  };
}

/** The plan for a database Quote Sync made, before any extra field: our ten properties. */
export function ourSchemaProperties(): SchemaProperty[] {
  return Object.entries(quoteDatabaseProperties()).map(([name, p]) => ({ name, type: (p as { type: string }).type }));
}
