/**
 * The `fetch` the Notion SDK is given: one deadline for the whole exchange, headers and body. The
 * SDK's timeout only stops waiting: the request it gave up on keeps its socket open, and a process
 * with a hung socket never exits. Aborting closes the socket.
 */
import { RequestTimeoutError } from '@notionhq/client';

/** Added to the SDK's timeout so that the deadline below, which also closes the socket, always fires first. */
export const SDK_TIMEOUT_BACKSTOP_MS = 1000;

/** `fetch` within `timeoutMs`; the body is read here, inside the deadline. A deadline met is the SDK's RequestTimeoutError. */
export function fetchWithDeadline(timeoutMs: number) {
  return async (url: string, init?: { body?: string | FormData; headers?: Record<string, string>; method?: string }) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url, {
        ...(init?.method ? { method: init.method } : {}),
        ...(init?.headers ? { headers: init.headers } : {}),
        ...(init?.body !== undefined ? { body: init.body } : {}),
        signal: controller.signal,
      });
      const text = await response.text();
      return { ok: response.ok, status: response.status, headers: response.headers, body: null, text: async () => text };
    } catch (error) {
      if (controller.signal.aborted) throw new RequestTimeoutError();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}
