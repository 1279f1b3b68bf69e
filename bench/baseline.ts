/**
 * The naive plan, for comparison: one quote at a time, a fixed pause between quotes, a fixed long
 * wait after a 409, Retry-After on 429, and a plain retry after anything else, with no look-up
 * before retrying. It talks to Notion through the SDK directly, as a script would.
 */
import { Client } from '@notionhq/client';
import { quoteToPage } from '../src/notion/pages/page.js';
import { quoteDatabaseProperties } from '../src/notion/pages/schema.js';
import type { Quote } from '../src/quotes/model.js';

export interface BaselineOptions {
  url: string;
  token: string;
  parentPageId: string;
  pauseMs: number;
  conflictWaitMs: number;
  errorWaitMs: number;
  timeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runBaseline(quotes: Quote[], o: BaselineOptions): Promise<{ dataSourceId: string; ms: number }> {
  const client = new Client({ auth: o.token, baseUrl: o.url, retry: false, timeoutMs: o.timeoutMs, logger: () => undefined });
  const started = performance.now();
  /** The naive retry: wait a fixed time by kind of error and send the same request again. */
  const naively = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        return await call();
      } catch (error) {
        const status = (error as { status?: number }).status;
        const retryAfter = Number((error as { headers?: Headers }).headers?.get?.('retry-after') ?? 1);
        if (status === 409) await sleep(o.conflictWaitMs);
        else if (status === 429 || status === 529) await sleep(retryAfter * 1000);
        else await sleep(o.errorWaitMs);
      }
    }
    return undefined;
  };
  const db = (await naively(() =>
    client.databases.create({
      parent: { type: 'page_id', page_id: o.parentPageId },
      title: [{ type: 'text', text: { content: 'Quotes (baseline)' } }],
      initial_data_source: { properties: quoteDatabaseProperties() },
    }),
  )) as { data_sources: { id: string }[] };
  const dataSourceId = db.data_sources[0]!.id;
  for (const quote of quotes) {
    const mapping = quoteToPage(quote, dataSourceId);
    if (!mapping.ok) continue;
    await naively(() => client.pages.create(mapping.body));
    await sleep(o.pauseMs);
  }
  return { dataSourceId, ms: performance.now() - started };
}
