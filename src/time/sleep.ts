/**
 * Pauses that an AbortSignal can cut short, in the two ways callers need. A job's pauses (the
 * writer's, its retries', the pacer's) end quietly: the caller checks the signal next and winds
 * the job down as interrupted, to resume later. A wait on a Gumloop run has nothing to wind down,
 * so its pause rejects with the signal's reason and the wait stops there.
 */

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleepEndingOnAbort(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves after `ms`; rejects with the signal's reason when `signal` aborts, at once if it already has. */
export function sleepRejectingOnAbort(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
