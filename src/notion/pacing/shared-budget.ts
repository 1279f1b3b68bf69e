/**
 * One integration's budget shared by every replica through the store (sync/run/integration-pacer.ts
 * builds it on the store's rate ledger): what the pacer asks of it when replicas share a store.
 */

/** A slot taken on the timeline replicas share; `release` gives it back when it was not spent. */
export interface SharedSlot {
  slot: number;
  /** The budget per window every replica keeps to, once one of them learned it. */
  budget: number | undefined;
  /** When any replica met a `public_api_request_blocked`, if one did. */
  blockedAt?: number | undefined;
  release(): Promise<void>;
}

/** One integration's budget, shared by every replica through the store. */
export interface SharedBudget {
  reserve(request: { earliest: number; spacingMs: number; budget: number | undefined; windowMs: number; spanMs: number }): Promise<SharedSlot>;
  /** Holds every replica's requests until `until`. */
  pause(until: number): Promise<void>;
  learned(budget: number, windowMs: number): Promise<void>;
  /** Every replica's sends since `since`, and from when that history is complete. */
  history(since: number): Promise<{ sends: number[]; completeFrom: number }>;
  /** Tells every replica that Notion blocked the integration's requests at `at`. */
  blocked(at: number): Promise<void>;
}
