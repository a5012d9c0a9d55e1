// Which SecurityGroupPolicies give a pod groups, with the AWS VPC resource controller's semantics
// (its pkg/utils/helper.go): only policies in the pod's own namespace count; `podSelector` is
// matched against the pod's labels and `serviceAccountSelector` against its ServiceAccount's, and
// where a policy has both, both must match; the groups of every matching policy are united. Invalid
// policies are ignored and reported, as that controller logs and skips them.
//
// A namespace may hold a thousand policies and every pod creation asks, so policies are indexed
// once by a label they require (indexPolicies): a pod is tried only against the policies its own
// labels can satisfy, plus those that require no label value.
import type { Labels, LabelSelectorMatcher } from './label-selector.js';
import type { CompiledPolicy, PolicyRef, ValidPolicy } from './policy.js';

export interface PodFacts {
  namespace: string;
  labels: Labels | null | undefined;
  /** spec.serviceAccountName; Kubernetes defaults it to "default". */
  serviceAccountName?: string;
}

type ByLabel = ReadonlyMap<string, ReadonlyMap<string, readonly ValidPolicy[]>>;

/** One namespace's compiled policies, indexed; build it when the namespace's policies change. */
export interface NamespacePolicies {
  readonly namespace: string;
  /** Policies whose podSelector requires a label: key → value → policies. */
  readonly byPodLabel: ByLabel;
  /** Policies with no such podSelector whose serviceAccountSelector requires a label. */
  readonly byServiceAccountLabel: ByLabel;
  /** The same policies as byServiceAccountLabel, each once. */
  readonly serviceAccountAnchored: readonly ValidPolicy[];
  /** Valid policies that require no label value: tried on every pod. */
  readonly unanchored: readonly ValidPolicy[];
  /** Invalid policies and why, by name. */
  readonly invalid: readonly { policy: PolicyRef; reason: string }[];
}

export interface PolicyMatchInput {
  pod: PodFacts;
  /** Labels of the pod's ServiceAccount; undefined when it is not known (not found, cache not filled). */
  serviceAccountLabels: Labels | null | undefined;
  /** Compiled policies from any namespace (the pod's own are picked out here), or the pod namespace's index. */
  policies: readonly CompiledPolicy[] | NamespacePolicies;
}

export interface PolicyGroups {
  /** Union of the matching policies' groups: lowercased, de-duplicated, sorted. */
  groups: string[];
  /** Each matching policy and its groups, by policy name. */
  sources: { policy: PolicyRef; groups: readonly string[] }[];
  /** Policies of the pod's namespace that could not be applied, and why, by policy name. */
  ignored: { policy: PolicyRef; reason: string }[];
  /** What matching policies held that sgbridge left out (an item that is not a group id). */
  warnings: string[];
}

const byName = <T extends { policy: PolicyRef }>(a: T, b: T) => (a.policy.name < b.policy.name ? -1 : a.policy.name > b.policy.name ? 1 : 0);

function addTo(index: Map<string, Map<string, ValidPolicy[]>>, selector: LabelSelectorMatcher, policy: ValidPolicy): void {
  const { key, values } = selector.anchor!;
  let byValue = index.get(key);
  if (!byValue) index.set(key, (byValue = new Map()));
  for (const value of values) {
    const list = byValue.get(value);
    if (list) list.push(policy);
    else byValue.set(value, [policy]);
  }
}

/** Indexes the policies of `namespace` (others in the list are left out). */
export function indexPolicies(namespace: string, policies: readonly CompiledPolicy[]): NamespacePolicies {
  const byPodLabel = new Map<string, Map<string, ValidPolicy[]>>();
  const byServiceAccountLabel = new Map<string, Map<string, ValidPolicy[]>>();
  const serviceAccountAnchored: ValidPolicy[] = [];
  const unanchored: ValidPolicy[] = [];
  const invalid: { policy: PolicyRef; reason: string }[] = [];
  for (const policy of policies) {
    if (policy.ref.namespace !== namespace) continue;
    if (!policy.valid) invalid.push({ policy: policy.ref, reason: policy.reason });
    else if (policy.podSelector?.anchor) addTo(byPodLabel, policy.podSelector, policy);
    else if (policy.serviceAccountSelector?.anchor) {
      addTo(byServiceAccountLabel, policy.serviceAccountSelector, policy);
      serviceAccountAnchored.push(policy);
    } else unanchored.push(policy);
  }
  return { namespace, byPodLabel, byServiceAccountLabel, serviceAccountAnchored, unanchored, invalid: invalid.sort(byName) };
}

/** Policies anchored on one of `labels`: each at most once, since a label set has one value per key. */
function anchoredOn(index: ByLabel, labels: Labels, into: ValidPolicy[]): void {
  for (const key of Object.keys(labels)) {
    const list = index.get(key)?.get(labels[key]!);
    if (list) into.push(...list);
  }
}

/** true or false when decided; otherwise why it cannot be (a plain value: asked for every candidate of every pod). */
type Verdict = boolean | string;

function verdict(policy: ValidPolicy, input: PolicyMatchInput): Verdict {
  if (policy.podSelector && !policy.podSelector.matches(input.pod.labels)) return false;
  if (!policy.serviceAccountSelector) return true;
  const sa = input.serviceAccountLabels;
  // Without the ServiceAccount's labels the policy cannot be decided; the AWS controller fails the
  // pod's admission there. Leaving the groups out is the side that grants nothing unproven.
  if (sa === undefined || sa === null) return `spec.serviceAccountSelector cannot be matched: ServiceAccount ${input.pod.serviceAccountName || 'default'} of namespace ${input.pod.namespace} is not known`;
  return policy.serviceAccountSelector.matches(sa);
}

export function groupsFromPolicies(input: PolicyMatchInput): PolicyGroups {
  const namespace = input.pod.namespace;
  const index = Array.isArray(input.policies) ? indexPolicies(namespace, input.policies) : (input.policies as NamespacePolicies);
  if (index.namespace !== namespace) return { groups: [], sources: [], ignored: [], warnings: [] };

  const labels = input.pod.labels ?? {};
  const sa = input.serviceAccountLabels;
  // The always-tried policies are walked in place, not copied: this runs for every pod request.
  const anchored: ValidPolicy[] = [];
  anchoredOn(index.byPodLabel, labels, anchored);
  // Unknown ServiceAccount labels: every such policy is tried, so that each is reported undecided.
  if (sa === undefined || sa === null) anchored.push(...index.serviceAccountAnchored);
  else anchoredOn(index.byServiceAccountLabel, sa, anchored);

  const groups = new Set<string>();
  const sources: PolicyGroups['sources'] = [];
  const undecided: PolicyGroups['ignored'] = [];
  const warnings: string[] = [];
  for (const list of [index.unanchored, anchored]) {
    for (const policy of list) {
      const v = verdict(policy, input);
      if (typeof v === 'string') undecided.push({ policy: policy.ref, reason: v });
      else if (v) {
        sources.push({ policy: policy.ref, groups: policy.groups });
        for (const g of policy.groups) groups.add(g);
        for (const w of policy.warnings) warnings.push(`SecurityGroupPolicy ${policy.ref.namespace}/${policy.ref.name} ${w}`);
      }
    }
  }
  const ignored = undecided.length ? [...index.invalid, ...undecided].sort(byName) : [...index.invalid];
  return { groups: groups.size > 1 ? [...groups].sort() : [...groups], sources: sources.length > 1 ? sources.sort(byName) : sources, ignored, warnings: warnings.length > 1 ? warnings.sort() : warnings };
}
