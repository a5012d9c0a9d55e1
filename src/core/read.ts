// Safe readers for objects sent by the apiserver: admission bodies are untrusted JSON, so every
// field is checked before use and a malformed one is reported, never thrown.

export type Readout<T> = { ok: true; value: T } | { ok: false; problem: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const ok = <T>(value: T): Readout<T> => ({ ok: true, value });
export const bad = <T>(problem: string): Readout<T> => ({ ok: false, problem });

/** `where` names the object for messages, e.g. "object" or "oldObject". */
export function metadataOf(obj: unknown, where: string): Readout<Record<string, unknown>> {
  if (!isRecord(obj)) return bad(`${where} is not a JSON object`);
  const meta = obj.metadata;
  if (meta === undefined || meta === null) return ok({});
  return isRecord(meta) ? ok(meta) : bad(`${where}.metadata is not a JSON object`);
}

/** metadata.labels or metadata.annotations as a string map; absent or null is an empty map. */
function stringMapOf(obj: unknown, where: string, field: 'labels' | 'annotations'): Readout<Record<string, string>> {
  const meta = metadataOf(obj, where);
  if (!meta.ok) return meta;
  const map = meta.value[field];
  if (map === undefined || map === null) return ok({});
  if (!isRecord(map) || !Object.values(map).every((v) => typeof v === 'string')) return bad(`${where}.metadata.${field} must map strings to strings`);
  return ok(map as Record<string, string>);
}

export const labelsOf = (obj: unknown, where: string) => stringMapOf(obj, where, 'labels');
export const annotationsOf = (obj: unknown, where: string) => stringMapOf(obj, where, 'annotations');
