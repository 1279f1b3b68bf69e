/** The quotes database schema (DESIGN.md's contract) and what to add to an existing database. */
import type { CreateDatabaseParameters, UpdateDataSourceParameters } from '@notionhq/client';

export const QUOTE_PROPERTY = {
  text: 'Quote',
  category: 'Category',
  sentiment: 'Sentiment',
  relevance: 'Relevance',
  justification: 'Justification',
  redditUrl: 'Reddit URL',
  subreddit: 'Subreddit',
  postTitle: 'Post Title',
  dateAdded: 'Date Added',
  id: 'Quote ID',
} as const;

type PropertySchemas = NonNullable<NonNullable<CreateDatabaseParameters['initial_data_source']>['properties']>;
type PropertyUpdates = NonNullable<UpdateDataSourceParameters['properties']>;

const TYPE_NAMES: Record<string, string> = {
  title: 'title',
  rich_text: 'text',
  select: 'select',
  number: 'number',
  url: 'URL',
  date: 'date',
};

/** Every property of a quotes database, as `initial_data_source.properties` of `databases.create`. */
export function quoteDatabaseProperties(): PropertySchemas {
  return {
    [QUOTE_PROPERTY.text]: { type: 'title', title: {} },
    [QUOTE_PROPERTY.category]: { type: 'select', select: { options: [] } },
    [QUOTE_PROPERTY.sentiment]: {
      type: 'select',
      select: {
        options: [
          { name: 'positive', color: 'green' },
          { name: 'negative', color: 'red' },
          { name: 'neutral', color: 'gray' },
          { name: 'mixed', color: 'yellow' },
        ],
      },
    },
    [QUOTE_PROPERTY.relevance]: { type: 'number', number: { format: 'number' } },
    [QUOTE_PROPERTY.justification]: { type: 'rich_text', rich_text: {} },
    [QUOTE_PROPERTY.redditUrl]: { type: 'url', url: {} },
    [QUOTE_PROPERTY.subreddit]: { type: 'select', select: { options: [] } },
    [QUOTE_PROPERTY.postTitle]: { type: 'rich_text', rich_text: {} },
    [QUOTE_PROPERTY.dateAdded]: { type: 'date', date: {} },
    [QUOTE_PROPERTY.id]: { type: 'rich_text', rich_text: {} },
  };
}

export interface ExistingProperty {
  id: string;
  name: string;
  type: string;
}

export interface SchemaPlan {
  /** What to send to `dataSources.update`, when anything is missing. */
  update?: PropertyUpdates;
  /** For a message: what the update does. */
  summary: string;
  /** Properties with our names but other types: sentences a person can act on. */
  problems: string[];
}

/**
 * What an existing database lacks. Every database has exactly one title property: if it has
 * another name, it is renamed to `Quote` (the title must hold the quote, and the schema's names
 * are a contract other tools read). Missing properties are added; a property with one of our
 * names but another type is a problem, never changed.
 */
export function planSchemaUpdate(existing: readonly ExistingProperty[]): SchemaPlan {
  const wanted = quoteDatabaseProperties();
  const byName = new Map(existing.map((p) => [p.name, p]));
  const update: PropertyUpdates = {};
  const added: string[] = [];
  const problems: string[] = [];
  let renamed: string | undefined;

  const title = existing.find((p) => p.type === 'title');
  if (title && title.name !== QUOTE_PROPERTY.text) {
    if (byName.has(QUOTE_PROPERTY.text)) {
      problems.push(
        `The database's title property is "${title.name}" and it also has a "${QUOTE_PROPERTY.text}" property that is not the title. Rename that one, then try again.`,
      );
    } else {
      update[title.name] = { name: QUOTE_PROPERTY.text };
      renamed = title.name;
    }
  }

  for (const [name, schema] of Object.entries(wanted)) {
    const want = (schema as { type: string }).type;
    if (want === 'title') continue;
    const have = byName.get(name);
    if (!have) {
      update[name] = schema as PropertyUpdates[string];
      added.push(name);
    } else if (have.type !== want) {
      problems.push(
        `The database's property "${name}" is a ${TYPE_NAMES[have.type] ?? have.type} property; Quote Sync needs a ${TYPE_NAMES[want]} property there. Rename it or pick another database.`,
      );
    }
  }

  const parts: string[] = [];
  if (added.length) parts.push(`the propert${added.length === 1 ? 'y' : 'ies'} ${added.map((n) => `"${n}"`).join(', ')}`);
  if (renamed) parts.push(`renamed the title "${renamed}" to "${QUOTE_PROPERTY.text}"`);
  return {
    ...(Object.keys(update).length > 0 ? { update } : {}),
    summary: parts.join(' and '),
    problems,
  };
}
