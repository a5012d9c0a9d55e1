// One frozen copy of each recent value, shared by every cached object that holds an equal one:
// thousands of cached objects often carry the same few values (a node group's membership labels,
// the fields one kind of object was applied with), so they share one copy rather than hold one
// each. Bounded, since the values come from the cluster: the oldest is forgotten first.

/** A function that returns the shared, deeply frozen copy of a value equal to the one given (by its JSON). */
export function frozenInterner<T>(capacity: number): (value: T) => T {
  const known = new Map<string, T>();
  return (value) => {
    const key = JSON.stringify(value);
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    if (known.size >= capacity) known.delete(known.keys().next().value!);
    const frozen = deepFreeze(value);
    known.set(key, frozen);
    return frozen;
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
