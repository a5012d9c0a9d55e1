// One sync round's decision, pure (SPEC §3, §4): from the inventory, the cluster's facts and the
// objects sgbridge finds on the cluster to what it wants there, the writes that get it there, the
// deletions the safety rules let through or hold, and the pods to relabel. No I/O: the round
// reads, hands the facts in, and writes what comes out. Work already done for the same facts is
// not redone: the translation of what did not change comes from the memory the previous plan
// handed back (PlanMemory), and comparisons and pods' answers are remembered per object.
import { CALICO_API_VERSION, objectKey, type CalicoApi, type CalicoObject } from './calico.js';
import { diff, type ActualObject, type Plan } from './diff.js';
import type { ClusterNode, Inventory } from './inventory.js';
import type { MembershipPolicy } from './membership/index.js';
import { planRelabels, relabelFor, type NamespaceAnnotationsLookup, type PodFacts, type Relabel } from './relabel.js';
import { judgeRound, type HoldState, type Verdict } from './safety.js';
import { sameItems } from './same-items.js';
import type { Settings } from './settings.js';
import { companionFor } from './translate/companions.js';
import { toApi, translate, translateReusing, type TranslationMemory } from './translate/index.js';

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
  /** What the previous plan handed back (none: everything is translated afresh). */
  memory?: PlanMemory;
}

export interface RoundPlan {
  desired: CalicoObject[];
  diff: Plan;
  /** The safety verdict: which deletions go through, which are held, and the hold to carry on. */
  verdict: Extract<Verdict, { action: 'write' }>;
  relabels: Relabel[];
  /** For the next plan's input: what this one translated, to be reused where its inputs are the same. */
  memory: PlanMemory;
}

type DesiredInputs = { inventory: Inventory; nodes: readonly ClusterNode[]; networkPolicies: readonly unknown[] };

export function desiredObjects(inputs: DesiredInputs, settings: Settings, api: CalicoApi): CalicoObject[] {
  const translation = translate(inputs.inventory, { nodes: [...inputs.nodes] }, settings);
  const companions = inputs.networkPolicies.map((np) => companionFor(np)).filter((c): c is CalicoObject => c !== undefined);
  return toApi([...translation.objects, ...companions], api);
}

/** What a plan leaves for the next: its desired objects, the facts they came from, and the translation's memory. */
export interface PlanMemory {
  readonly inputs: DesiredInputs;
  readonly settings: Settings;
  readonly api: CalicoApi;
  readonly objects: CalicoObject[];
  readonly translation: TranslationMemory;
  /** Each NetworkPolicy's companion (in the API's form), by the NetworkPolicy object. */
  readonly companions: ReadonlyMap<unknown, CalicoObject | undefined>;
  /** Each translated object in the API's form, when that form is a copy (projectcalico.org/v3). */
  readonly converted: ReadonlyMap<CalicoObject, CalicoObject>;
}

/**
 * desiredObjects, from the previous plan's memory: the same objects when every fact is the same
 * (a round the cluster triggered), else the translation reusing what it can, so that one group's
 * change translates one group and the diff (which remembers its comparisons per object) compares
 * only what was made afresh. The objects are never mutated, so sharing them is safe.
 */
function desiredFrom(inputs: DesiredInputs, settings: Settings, api: CalicoApi, last: PlanMemory | undefined): PlanMemory {
  if (last && last.settings === settings && last.api === api && last.inputs.inventory === inputs.inventory && sameItems(last.inputs.nodes, inputs.nodes) && sameItems(last.inputs.networkPolicies, inputs.networkPolicies)) {
    return last.inputs === inputs ? last : { ...last, inputs };
  }
  const reuse = last?.settings === settings && last.api === api ? last : undefined;
  const { translation, memory } = translateReusing(inputs.inventory, { nodes: inputs.nodes }, settings, reuse?.translation);
  const apiVersion = CALICO_API_VERSION[api];
  const converted = new Map<CalicoObject, CalicoObject>();
  const objects = translation.objects.map((o) => {
    if (o.apiVersion === apiVersion) return o;
    const wire = reuse?.converted.get(o) ?? toApi([o], api)[0]!;
    converted.set(o, wire);
    return wire;
  });
  const companions = new Map<unknown, CalicoObject | undefined>();
  for (const np of inputs.networkPolicies) {
    let companion = reuse?.companions.get(np);
    if (!reuse?.companions.has(np)) {
      const made = companionFor(np);
      companion = made && toApi([made], api)[0];
    }
    companions.set(np, companion);
    if (companion) objects.push(companion);
  }
  return { inputs, settings, api, objects, translation: memory, companions, converted };
}

/**
 * planRelabels, remembering each pod's answer for the facts it was computed from (the cached pod,
 * its namespace's annotations and the membership policy, all replaced, never mutated, when they
 * change): an unchanged round derives no pod's membership again. A pod with hundreds of groups
 * makes that derivation the costliest part of a round. SecurityGroupPolicies and ServiceAccount
 * labels are read live through the policy, which stays the same object while they change, so with
 * them an answer is never remembered.
 */
const relabelMemory = new WeakMap<PodFacts, { policy: MembershipPolicy; annotations: Record<string, string> | undefined; relabel: Relabel | undefined }>();
function relabelsRemembered(pods: Iterable<PodFacts>, namespaceAnnotations: NamespaceAnnotationsLookup, policy: MembershipPolicy): Relabel[] {
  if (policy.securityGroupPolicies) return planRelabels(pods, namespaceAnnotations, policy);
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
  const memory = desiredFrom({ inventory: input.inventory, nodes: input.cluster.nodes, networkPolicies: input.cluster.networkPolicies }, input.settings, input.api, input.memory);
  const desired = memory.objects;
  const plan = diff(desired, input.actual);
  const verdict = judgeRound({ readFailures: [], deleteKeys: plan.deletes.map(objectKey), managedCount: input.actual.length, settings: input.settings, state: input.hold }) as RoundPlan['verdict'];
  return { desired, diff: plan, verdict, relabels: relabelsRemembered(input.cluster.pods, input.cluster.namespaceAnnotations, input.membership), memory };
}

/** The deletions of a plan the verdict lets through. */
export function allowedDeletes(plan: RoundPlan): ActualObject[] {
  const allowed = new Set(plan.verdict.deleteKeys);
  return plan.diff.deletes.filter((d) => allowed.has(objectKey(d)));
}
