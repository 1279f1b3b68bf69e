/**
 * The target form's pickers while a job writes: people typing database names in `/sync-quotes
 * target`, each key an options request (`block_suggestion`) sent to the real Bolt app over HTTP,
 * answered from Notion's search through the same pacer the job uses. Slack gives an answer 3 s.
 * Measured: how fast each answer came, how many searches reached Notion, and the job's pace with
 * and without the typing (its share of the budget).
 */
import type { SyncJob } from '../src/store/index.js';
import { TARGET_INPUTS } from '../src/slack/targets/target-modal.js';
import { makeQuoteRecords, recordsToCsv } from '../test/support/quote-factory.js';
import { CHANNEL, USER, startSlackApp } from '../test/support/slack-app.js';

export interface OptionsFigures {
  quotes: number;
  rate: number;
  people: number;
  /** Answer times of every options request (ms). */
  answers: number[];
  /** Options requests answered with at least one database. */
  withResults: number;
  searches: number;
  /** The job's writes per second, alone and while people typed. */
  alone: number;
  typing: number;
  rateLimited: number;
}

const WORDS = ['acme quotes', 'beta research', 'customer interviews', 'pricing feedback', 'onboarding pains'];

async function run(options: { quotes: number; rate: number; people: number; keyMs: number }, typing: boolean) {
  const h = await startSlackApp({
    notion: { rateLimit: { requestsPerSecond: options.rate } },
    env: { NOTION_REQUESTS_PER_SECOND: String(options.rate) },
    app: { updateIntervalMs: 2000 },
  });
  try {
    for (let i = 0; i < 120; i++) h.notion.seedDatabase({ title: `${WORDS[i % WORDS.length]} ${2020 + (i % 7)} #${i}` });
    const viewIds: string[] = [];
    if (typing) {
      for (let p = 0; p < options.people; p++) {
        await h.driver.command('target', { user: `U0P${p}` });
        viewIds.push((await h.slack.modalOpened(p + 1)).id);
      }
    }
    const upload = h.slack.userUpload({ channel: CHANNEL, user: USER, name: 'bench.csv', content: recordsToCsv(makeQuoteRecords(options.quotes, 11)) });
    const submitted = new Promise<SyncJob>((resolve) => h.app.context.jobs.events.once('submitted', resolve));
    const started = performance.now();
    await h.driver.event(upload.message);
    const job = await submitted;
    let done = false;
    const finished = h.app.context.jobs.finished(job.id).then((r) => {
      done = true;
      return r;
    });
    const answers: number[] = [];
    let withResults = 0;
    // Each person types a name key by key, then starts again with the next, until the job ends.
    // Slack sends a request per key as the person types, without waiting for the answer to the last.
    const people = viewIds.map(async (viewId, p) => {
      const sent: Promise<void>[] = [];
      for (let word = p; !done; word++) {
        const name = WORDS[word % WORDS.length]!;
        for (let k = 1; k <= name.length && !done; k++) {
          sent.push(
            h.driver.blockSuggestion(viewId, TARGET_INPUTS.database, name.slice(0, k), { user: `U0P${p}` }).then((answer) => {
              answers.push(answer.ms);
              if ((answer.options.options ?? []).some((o) => !o.value.startsWith('!'))) withResults += 1;
            }),
          );
          await new Promise((r) => setTimeout(r, options.keyMs));
        }
        // A pause before the next name, as a person reads the list.
        await new Promise((r) => setTimeout(r, options.keyMs * 4));
      }
      await Promise.all(sent);
    });
    const report = await finished;
    const ms = performance.now() - started;
    await Promise.all(people);
    if (report?.written !== options.quotes) throw new Error(`the job wrote ${report?.written} of ${options.quotes}`);
    return {
      writesPerSecond: options.quotes / (ms / 1000),
      answers,
      withResults,
      searches: h.notion.requests.filter((r) => r.route === 'POST /v1/search').length,
      rateLimited: h.notion.requests.filter((r) => r.status === 429).length,
    };
  } finally {
    await h.close();
  }
}

export async function measureTargetOptions(options: { quotes: number; rate: number; people: number; keyMs: number }): Promise<OptionsFigures> {
  const alone = await run(options, false);
  const typing = await run(options, true);
  return {
    quotes: options.quotes,
    rate: options.rate,
    people: options.people,
    answers: typing.answers,
    withResults: typing.withResults,
    searches: typing.searches,
    alone: alone.writesPerSecond,
    typing: typing.writesPerSecond,
    rateLimited: alone.rateLimited + typing.rateLimited,
  };
}
