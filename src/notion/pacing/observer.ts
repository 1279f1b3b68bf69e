/**
 * What the Notion side tells whoever watches it (the app's metrics): each request sent and its
 * answer, and how long each request waited for its turn. Optional wherever it is taken: the
 * command line passes none and pays nothing. One per integration, carried by its pacer, so every
 * gateway on that pacer (jobs, search, the set-up check) reports to it.
 */

export interface NotionObserver {
  /**
   * A request to `endpoint` (`POST /v1/pages`, as the gateway names it) was sent and answered
   * after `ms`, or failed with `error` (what the SDK or fetch threw). Only requests that went out.
   */
  answered?(request: { endpoint: string; ms: number; error?: unknown }): void;
  /** A request waited `ms` for its slot (the queue, the spacing, a pause, its endpoint's hold) before it went out. */
  waited?(request: { endpoint: string | undefined; ms: number }): void;
}
