/** The quotes database schema (DESIGN.md's contract): the properties of a database Quote Sync creates. */
import type { CreateDatabaseParameters } from '@notionhq/client';

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
