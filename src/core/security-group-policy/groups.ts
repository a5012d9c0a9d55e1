// Which SecurityGroupPolicies give a pod groups, with the AWS VPC resource controller's semantics
// (its pkg/utils/helper.go): only policies in the pod's own namespace count; `podSelector` is
// matched against the pod's labels and `serviceAccountSelector` against its ServiceAccount's, and
// where a policy has both, both must match; the groups of every matching policy are united. Invalid
// policies are ignored and reported, as that controller logs and skips them.
import type { Labels } from './label-selector.js';
import type { CompiledPolicy, PolicyRef, ValidPolicy } from './policy.js';

export interface PodFacts {
  namespace: string;
  labels: Labels | null | undefined;
  /** spec.serviceAccountName; Kubernetes defaults it to "default". */
  serviceAccountName?: string;
}

export interface PolicyMatchInput {
  pod: PodFacts;
  /** Labels of the pod's ServiceAccount; undefined when it is not known (not found, cache not filled). */
  serviceAccountLabels: Labels | null | undefined;
  /** Compiled policies, from any namespace: the pod's own are picked out here. */
  policies: readonly CompiledPolicy[];
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

type Verdict = { matches: boolean } | { undecided: string };

function verdict(policy: ValidPolicy, input: PolicyMatchInput): Verdict {
  if (policy.podSelector && !policy.podSelector.matches(input.pod.labels)) return { matches: false };
  if (!policy.serviceAccountSelector) return { matches: true };
  const sa = input.serviceAccountLabels;
  // Without the ServiceAccount's labels the policy cannot be decided; the AWS controller fails the
  // pod's admission there. Leaving the groups out is the side that grants nothing unproven.
  if (sa === undefined || sa === null) return { undecided: `spec.serviceAccountSelector cannot be matched: ServiceAccount ${input.pod.serviceAccountName || 'default'} of namespace ${input.pod.namespace} is not known` };
  return { matches: policy.serviceAccountSelector.matches(sa) };
}

export function groupsFromPolicies(input: PolicyMatchInput): PolicyGroups {
  const groups = new Set<string>();
  const sources: PolicyGroups['sources'] = [];
  const ignored: PolicyGroups['ignored'] = [];
  const warnings: string[] = [];
  for (const policy of input.policies) {
    if (policy.ref.namespace !== input.pod.namespace) continue;
    if (!policy.valid) {
      ignored.push({ policy: policy.ref, reason: policy.reason });
      continue;
    }
    const v = verdict(policy, input);
    if ('undecided' in v) ignored.push({ policy: policy.ref, reason: v.undecided });
    else if (v.matches) {
      sources.push({ policy: policy.ref, groups: policy.groups });
      for (const g of policy.groups) groups.add(g);
      for (const w of policy.warnings) warnings.push(`SecurityGroupPolicy ${policy.ref.namespace}/${policy.ref.name} ${w}`);
    }
  }
  return { groups: [...groups].sort(), sources: sources.sort(byName), ignored: ignored.sort(byName), warnings: warnings.sort() };
}
