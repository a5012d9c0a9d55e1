// Desired vs actual → the writes that make the cluster match (SPEC §4 "writes only differences").
// Pure. An object is re-applied only where what sgbridge manages differs: the spec fields and labels
// it sets (and, through managedFields, the ones it set before and no longer wants), and owner
// references. Deletions are planned only for objects carrying sgbridge's managed-by label that
// are no longer desired — never for anything else.
import { createHash } from 'node:crypto';
import { objectKey, type CalicoObject } from './calico.js';
import { isMembershipLabel, MANAGED_BY_LABEL, MANAGED_BY_VALUE, VPC_MEMBER_LABEL } from './vocabulary.js';

/** An object as listed from the cluster (enough of it to compare and to delete safely). */
export interface ActualObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    ownerReferences?: unknown[];
    managedFields?: { manager?: string; operation?: string; fieldsV1?: Record<string, unknown> }[];
  };
  spec?: Record<string, unknown>;
  /**
   * Instead of `spec`, a digest of each top-level spec field (specDigestOf): what a cache keeps,
   * so that 59k cached objects do not cost as much memory as the objects themselves.
   */
  specDigest?: Record<string, string>;
}

export interface Apply {
  object: CalicoObject;
  /** Labels someone else put on the object that only sgbridge may set (removed before the apply). */
  stripLabels: string[];
  reason: 'missing' | 'changed';
}

export interface Plan {
  applies: Apply[];
  deletes: ActualObject[];
  unchanged: number;
}

/** Labels that are identity: nobody but sgbridge puts them on its objects. */
function isReservedLabel(key: string): boolean {
  return isMembershipLabel(key) || key === VPC_MEMBER_LABEL || key.startsWith('aws.tigera.io/');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** JSON with object keys sorted and undefined members left out: equal exactly when deepEqual says so. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((x) => canonicalJson(x)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

const digestOf = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('base64');

/** A digest per top-level spec field, for ActualObject.specDigest. */
export function specDigestOf(spec: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = digestOf(v);
  return out;
}

/** Top-level spec keys and label keys sgbridge's last apply set (from managedFields), if known. */
function ownedBySgbridge(actual: ActualObject): { spec: Set<string>; labels: Set<string> } | undefined {
  const entry = actual.metadata.managedFields?.find((m) => m.manager === MANAGED_BY_VALUE && m.operation === 'Apply');
  if (!entry?.fieldsV1) return undefined;
  const strip = (o: unknown) => Object.keys((o ?? {}) as object).filter((k) => k.startsWith('f:')).map((k) => k.slice(2));
  const f = entry.fieldsV1 as Record<string, Record<string, unknown> | undefined>;
  return { spec: new Set(strip(f['f:spec'])), labels: new Set(strip(f['f:metadata']?.['f:labels'])) };
}

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/** True when applying `desired` would change nothing sgbridge manages on `actual`. */
export function inSync(desired: CalicoObject, actual: ActualObject): boolean {
  const want = JSON.parse(JSON.stringify(desired)) as CalicoObject;
  const spec = actual.spec ?? {};
  const digests = actual.specDigest;
  const owned = ownedBySgbridge(actual);
  const wantSpecKeys = new Set(Object.keys(want.spec ?? {}));
  if (owned ? !sameSet(owned.spec, wantSpecKeys) : !sameSet(new Set(Object.keys(digests ?? spec)), wantSpecKeys)) return false;
  for (const k of wantSpecKeys) if (digests ? digests[k] !== digestOf(want.spec[k]) : !deepEqual(want.spec[k], spec[k])) return false;
  const wantLabels = want.metadata.labels ?? {};
  const labels = actual.metadata.labels ?? {};
  for (const [k, v] of Object.entries(wantLabels)) if (labels[k] !== v) return false;
  if (owned && !sameSet(owned.labels, new Set(Object.keys(wantLabels)))) return false;
  if (foreignReservedLabels(want, actual).length) return false;
  return deepEqual(want.metadata.ownerReferences ?? [], actual.metadata.ownerReferences ?? []);
}

function foreignReservedLabels(desired: CalicoObject, actual: ActualObject): string[] {
  const want = desired.metadata.labels ?? {};
  return Object.keys(actual.metadata.labels ?? {}).filter((k) => isReservedLabel(k) && !(k in want)).sort();
}

export function isManaged(o: { metadata: { labels?: Record<string, string> } }): boolean {
  return o.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/**
 * inSync, remembered per desired object for the actual object it was last compared with: rounds
 * reuse both when nothing changed (the plan's desired objects when their facts are the same, the
 * cache's objects until the watch reports a change), so an unchanged round compares nothing again.
 */
const lastComparison = new WeakMap<CalicoObject, { actual: ActualObject; inSync: boolean }>();
function inSyncRemembered(desired: CalicoObject, actual: ActualObject): boolean {
  const last = lastComparison.get(desired);
  if (last?.actual === actual) return last.inSync;
  const result = inSync(desired, actual);
  lastComparison.set(desired, { actual, inSync: result });
  return result;
}

/** The plan from desired objects (one API group) and what the cluster holds of the same kinds. */
export function diff(desired: readonly CalicoObject[], actual: readonly ActualObject[]): Plan {
  const actualByKey = new Map(actual.map((a) => [objectKey(a), a]));
  const desiredKeys = new Set<string>();
  const plan: Plan = { applies: [], deletes: [], unchanged: 0 };
  for (const d of desired) {
    const key = objectKey(d);
    if (desiredKeys.has(key)) continue;
    desiredKeys.add(key);
    const a = actualByKey.get(key);
    if (!a) plan.applies.push({ object: d, stripLabels: [], reason: 'missing' });
    else if (inSyncRemembered(d, a)) plan.unchanged++;
    else plan.applies.push({ object: d, stripLabels: foreignReservedLabels(d, a), reason: 'changed' });
  }
  for (const a of actual) if (!desiredKeys.has(objectKey(a)) && isManaged(a)) plan.deletes.push(a);
  return plan;
}
