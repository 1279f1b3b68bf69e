/**
 * Deterministic, realistic quote records in the Gumloop shape, for tests and the benchmark.
 * Same (count, seed), same records. Every record is valid and distinct (distinct ids), also
 * across seeds: each post URL carries the seed. About one in 150 texts is over 2000 characters;
 * some carry emoji (ZWJ sequences, flags) or are written in CJK, Arabic, Hindi or Russian.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { escapeCell } from '../../src/quotes/cells.js';
import { generatedQuoteId } from '../../src/quotes/id.js';
import { QUOTE_CSV_COLUMNS } from '../../src/quotes/model.js';
import { seededRandom } from './random.js';

export interface QuoteRecord {
  id?: string;
  text: string;
  category: string;
  sentiment: string;
  relevance_score: number;
  relevance_justification: string;
  inserted_at: string;
  post: { url: string; title: string; subreddit: string };
}

/** The flat columns of `recordsToCsv`, in order: the app's own CSV columns, less id and the informational ones. */
export const FLAT_CSV_COLUMNS = QUOTE_CSV_COLUMNS.filter((c) => c !== 'id' && c !== 'reason' && c !== 'row');

const SUBREDDITS = ['SaaS', 'startups', 'Entrepreneur', 'smallbusiness', 'productivity', 'Notion', 'webdev', 'sysadmin', 'marketing', 'ProductManagement'];
const CATEGORIES = ['Pricing', 'Onboarding', 'Customer support', 'Performance', 'Integrations', 'Feature request', 'Bug report', 'Competitor comparison', 'Reliability', 'Documentation'];
const SENTIMENTS = ['positive', 'positive', 'negative', 'negative', 'neutral', 'mixed'];
const TITLES = [
  'Which tool do you use to keep customer feedback in one place?',
  'We switched our whole team last quarter, AMA',
  'Is it just me or did the new pricing get worse?',
  'Honest review after 6 months of daily use',
  'Looking for alternatives: our current stack is falling apart',
  'How do you onboard non-technical teammates?',
  'Support took 9 days to answer a billing question',
  'What integrations actually matter for a 5-person startup?',
  'Rant: every SaaS wants a yearly contract now',
  'Small win: we finally automated our weekly reporting',
];
const OPENERS = [
  'Honestly,',
  'After three months,',
  'I was skeptical at first, but',
  'The thing nobody tells you is that',
  'Our team of twelve found that',
  'Coming from spreadsheets,',
  'As a solo founder,',
  "I'll be blunt:",
  'We tried four tools and',
  'My manager pushed for it and',
  'For what it costs,',
  'Every single week',
];
const MIDDLES = [
  'the onboarding took less than an afternoon',
  'support answered in under an hour, on a Sunday',
  'the pricing page hides the per-seat cost until checkout',
  'the API rate limits bit us the moment we imported our backlog',
  'the Slack integration is the only reason we stayed',
  'search is so slow it is faster to scroll',
  'the mobile app crashes whenever I attach a photo',
  'exports to CSV mangle anything with a comma in it',
  'it replaced three other subscriptions for us',
  'the templates saved our PM hours every sprint',
  'we lost a week of notes during their outage',
  'the free tier is generous enough for a side project',
  'the permissions model makes no sense for contractors',
  'the changelog actually reflects what customers ask for',
];
const CLOSERS = [
  'and I would pay double for it.',
  'which is why we are moving off it next month.',
  'so I am cautiously optimistic.',
  'but the docs could be a lot clearer.',
  'and nobody on the team wants to go back.',
  'which felt like a bait and switch.',
  'and that alone justified the price for us.',
  'so we built our own workaround in a weekend.',
  'but it still beats everything else we tried.',
  'and support never followed up.',
];
const EMOJI = ['🚀', '😤', '👍🏽', '🔥', '🤷‍♀️', '👨‍👩‍👧‍👦', '🇩🇪', '🇯🇵', '💸', '🙏', '😅', '✅'];
const OTHER_SCRIPTS = [
  '料金プランが分かりにくくて、結局サポートに問い合わせました。',
  '这个工具的同步功能非常稳定，我们团队每天都在用。',
  '가격 대비 기능이 훌륭하지만 모바일 앱은 아직 불안정해요.',
  'الدعم الفني رد خلال ساعة، وهذا نادر جداً في هذا المجال.',
  'सेटअप बहुत आसान था, लेकिन कीमत छोटे व्यवसायों के लिए ज़्यादा है।',
  'Интеграция со Slack — единственная причина, по которой мы остались.',
  'הייצוא ל-CSV שובר כל שורה שיש בה פסיק.',
];
const JUSTIFICATIONS = [
  'Direct statement about {c} from a paying customer.',
  'Compares {c} with a named competitor; useful for positioning.',
  'Concrete detail on {c} with a number attached.',
  'Describes a churn risk tied to {c}.',
  'First-hand experience of {c} from a small team.',
  'Mentions {c} in passing; moderately relevant.',
];
const LONG_FILLER = [
  'We started with the free plan and moved to the team plan when we hit the page limit.',
  'The migration script they provide handled most of our old notes, but attachments had to be moved by hand.',
  'Our designers liked the boards, our engineers liked the API, and finance liked none of the invoices.',
  'When the outage happened there was no status page update for almost two hours, which is what hurt the most.',
  'I have written up everything we learned below in case it helps someone making the same decision.',
];

const START_MS = Date.UTC(2025, 0, 6, 9, 0, 0);
const LONG_TEXT_EVERY = 150;

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 50);
}

export function makeQuoteRecords(count: number, seed: number): QuoteRecord[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const records: QuoteRecord[] = [];
  const ids = new Set<string>();
  let postIndex = 0;
  let post: QuoteRecord['post'] = { url: '', title: '', subreddit: '' };
  let quotesLeftInPost = 0;

  const makeText = (i: number): string => {
    if (random() < 0.06) return pick(OTHER_SCRIPTS) + (random() < 0.5 ? ` ${pick(EMOJI)}` : '');
    let text = `${pick(OPENERS)} ${pick(MIDDLES)} ${pick(CLOSERS)}`;
    if (random() < 0.15) text += ` ${pick(EMOJI)}`;
    if (random() < 0.1) text = `"${text}"`;
    if (i % LONG_TEXT_EVERY === LONG_TEXT_EVERY - 1) {
      const target = 2100 + Math.floor(random() * 3000);
      while (text.length < target) text += ` ${pick(LONG_FILLER)}`;
    }
    return text;
  };

  for (let i = 0; i < count; i++) {
    if (quotesLeftInPost === 0) {
      // A post id no other (seed, post) pair can have; Reddit's are base-36 too.
      const postId = (seed * 1_000_003 + postIndex++).toString(36);
      const subreddit = pick(SUBREDDITS);
      const title = pick(TITLES);
      post = { url: `https://www.reddit.com/r/${subreddit}/comments/${postId}/${slug(title)}/`, title, subreddit };
      quotesLeftInPost = 1 + Math.floor(random() * 3);
    }
    quotesLeftInPost--;
    let text = makeText(i);
    // Two quotes of one post could draw the same words: draw again until the id is new.
    while (ids.has(generatedQuoteId(text, post.url))) text = makeText(i);
    ids.add(generatedQuoteId(text, post.url));
    const category = pick(CATEGORIES);
    records.push({
      text,
      category,
      sentiment: pick(SENTIMENTS),
      relevance_score: Math.round((0.3 + random() * 0.7) * 100) / 100,
      relevance_justification: pick(JUSTIFICATIONS).replace('{c}', category.toLowerCase()),
      inserted_at: new Date(START_MS + i * 97_000 + Math.floor(random() * 60) * 1000).toISOString(),
      post: { ...post },
    });
  }
  return records;
}

/**
 * The records as a flat CSV (columns `FLAT_CSV_COLUMNS`), cells formula-escaped as the app
 * writes them, `\n` line ends and no newline after the last row.
 */
export function recordsToCsv(records: readonly QuoteRecord[]): string {
  return Papa.unparse(
    {
      fields: [...FLAT_CSV_COLUMNS],
      data: records.map((r) =>
        [
          r.text,
          r.category,
          r.sentiment,
          String(r.relevance_score),
          r.relevance_justification,
          r.post.url,
          r.post.subreddit,
          r.post.title,
          r.inserted_at,
        ].map(escapeCell),
      ),
    },
    { newline: '\n' },
  );
}

/** `makeQuoteRecords(count, seed)` as a JSON file in a fresh temporary folder: the input of a command-line run. */
export function quotesFile(count: number, seed: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'quote-sync-input-')), 'quotes.json');
  writeFileSync(path, JSON.stringify(makeQuoteRecords(count, seed)));
  return path;
}
