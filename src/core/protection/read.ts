// Safe readers for objects sent by the apiserver: admission bodies are untrusted JSON, so every
// field is checked before use and a malformed one is reported, never thrown.
import type { AdmissionRequest } from '../admission-types.js';

export type Readout<T> = { ok: true; value: T } | { ok: false; problem: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ok = <T>(value: T): Readout<T> => ({ ok: true, value });
const bad = <T>(problem: string): Readout<T> => ({ ok: false, problem });

/** `where` names the object for messages, e.g. "object" or "oldObject". */
export function metadataOf(obj: unknown, where: string): Readout<Record<string, unknown>> {
  if (!isRecord(obj)) return bad(`${where} is not a JSON object`);
  const meta = obj.metadata;
  if (meta === undefined || meta === null) return ok({});
  return isRecord(meta) ? ok(meta) : bad(`${where}.metadata is not a JSON object`);
}

/** Labels as a string map; absent or null labels are an empty map. */
export function labelsOf(obj: unknown, where: string): Readout<Record<string, string>> {
  const meta = metadataOf(obj, where);
  if (!meta.ok) return meta;
  const labels = meta.value.labels;
  if (labels === undefined || labels === null) return ok({});
  if (!isRecord(labels) || !Object.values(labels).every((v) => typeof v === 'string')) return bad(`${where}.metadata.labels must map strings to strings`);
  return ok(labels as Record<string, string>);
}

export function annotationsOf(obj: unknown, where: string): Readout<Record<string, string>> {
  const meta = metadataOf(obj, where);
  if (!meta.ok) return meta;
  const annotations = meta.value.annotations;
  if (annotations === undefined || annotations === null) return ok({});
  if (!isRecord(annotations) || !Object.values(annotations).every((v) => typeof v === 'string')) return bad(`${where}.metadata.annotations must map strings to strings`);
  return ok(annotations as Record<string, string>);
}

/** The spec; absent or null is an empty spec. */
export function specOf(obj: unknown, where: string): Readout<Record<string, unknown>> {
  if (!isRecord(obj)) return bad(`${where} is not a JSON object`);
  const spec = obj.spec;
  if (spec === undefined || spec === null) return ok({});
  return isRecord(spec) ? ok(spec) : bad(`${where}.spec is not a JSON object`);
}

/** metadata.name when it is a string. */
export function nameOf(obj: unknown): string | undefined {
  if (!isRecord(obj) || !isRecord(obj.metadata)) return undefined;
  const name = obj.metadata.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export interface State {
  /** "object" or "oldObject", for messages. */
  where: 'object' | 'oldObject';
  value: Record<string, unknown>;
}

/**
 * The objects a request is about, each checked to be a JSON object: `object` for CREATE and
 * UPDATE, `oldObject` for UPDATE and DELETE (DELETE carries `object: null`).
 */
export function statesOf(request: AdmissionRequest): Readout<{ states: State[] }> {
  const wanted: State['where'][] =
    request.operation === 'CREATE' ? ['object'] : request.operation === 'UPDATE' ? ['object', 'oldObject'] : request.operation === 'DELETE' ? ['oldObject'] : [];
  const states: State[] = [];
  for (const where of wanted) {
    const value: unknown = request[where];
    if (!isRecord(value)) return bad(`request.${where} is ${value === null || value === undefined ? 'missing' : 'not a JSON object'}`);
    states.push({ where, value });
  }
  return ok({ states });
}
