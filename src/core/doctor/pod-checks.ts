// doctor's pod check (issue 23): every pod carries exactly the membership labels SPEC §1 derives
// from its annotation under the one membership policy; a pod that does not is reported with the
// kubectl command that sets them right (the mutating webhook and rule 6 accept exactly that).
import type { MembershipPolicy } from '../membership/index.js';
import { relabelFor, storedPodGroups, type NamespaceAnnotationsLookup, type PodFacts } from '../relabel.js';
import { groupOfMembershipLabel, isMembershipLabel, membershipLabel } from '../vocabulary.js';
import type { DoctorCheck } from './types.js';

const NAME = 'pod membership labels';
/** Enough to act on; the last entry gives the count of the rest. */
const REPORTED = 20;

function labelFix(pod: PodFacts, groups: readonly string[]): string {
  const want = new Set(groups.map(membershipLabel));
  const has = Object.keys(pod.labels ?? {}).filter(isMembershipLabel);
  const args = [...[...want].filter((k) => pod.labels?.[k] !== '').map((k) => `${k}=`), ...has.filter((k) => !want.has(k)).map((k) => `${k}-`)];
  return `kubectl -n ${pod.namespace} label pod ${pod.name} --overwrite ${args.join(' ')} (the sgbridge leader also repairs it within seconds: if it stays wrong, read its logs)`;
}

export function podLabelChecks(pods: Iterable<PodFacts>, namespaces: NamespaceAnnotationsLookup, policy: MembershipPolicy): DoctorCheck[] {
  const wrong: DoctorCheck[] = [];
  let total = 0;
  let count = 0;
  for (const pod of pods) {
    total++;
    if (!relabelFor(pod, policy, namespaces)) continue;
    if (++count > REPORTED) continue;
    const { groups, problem } = storedPodGroups(pod, policy, namespaces);
    const has = Object.keys(pod.labels ?? {}).filter(isMembershipLabel).map(groupOfMembershipLabel).sort();
    wrong.push({
      name: `${NAME}: ${pod.namespace}/${pod.name}`,
      ok: false,
      detail: `pod ${pod.namespace}/${pod.name} is labelled for [${has.join(', ')}] but its membership is [${[...groups].sort().join(', ')}]${problem ? ` (${problem})` : ''}: Calico enforces the wrong security groups on it`,
      fix: labelFix(pod, groups),
    });
  }
  if (count > REPORTED) wrong.push({ name: `${NAME}: more`, ok: false, detail: `${count - REPORTED} more pods with wrong membership labels`, fix: 'the same, pod by pod (kubectl get pods -A --show-labels lists the labels)' });
  return count ? wrong : [{ name: NAME, ok: true, detail: `all ${total} pods carry the membership labels their annotation calls for`, fix: '' }];
}
