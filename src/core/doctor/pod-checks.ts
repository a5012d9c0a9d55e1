// doctor's pod check (issue 23): every pod carries exactly the membership labels SPEC §1 derives
// from its sources (the annotation and, with the setting securityGroupPolicies, the policies that
// select it; else the node groups; always the pod default group) under the one membership policy;
// a pod that does not is reported with the source of each group it should have and the kubectl
// command that sets them right (the mutating webhook and rule 6 accept exactly that).
import { describeFrom, describeSource, membershipOrigin, type MembershipOrigin, type MembershipPolicy } from '../membership/index.js';
import { relabelFor, storedPodGroups, type NamespaceAnnotationsLookup, type PodFacts } from '../relabel.js';
import type { MembershipSource } from '../security-group-policy/index.js';
import { groupOfMembershipLabel, isMembershipLabel, membershipLabel } from '../vocabulary.js';
import type { DoctorCheck } from './types.js';

export const POD_CHECK = 'pod membership labels';
/** Enough to act on; the last entry gives the count of the rest. */
const REPORTED = 20;

function labelFix(pod: PodFacts, groups: readonly string[]): string {
  const want = new Set(groups.map(membershipLabel));
  const has = Object.keys(pod.labels ?? {}).filter(isMembershipLabel);
  const args = [...[...want].filter((k) => pod.labels?.[k] !== '').map((k) => `${k}=`), ...has.filter((k) => !want.has(k)).map((k) => `${k}-`)];
  return `kubectl -n ${pod.namespace} label pod ${pod.name} --overwrite ${args.join(' ')} (the sgbridge leader also repairs it within seconds: if it stays wrong, read its logs)`;
}

const originOf = (pod: PodFacts, policy: MembershipPolicy, namespaces: NamespaceAnnotationsLookup): MembershipOrigin =>
  membershipOrigin({ annotations: pod.annotations, labels: pod.labels, serviceAccountName: pod.serviceAccount }, policy, { allowList: 'on', annotations: namespaces(pod.namespace) ?? {} }, pod.namespace);

/** "sg-a from SecurityGroupPolicy ns/web; sg-b from the pod default group". */
function sourcesText(origin: MembershipOrigin): string {
  return origin.groups.map((g) => `${g.group} from ${g.sources.map(describeSource).join(' and ') || 'no source'}`).join('; ');
}

/** What to change when a group itself is wrong rather than its label: the sources that give it. */
function sourceFix(origin: MembershipOrigin): string {
  const policies = [...new Set(origin.groups.flatMap((g) => g.sources.filter((s) => s.kind === 'security-group-policy').map((s) => `${s.namespace}/${s.name}`)))];
  const where = [...(origin.from.startsWith('annotation') ? ['the pod\'s annotation'] : []), ...policies.map((p) => `SecurityGroupPolicy ${p}`)];
  return where.length ? `; if a group itself is wrong, change its source (${where.join(', ')})` : '';
}

const FROM_ORDER: MembershipSource[] = ['annotation', 'policies', 'annotation+policies', 'node-groups'];

export function podLabelChecks(pods: Iterable<PodFacts>, namespaces: NamespaceAnnotationsLookup, policy: MembershipPolicy): DoctorCheck[] {
  const withPolicies = policy.securityGroupPolicies !== undefined;
  const wrong: DoctorCheck[] = [];
  const from = new Map<MembershipSource, number>();
  let total = 0;
  let count = 0;
  for (const pod of pods) {
    total++;
    if (withPolicies) {
      const f = originOf(pod, policy, namespaces).from;
      from.set(f, (from.get(f) ?? 0) + 1);
    }
    if (!relabelFor(pod, policy, namespaces)) continue;
    if (++count > REPORTED) continue;
    const { groups, problem } = storedPodGroups(pod, policy, namespaces);
    const has = Object.keys(pod.labels ?? {}).filter(isMembershipLabel).map(groupOfMembershipLabel).sort();
    const origin = withPolicies ? originOf(pod, policy, namespaces) : undefined;
    const sources = origin ? ` (${sourcesText(origin)})` : '';
    wrong.push({
      name: `${POD_CHECK}: ${pod.namespace}/${pod.name}`,
      ok: false,
      detail: `pod ${pod.namespace}/${pod.name} is labelled for [${has.join(', ')}] but its membership is [${[...groups].sort().join(', ')}]${sources}${problem ? ` (${problem})` : ''}: Calico enforces the wrong security groups on it`,
      fix: labelFix(pod, groups) + (origin ? sourceFix(origin) : ''),
    });
  }
  if (count > REPORTED) wrong.push({ name: `${POD_CHECK}: more`, ok: false, detail: `${count - REPORTED} more pods with wrong membership labels`, fix: 'the same, pod by pod (kubectl get pods -A --show-labels lists the labels)' });
  if (count) return wrong;
  if (!withPolicies) return [{ name: POD_CHECK, ok: true, detail: `all ${total} pods carry the membership labels their annotation calls for`, fix: '' }];
  const counts = FROM_ORDER.filter((f) => from.has(f)).map((f) => `${from.get(f)} from ${describeFrom(f).replace(/ \(.*\)$/, '').replace(/^its /, 'their ')}`);
  return [{ name: POD_CHECK, ok: true, detail: `all ${total} pods carry the membership labels their sources call for${counts.length ? ` (${counts.join(', ')})` : ''}`, fix: '' }];
}
