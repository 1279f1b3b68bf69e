/**
 * A clock for tests: time moves only when told to, and a sleep moves it on at once instead of
 * waiting, so code that waits minutes runs in microseconds and always the same way.
 */
export class FakeClock {
  private time: number;
  /** Every sleep asked for, in order (ms): the waits the code under test chose. */
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  /** Moves the clock on by `ms` and resolves; like sleepEndingOnAbort, ends at once (unmoved) when `signal` has aborted. */
  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return;
    this.sleeps.push(ms);
    this.advance(ms);
  };

  /** Time passing without a sleep of the code under test (a request on the wire, a queue held). */
  advance(ms: number): void {
    this.time += Math.max(0, ms);
  }
}
