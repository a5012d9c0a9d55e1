// Polling for tests that wait on something asynchronous (a watch event, a leader change, a file
// reload): one helper instead of a loop in each file.

export interface UntilOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** Poll this often (default 10 ms). */
  everyMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/** Resolves with the probe's first result that is neither undefined nor false; throws after timeoutMs. */
export async function until<T>(probe: () => T | Promise<T>, opts: UntilOptions = {}): Promise<Exclude<T, undefined | false>> {
  const { timeoutMs = 5_000, everyMs = 10, what = 'the condition' } = opts;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
