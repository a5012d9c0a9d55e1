// One sync round's decision, pure (SPEC §3, §4): from the inventory, the cluster's facts and the
// objects sgbridge finds on the cluster to what it wants there, the writes that get it there, the
// deletions the safety rules let through or hold, and the pods to relabel. No I/O: the round
// reads, hands the facts in, and writes what comes out. Work already done for the same facts
// (translation, comparisons) is remembered, not redone.
import { createHash } from 'node:crypto';
import { objectKey, type CalicoApi, type CalicoObject } from './calico.js';
import { diff, type ActualObject, type Plan } from './diff.js';
import type { ClusterNode, Inventory } from './inventory.js';
import type { MembershipPolicy } from './membership/index.js';
import { relabelFor, type NamespaceAnnotationsLookup, type PodFacts, type Relabel } from './relabel.js';
import { judgeRound, type HoldState, type Verdict } from './safety.js';
import type { Settings } from './settings.js';
import { companionFor } from './translate/companions.js';
import { toApi, translate } from './translate/index.js';

/** What the round read of the cluster besides sgbridge's own objects. */
export interface ClusterFacts {
  nodes: readonly ClusterNode[];
  /** NetworkPolicies carrying match-security-groups, in their wire form. */
  networkPolicies: readonly unknown[];
  namespaceAnnotations: NamespaceAnnotationsLookup;
  pods: Iterable<PodFacts>;
}

export interface PlanInput {
  inventory: Inventory;
  cluster: ClusterFacts;
  actual: readonly ActualObject[];
  settings: Settings;
  api: CalicoApi;
  /** The membership policy of this moment (the webhooks use the same). */
  membership: MembershipPolicy;
  /** Held deletions carried from the previous round. */
  hold: HoldState;
}

export interface RoundPlan {
  desired: CalicoObject[];
  diff: Plan;
  /** The safety verdict: which deletions go through, which are held, and the hold to carry on. */
  verdict: Extract<Verdict, { action: 'write' }>;
  relabels: Relabel[];
}

type DesiredInputs = { inventory: Inventory; nodes: readonly ClusterNode[]; networkPolicies: readonly unknown[] };

export function desiredObjects(inputs: DesiredInputs, settings: Settings, api: CalicoApi): CalicoObject[] {
  const translation = translate(inputs.inventory, { nodes: [...inputs.nodes] }, settings);
  const companions = inputs.networkPolicies.map((np) => companionFor(np)).filter((c): c is CalicoObject => c !== undefined);
  return toApi([...translation.objects, ...companions], api);
}

/**
 * desiredObjects, reused while its facts are the same (a digest of them): a round the cluster
 * triggered, or a poll that found AWS unchanged, then neither translates again nor (through the
 * diff's memory) compares again. The objects are never mutated, so sharing them is safe.
 */
let lastDesired: { digest: string; objects: CalicoObject[] } | undefined;
function desiredReused(inputs: DesiredInputs, settings: Settings, api: CalicoApi): CalicoObject[] {
  const digest = createHash('sha1').update(JSON.stringify([api, settings, inputs.inventory, inputs.nodes, inputs.networkPolicies])).digest('hex');
  if (lastDesired?.digest !== digest) lastDesired = { digest, objects: desiredObjects(inputs, settings, api) };
  return lastDesired.objects;
}

/**
 * planRelabels, remembering each pod's answer for the facts it was computed from (the cached pod,
 * its namespace's annotations and the membership policy, all replaced, never mutated, when they
 * change): an unchanged round derives no pod's membership again. A pod with hundreds of groups
 * makes that derivation the costliest part of a round.
 */
const relabelMemory = new WeakMap<PodFacts, { policy: MembershipPolicy; annotations: Record<string, string> | undefined; relabel: Relabel | undefined }>();
function relabelsRemembered(pods: Iterable<PodFacts>, namespaceAnnotations: NamespaceAnnotationsLookup, policy: MembershipPolicy): Relabel[] {
  const out: Relabel[] = [];
  for (const pod of pods) {
    const annotations = namespaceAnnotations(pod.namespace);
    let seen = relabelMemory.get(pod);
    if (seen?.policy !== policy || seen.annotations !== annotations) {
      seen = { policy, annotations, relabel: relabelFor(pod, policy, () => annotations) };
      relabelMemory.set(pod, seen);
    }
    if (seen.relabel) out.push(seen.relabel);
  }
  return out;
}

export function planRound(input: PlanInput): RoundPlan {
  const desired = desiredReused({ inventory: input.inventory, nodes: input.cluster.nodes, networkPolicies: input.cluster.networkPolicies }, input.settings, input.api);
  const plan = diff(desired, input.actual);
  const verdict = judgeRound({ readFailures: [], deleteKeys: plan.deletes.map(objectKey), managedCount: input.actual.length, settings: input.settings, state: input.hold }) as RoundPlan['verdict'];
  return { desired, diff: plan, verdict, relabels: relabelsRemembered(input.cluster.pods, input.cluster.namespaceAnnotations, input.membership) };
}

/** The deletions of a plan the verdict lets through. */
export function allowedDeletes(plan: RoundPlan): ActualObject[] {
  const allowed = new Set(plan.verdict.deleteKeys);
  return plan.diff.deletes.filter((d) => allowed.has(objectKey(d)));
}
