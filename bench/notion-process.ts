/**
 * The local Notion in a process of its own, for the benchmark: Notion is remote, and sharing one
 * event loop with the writer would make the writer's pace the server's CPU time, not the budget.
 * Driven over IPC by `remoteNotion`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNotionServer, type LocalNotion, type LocalNotionOptions, type RecordedRequest } from '../test/fakes/local-notion.js';

type Call = {
  id: number;
  method: 'requests' | 'pages' | 'propertyTexts' | 'seedPages' | 'addToken' | 'rateLimited' | 'databaseIds' | 'dataSourceOf' | 'stats' | 'close';
  args: unknown[];
};

export interface RemoteNotion {
  url: string;
  token: string;
  parentPageId: string;
  requests(): Promise<RecordedRequest[]>;
  /** LocalNotion.pages: the pages of a data source (not in the trash), in creation order, as the API returns them. */
  pages(dataSourceId: string): Promise<Record<string, unknown>[]>;
  propertyTexts(dataSourceId: string, name: string): Promise<string[]>;
  /** LocalNotion.seedPages: each item is a page's `properties` body; rejects with the validation message. */
  seedPages(dataSourceId: string, pages: Record<string, unknown>[]): Promise<void>;
  /** LocalNotion.addToken: another connection of the same workspace. */
  addToken(): Promise<string>;
  rateLimited(): Promise<{ connection: number; workspace: number }>;
  /** LocalNotion.databaseIds: every database created, in order. */
  databaseIds(): Promise<string[]>;
  dataSourceOf(databaseId: string): Promise<string>;
  stats(): Promise<{ total: number; byStatus: Record<string, number>; byRoute: Record<string, number> }>;
  close(): Promise<void>;
}

type Reply = { id: number; result?: unknown; error?: string };

if (process.send && process.argv[2] === '--serve') {
  const options = JSON.parse(process.argv[3] ?? '{}') as LocalNotionOptions;
  const notion: LocalNotion = await startNotionServer(options);
  process.on('message', async (call: Call) => {
    const reply: Reply = { id: call.id };
    try {
      if (call.method === 'requests') reply.result = notion.requests;
      else if (call.method === 'pages') reply.result = notion.pages(call.args[0] as string);
      else if (call.method === 'propertyTexts') reply.result = notion.propertyTexts(call.args[0] as string, call.args[1] as string);
      else if (call.method === 'seedPages') notion.seedPages(call.args[0] as string, call.args[1] as Record<string, unknown>[]);
      else if (call.method === 'addToken') reply.result = notion.addToken();
      else if (call.method === 'rateLimited') reply.result = notion.rateLimited();
      else if (call.method === 'databaseIds') reply.result = notion.databaseIds();
      else if (call.method === 'dataSourceOf') reply.result = notion.dataSourceOf(call.args[0] as string);
      else if (call.method === 'stats') reply.result = notion.stats();
      else await notion.close();
    } catch (error) {
      // A page that fails validation is the caller's mistake: it comes back as a rejection, not a dead server.
      reply.error = (error as Error).message;
    }
    process.send!(reply);
    if (call.method === 'close') process.disconnect();
  });
  process.send({ ready: { url: notion.url, token: notion.token, parentPageId: notion.parentPageId } });
}

export async function remoteNotion(options: LocalNotionOptions): Promise<RemoteNotion> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  const ready = await new Promise<{ url: string; token: string; parentPageId: string }>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { ready?: { url: string; token: string; parentPageId: string } } & Partial<Reply>) => {
      if (m.ready) resolve(m.ready);
      else if (m.id !== undefined) {
        const waiter = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) waiter?.reject(new Error(m.error));
        else waiter?.resolve(m.result);
      }
    });
  });
  const call = <T>(method: Call['method'], ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, method, args });
    });
  return {
    ...ready,
    requests: () => call<RecordedRequest[]>('requests'),
    pages: (ds) => call<Record<string, unknown>[]>('pages', ds),
    propertyTexts: (ds, name) => call<string[]>('propertyTexts', ds, name),
    seedPages: (ds, pages) => call<void>('seedPages', ds, pages),
    addToken: () => call<string>('addToken'),
    rateLimited: () => call<{ connection: number; workspace: number }>('rateLimited'),
    databaseIds: () => call<string[]>('databaseIds'),
    dataSourceOf: (databaseId) => call<string>('dataSourceOf', databaseId),
    stats: () => call<{ total: number; byStatus: Record<string, number>; byRoute: Record<string, number> }>('stats'),
    close: async () => {
      await call('close');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
