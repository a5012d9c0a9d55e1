// What sgbridge keeps of each kind of object it reads from the cluster (lists, watch events and
// doctor's reads alike): pure functions of the API's JSON (client-node's models read the same).
import type { V1NetworkPolicy, V1Node } from '@kubernetes/client-node';
import type { CalicoKind } from '../core/calico.js';
import { specDigestOf, type ActualObject } from '../core/diff.js';
import type { ClusterNode } from '../core/inventory.js';
import type { PodFacts } from '../core/relabel.js';
import { isMembershipLabel, MANAGED_BY_VALUE, MATCH_SG_ANNOTATION, NAMESPACE_ALLOWED_ANNOTATION, SG_ANNOTATION } from '../core/vocabulary.js';
import { frozenInterner } from './frozen-interner.js';

/** aws:///us-east-1a/i-0123456789abcdef0 → i-0123456789abcdef0 */
export function instanceIdFromProviderId(providerId: string | undefined): string | undefined {
  const m = providerId?.match(/^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/);
  return m?.[1];
}

export function clusterNodeOf(node: V1Node): ClusterNode {
  const addresses = (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  const instanceId = instanceIdFromProviderId(node.spec?.providerID);
  return { name: node.metadata?.name ?? '', ...(instanceId ? { instanceId } : {}), addresses: [...new Set(addresses)] };
}

export function isAnnotatedForGroups(np: { metadata?: { annotations?: Record<string, string> } }): boolean {
  return np.metadata?.annotations?.[MATCH_SG_ANNOTATION] === 'true';
}

/** client-node's models rename `from` to `_from`; the companion translation reads the API's JSON. */
export function wireNetworkPolicy(np: V1NetworkPolicy): unknown {
  const json = JSON.parse(JSON.stringify(np)) as { spec?: { ingress?: Record<string, unknown>[] } };
  for (const rule of json.spec?.ingress ?? []) {
    if ('_from' in rule) {
      rule.from = rule._from;
      delete rule._from;
    }
  }
  return json;
}

/** What the membership rules read of a namespace: its allow-list annotation. */
export type NamespaceAnnotations = Record<string, string>;

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  deletionTimestamp?: unknown;
  ownerReferences?: unknown[];
  managedFields?: { manager?: string; operation?: string; fieldsV1?: Record<string, unknown> }[];
}
type Loose = { metadata?: Meta; spec?: Record<string, unknown> };

export function podFactsOf(obj: Record<string, unknown>): PodFacts {
  const { metadata: m = {}, spec = {} } = obj as Loose;
  const labels = m.labels ? Object.fromEntries(Object.entries(m.labels).filter(([k]) => isMembershipLabel(k))) : undefined;
  const annotation = m.annotations?.[SG_ANNOTATION];
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    ...(labels ? { labels } : {}),
    ...(annotation !== undefined ? { annotations: { [SG_ANNOTATION]: annotation } } : {}),
    ...(typeof spec.nodeName === 'string' ? { nodeName: spec.nodeName } : {}),
    ...(typeof spec.serviceAccountName === 'string' ? { serviceAccount: spec.serviceAccountName } : {}),
    ...(m.deletionTimestamp ? { terminating: true } : {}),
  };
}

export function namespaceAnnotationsOf(obj: Record<string, unknown>): NamespaceAnnotations {
  const value = (obj as Loose).metadata?.annotations?.[NAMESPACE_ALLOWED_ANNOTATION];
  return value === undefined ? {} : { [NAMESPACE_ALLOWED_ANNOTATION]: value };
}

/** Enough of an object sgbridge manages to diff against and to delete safely (its own managedFields entry only). */
const keysOnly = (o: unknown) => Object.fromEntries(Object.keys((o ?? {}) as object).filter((k) => k.startsWith('f:')).map((k) => [k, {}]));

function ownedKeys(fieldsV1: Record<string, unknown> | undefined): Record<string, unknown> {
  const f = (fieldsV1 ?? {}) as { 'f:spec'?: unknown; 'f:metadata'?: { 'f:labels'?: unknown } };
  return { 'f:spec': keysOnly(f['f:spec']), 'f:metadata': { 'f:labels': keysOnly(f['f:metadata']?.['f:labels']) } };
}

type ManagedFields = NonNullable<ActualObject['metadata']['managedFields']>;

export function actualObjectOf(apiVersion: string, kind: CalicoKind): (obj: Record<string, unknown>) => ActualObject {
  // The thousands of objects of one kind were applied with the same fields: they share one copy
  // of what sgbridge's managedFields entries say.
  const intern = frozenInterner<ManagedFields>(256);
  return (obj) => {
    const { metadata: m = {}, spec } = obj as Loose;
    // of sgbridge's own managedFields entry the diff reads only which top-level spec fields and
    // which labels it set: the rest mirrors the whole spec and would double what the cache holds
    const entries = m.managedFields?.filter((f) => f.manager === MANAGED_BY_VALUE && f.operation === 'Apply').map((f) => ({ manager: f.manager, operation: f.operation, fieldsV1: ownedKeys(f.fieldsV1) }));
    const own = entries?.length ? intern(entries) : undefined;
    return {
      apiVersion,
      kind,
      metadata: {
        name: m.name ?? '',
        ...(m.namespace ? { namespace: m.namespace } : {}),
        ...(m.uid ? { uid: m.uid } : {}),
        ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
        ...(m.labels ? { labels: m.labels } : {}),
        ...(m.ownerReferences ? { ownerReferences: m.ownerReferences } : {}),
        ...(own?.length ? { managedFields: own } : {}),
      },
      ...(spec ? { specDigest: specDigestOf(spec) } : {}),
    };
  };
}

