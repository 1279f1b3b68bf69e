/**
 * The benchmark's quotes with fields beyond the ten Quote Sync knows, as a Gumloop flow adds them:
 * who wrote the comment and its link, its votes, tags, a persona and pain point an LLM step drew,
 * whether the author is the post's, and the post's comment count. Deterministic: same records and
 * seed, same values. The CSV spells a list as the not-written CSV does (`["a","b"]`), a boolean
 * `true`/`false`; in JSON they are a list and a boolean, and the comment count sits in `post`.
 */
import Papa from 'papaparse';
import { escapeCell } from '../src/quotes/cells.js';
import { FLAT_CSV_COLUMNS, type QuoteRecord } from '../test/support/quote-factory.js';
import { seededRandom } from '../test/support/random.js';

/** The extra fields, as the CSV's columns (and the JSON's keys, `post.num_comments` nested). */
export const EXTRA_COLUMNS = ['comment_url', 'author', 'upvotes', 'tags', 'persona', 'pain_point', 'is_op', 'post.num_comments'] as const;

export interface ExtraValues {
  comment_url: string;
  author: string;
  upvotes: number;
  tags: string[];
  persona: string;
  pain_point: string;
  is_op: boolean;
  num_comments: number;
}

export type QuoteRecordWithExtras = Omit<QuoteRecord, 'post'> & {
  comment_url: string;
  author: string;
  upvotes: number;
  tags: string[];
  persona: string;
  pain_point: string;
  is_op: boolean;
  post: QuoteRecord['post'] & { num_comments: number };
};

const NAME_PARTS = ['quiet', 'rusty', 'lazy', 'brave', 'pixel', 'cloud', 'coffee', 'night', 'solo', 'data', 'agile', 'indie'];
const NAME_ENDS = ['founder', 'dev', 'pm', 'ops', 'otter', 'fox', 'builder', 'hacker', 'panda', 'marketer', 'admin', 'nomad'];
const TAGS = ['pricing', 'onboarding', 'support', 'churn', 'integrations', 'performance', 'mobile', 'export', 'competitor', 'security', 'billing', 'ux'];
const PERSONAS = ['Solo founder', 'Startup CTO', 'Ops manager at an agency', 'Freelance designer', 'Product manager', 'IT admin at a mid-size company', 'Growth marketer'];
const PAIN_POINTS = [
  'Per-seat pricing grows faster than the team does.',
  'Importing an existing backlog runs into API limits.',
  'Support takes days to answer billing questions.',
  'Search is too slow to find last month’s notes.',
  'Exports break on cells that contain commas.',
  'Permissions do not fit contractors who come and go.',
  'The mobile app crashes when attaching photos.',
  'No status updates during an outage.',
];

/** The extra values of each record, from `seed`: the same for the CSV and the JSON. */
export function extraValues(records: readonly QuoteRecord[], seed: number): ExtraValues[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const comments = new Map<string, number>();
  return records.map((r, i) => {
    const tags = new Set<string>();
    const want = 2 + Math.floor(random() * 2);
    while (tags.size < want) tags.add(pick(TAGS));
    // One count per post, as the post's own figure.
    let numComments = comments.get(r.post.url);
    if (numComments === undefined) comments.set(r.post.url, (numComments = 3 + Math.floor(random() * 400)));
    return {
      comment_url: `${r.post.url}c${(seed * 100_003 + i).toString(36)}/`,
      author: `${pick(NAME_PARTS)}_${pick(NAME_ENDS)}${Math.floor(random() * 1000)}`,
      upvotes: Math.floor(random() ** 3 * 2000),
      tags: [...tags],
      persona: pick(PERSONAS),
      pain_point: pick(PAIN_POINTS),
      is_op: random() < 0.15,
      num_comments: numComments,
    };
  });
}

/** The records with their extra fields, for a JSON file: `post.num_comments` nested in `post`. */
export function withExtraFields(records: readonly QuoteRecord[], seed: number): QuoteRecordWithExtras[] {
  const extras = extraValues(records, seed);
  return records.map((r, i) => {
    const { num_comments, ...flat } = extras[i]!;
    return { ...r, ...flat, post: { ...r.post, num_comments } };
  });
}

/**
 * The records as `recordsToCsv` writes them (`FLAT_CSV_COLUMNS`, cells formula-escaped, `\n` line
 * ends) plus the `EXTRA_COLUMNS`.
 */
export function recordsToCsvWithExtras(records: readonly QuoteRecord[], seed: number): string {
  const extras = extraValues(records, seed);
  return Papa.unparse(
    {
      fields: [...FLAT_CSV_COLUMNS, ...EXTRA_COLUMNS],
      data: records.map((r, i) => {
        const x = extras[i]!;
        return [
          r.text,
          r.category,
          r.sentiment,
          String(r.relevance_score),
          r.relevance_justification,
          r.post.url,
          r.post.subreddit,
          r.post.title,
          r.inserted_at,
          x.comment_url,
          x.author,
          String(x.upvotes),
          JSON.stringify(x.tags),
          x.persona,
          x.pain_point,
          String(x.is_op),
          String(x.num_comments),
        ].map(escapeCell);
      }),
    },
    { newline: '\n' },
  );
}

/** The value of one extra field in `ExtraValues`, by its name in the input. */
export function expectedValue(values: ExtraValues, field: (typeof EXTRA_COLUMNS)[number]): unknown {
  return field === 'post.num_comments' ? values.num_comments : values[field];
}

/** A page property as the API answers it, as a plain value: text joined, options by name. */
export function plainValue(property: unknown): unknown {
  const p = property as { type: string } & Record<string, unknown>;
  const v = p[p.type];
  if (p.type === 'title' || p.type === 'rich_text') return (v as Array<{ plain_text: string }>).map((t) => t.plain_text).join('');
  if (p.type === 'multi_select') return (v as Array<{ name: string }>).map((o) => o.name);
  if (p.type === 'select' || p.type === 'status') return (v as { name: string } | null)?.name ?? null;
  return v;
}

/**
 * Checks that every page carries every extra field's value: pages by their `Quote ID`, `properties`
 * the field → property of the job's report. Throws naming the first page and field that do not.
 */
export function checkExtraValues(
  pages: Record<string, unknown>[],
  expected: ReadonlyMap<string, ExtraValues>,
  properties: ReadonlyMap<string, string>,
): { pages: number; values: number } {
  let values = 0;
  const seen = new Set<string>();
  for (const page of pages) {
    const props = page.properties as Record<string, unknown>;
    const id = plainValue(props['Quote ID']) as string;
    const want = expected.get(id);
    if (!want) throw new Error(`page ${String(page.id)} has Quote ID ${id}, not one of the batch`);
    seen.add(id);
    for (const field of EXTRA_COLUMNS) {
      const property = properties.get(field);
      if (!property) throw new Error(`the job's report places no property for ${field}`);
      const got = props[property] === undefined ? undefined : plainValue(props[property]);
      const exp = expectedValue(want, field);
      if (JSON.stringify(got) !== JSON.stringify(exp)) {
        throw new Error(`page of quote ${id}: ${property} (${field}) is ${JSON.stringify(got)}, expected ${JSON.stringify(exp)}`);
      }
      values++;
    }
  }
  if (seen.size !== expected.size) throw new Error(`${expected.size - seen.size} quotes have no page`);
  return { pages: pages.length, values };
}
