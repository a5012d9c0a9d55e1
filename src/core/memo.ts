// Per-object memoisation for values derived from long-lived, unchanging objects (a membership
// policy, a frozen list of groups, a frozen patch).

/**
 * `make` memoised by its argument's identity: a WeakMap, so entries go with their keys, fronted by
 * the last argument, which nearly every call repeats (a WeakMap lookup per call showed in the
 * admission server's profile).
 */
export function memoByIdentity<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  let lastKey: K | undefined;
  let lastValue: V | undefined;
  return (key) => {
    if (key === lastKey) return lastValue as V;
    let value: V;
    if (cache.has(key)) value = cache.get(key) as V;
    else cache.set(key, (value = make(key)));
    lastKey = key;
    lastValue = value;
    return value;
  };
}
