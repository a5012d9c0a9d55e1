// The statistic every benchmark reports: the middle value of its runs.

/** The middle item of `items` ordered by `key` (the upper one of the two middles for an even count). */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

export const median = (xs: readonly number[]): number => medianBy(xs, (x) => x);
