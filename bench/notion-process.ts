/**
 * The local Notion in a process of its own, for the benchmark: Notion is remote, and sharing one
 * event loop with the writer would make the writer's pace the server's CPU time, not the budget.
 * Driven over IPC by `remoteNotion`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNotionServer, type LocalNotion, type LocalNotionOptions, type RecordedRequest } from '../test/fakes/local-notion.js';

type Call = { id: number; method: 'requests' | 'propertyTexts' | 'close'; args: unknown[] };

export interface RemoteNotion {
  url: string;
  token: string;
  parentPageId: string;
  requests(): Promise<RecordedRequest[]>;
  propertyTexts(dataSourceId: string, name: string): Promise<string[]>;
  close(): Promise<void>;
}

if (process.send && process.argv[2] === '--serve') {
  const options = JSON.parse(process.argv[3] ?? '{}') as LocalNotionOptions;
  const notion: LocalNotion = await startNotionServer(options);
  process.on('message', async (call: Call) => {
    let result: unknown;
    if (call.method === 'requests') result = notion.requests;
    else if (call.method === 'propertyTexts') result = notion.propertyTexts(call.args[0] as string, call.args[1] as string);
    else await notion.close();
    process.send!({ id: call.id, result });
    if (call.method === 'close') process.disconnect();
  });
  process.send({ ready: { url: notion.url, token: notion.token, parentPageId: notion.parentPageId } });
}

export async function remoteNotion(options: LocalNotionOptions): Promise<RemoteNotion> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (value: unknown) => void>();
  let next = 0;
  const ready = await new Promise<{ url: string; token: string; parentPageId: string }>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { ready?: { url: string; token: string; parentPageId: string }; id?: number; result?: unknown }) => {
      if (m.ready) resolve(m.ready);
      else if (m.id !== undefined) pending.get(m.id)?.(m.result);
    });
  });
  const call = <T>(method: Call['method'], ...args: unknown[]) =>
    new Promise<T>((resolve) => {
      const id = next++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ id, method, args });
    });
  return {
    ...ready,
    requests: () => call<RecordedRequest[]>('requests'),
    propertyTexts: (ds, name) => call<string[]>('propertyTexts', ds, name),
    close: async () => {
      await call('close');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
