/**
 * Whether this replica can take work now (`/readyz`), apart from whether it is alive
 * (`/healthz`): the job store answers a trivial query within a short time and, in Socket Mode,
 * the connection to Slack is open (without it no command or event reaches this replica). What is
 * not ready is named, with a sentence an operator can act on.
 */
import type { JobStore } from '../store/index.js';

/** How long the store may take to answer the readiness query. */
export const DEFAULT_STORE_PING_TIMEOUT_MS = 2000;

export interface NotReady {
  check: 'store' | 'slack_socket';
  reason: string;
}

export type Readiness = { ready: true } | { ready: false; notReady: NotReady[] };

/** What the Socket Mode client emits (@slack/socket-mode): `connected` once Slack said hello; the others as the connection goes. */
export interface SocketEvents {
  on(event: 'connected' | 'connecting' | 'reconnecting' | 'disconnecting' | 'disconnected' | 'close', listener: () => void): unknown;
}

/** Follows a Socket Mode connection: open from `connected` until it closes or starts over. */
export class SocketConnection {
  private isOpen = false;

  constructor(client: SocketEvents) {
    client.on('connected', () => (this.isOpen = true));
    for (const event of ['connecting', 'reconnecting', 'disconnecting', 'disconnected', 'close'] as const) client.on(event, () => (this.isOpen = false));
  }

  get open(): boolean {
    return this.isOpen;
  }
}

export interface ReadinessSources {
  store: JobStore;
  /** Socket Mode only. */
  socket?: SocketConnection;
  storeTimeoutMs?: number;
}

export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const notReady: NotReady[] = [];
  const storeProblem = await pingWithin(sources.store, sources.storeTimeoutMs ?? DEFAULT_STORE_PING_TIMEOUT_MS);
  if (storeProblem) notReady.push({ check: 'store', reason: storeProblem });
  if (sources.socket && !sources.socket.open) {
    notReady.push({
      check: 'slack_socket',
      reason: 'The Socket Mode connection to Slack is not open (connecting, or reconnecting after it dropped): no command or event reaches this replica until it is.',
    });
  }
  return notReady.length === 0 ? { ready: true } : { ready: false, notReady };
}

/** Undefined when the store answered within `timeoutMs`; else the sentence saying what happened. */
async function pingWithin(store: JobStore, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`The job store did not answer within ${timeoutMs} ms: check that its database (QUOTE_SYNC_DB) is up and reachable.`), timeoutMs);
  });
  const answered = store.ping().then(
    () => undefined,
    (error: unknown) => `The job store does not answer (${(error as Error).message || 'no detail'}): check that its database (QUOTE_SYNC_DB) is up and reachable.`,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}
