// Which cache events matter, and what they call for. Named, pure predicates over a change and
// what the syncer knows; the syncer turns their answers into work-queue triggers.
import type { ActualObject } from '../core/diff.js';
import type { MembershipPolicy } from '../core/membership/index.js';
import { relabelFor, type NamespaceAnnotationsLookup, type PodFacts } from '../core/relabel.js';
import { inPolicyScope, type PolicyScope } from '../core/security-group-policy/index.js';
import type { CacheChange } from '../kube/watch-cache.js';

/** An own object that changed for a reason other than sgbridge's own write (drift, deletion by someone else). */
export function isDrift(change: CacheChange<ActualObject>, isOwnWrite: (obj: ActualObject, deleted: boolean) => boolean): boolean {
  return change.type === 'delete' ? !isOwnWrite(change.previous, true) : !isOwnWrite(change.object, false);
}

/** A pod that exists, is not going away, and whose membership labels differ from what §1 derives. */
export function podNeedsRelabel(change: CacheChange<PodFacts>, policy: MembershipPolicy, namespaces: NamespaceAnnotationsLookup): boolean {
  return change.type === 'upsert' && relabelFor(change.object, policy, namespaces) !== undefined;
}

/** The pods (cache keys) a change of SecurityGroupPolicies or ServiceAccount labels may move. */
export function podsInPolicyScope(pods: Iterable<[string, PodFacts]>, scope: PolicyScope): string[] {
  const keys: string[] = [];
  for (const [key, pod] of pods) if (inPolicyScope(scope, pod.namespace, pod.serviceAccount)) keys.push(key);
  return keys;
}

/** A namespace whose allow-list changed: its pods' membership may have changed with it. */
export function allowListChanged(change: CacheChange<Record<string, string>>): boolean {
  const before = change.previous ?? {};
  const after = change.type === 'upsert' ? change.object : {};
  return JSON.stringify(before) !== JSON.stringify(after);
}
