// sg-remote (SPEC §3). Between cluster hosts and VPC members AWS lets everything through (trust and
// enforced groups), so the remote side's groups are enforced here, on the pods:
//   ingress from a VPC member of G passes when G's OUTBOUND rules allow it (to the pod's groups/IPs);
//   egress to a VPC member of G passes when G's INBOUND rules allow it (from the pod's groups/IPs).
// A VPC member in several groups is passed when any of them allows (union, as in AWS). The last
// policy passes all traffic whose peer is not a VPC member, so only VPC-member traffic is judged.
import type { CalicoObject } from '../calico.js';
import type { SecurityGroup } from '../inventory.js';
import { TIERS } from '../vocabulary.js';
import { REMOTE_NON_MEMBER_POLICY, remotePolicyName } from './naming.js';
import { globalPolicy } from './objects.js';
import { groupPolicies, groupText } from './policy-split.js';
import { AWS_RULE_ANNOTATION, remoteEgress, remoteIngress, type MappedGroup } from './rule-mapping.js';
import { groupVpcMembers, PODS_ONLY, VPC_MEMBER } from './selectors.js';

export const REMOTE_LAST_ORDER = 1000;

export function remotePolicies(group: SecurityGroup, mapped: MappedGroup): CalicoObject[] {
  const members = groupVpcMembers(group.groupId);
  const ingress = mapped.outbound.map((m) => remoteIngress(m, members));
  const egress = mapped.inbound.map((m) => remoteEgress(m, members));
  return groupPolicies({
    tier: TIERS.remote.name,
    baseName: remotePolicyName(group.groupId),
    ...PODS_ONLY,
    rules: { ingress, egress },
    groupText: groupText(group),
  });
}

export function nonMemberPolicy(): CalicoObject {
  const note = (text: string) => ({ annotations: { [AWS_RULE_ANNOTATION]: text } });
  return globalPolicy({
    tier: TIERS.remote.name,
    name: REMOTE_NON_MEMBER_POLICY,
    order: REMOTE_LAST_ORDER,
    ...PODS_ONLY,
    types: ['Ingress', 'Egress'],
    ingress: [{ action: 'Pass', source: { notSelector: VPC_MEMBER }, metadata: note('peer is not a VPC member') }],
    egress: [{ action: 'Pass', destination: { notSelector: VPC_MEMBER }, metadata: note('peer is not a VPC member') }],
  });
}
