/**
 * Slack Web API calls as the metrics see them: a `fetch` for the WebClient (its `fetch` option)
 * that tells each HTTP call's method and, when it failed, why. It sits under every WebClient the
 * app makes (Bolt's, the per-request ones, Socket Mode's apps.connections.open), so every call
 * is seen, each retry too. Slack answers failures with HTTP 200 and `ok: false`, so the body is
 * read (from a copy) before the WebClient gets the response.
 */
import type { FetchFunction } from '@slack/web-api';

/** Told of each call: the Web API method (`chat.update`), and its error when it failed. */
export type SlackCallObserver = (method: string, error?: string) => void;

/** Method names and error codes as labels: Slack's own spelling, anything else one bounded value. */
const METHOD = /^[a-zA-Z][a-zA-Z0-9.]{0,63}$/;
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** The method a URL calls under `apiUrl` (`…/api/chat.update`), or `file_upload` for the bytes of files.uploadV2. */
export function slackMethodOf(url: string, apiUrl: string): string {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  if (!url.startsWith(base)) return 'file_upload';
  const method = url.slice(base.length).split(/[?#]/)[0] ?? '';
  return METHOD.test(method) ? method : 'other';
}

/** The global fetch, telling `observe` of every call. */
export function observedSlackFetch(apiUrl: string, observe: SlackCallObserver): FetchFunction {
  return async (url, init) => {
    const method = slackMethodOf(String(url), apiUrl);
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      observe(method, 'network');
      throw error;
    }
    observe(method, await failureOf(response));
    return response;
  };
}

/** Why a call failed, or undefined: `ratelimited` (429), `http_<status>`, or the `error` of an `ok: false` body. */
async function failureOf(response: Response): Promise<string | undefined> {
  if (response.status === 429) return 'ratelimited';
  if (response.status !== 200) return `http_${response.status}`;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const body = (await response.clone().json()) as { ok?: unknown; error?: unknown };
    if (body.ok !== false) return undefined;
    return typeof body.error === 'string' && ERROR_CODE.test(body.error) ? body.error : 'other';
  } catch {
    return undefined;
  }
}
