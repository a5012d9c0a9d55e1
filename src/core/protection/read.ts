// Readers of untrusted admission objects that only the protection rules need.
import type { AdmissionRequest } from '../admission-types.js';
import { bad, isRecord, ok, type Readout } from '../read.js';

// The generic readers are shared with the membership core; protection adds its own below.
export { annotationsOf, isRecord, labelsOf, metadataOf, type Readout } from '../read.js';

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
