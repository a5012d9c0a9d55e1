// Shallow equality of two lists: the same items, by identity, in the same order. The plan, the
// translation's reuse, the safety hold and the membership policy all ask it of lists whose items
// are replaced, never mutated, when they change.
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}
