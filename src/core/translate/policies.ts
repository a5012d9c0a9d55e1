// The policies of the integration's three tiers (SPEC §3), from each group's mapped rules: sg-remote
// judges traffic with VPC members on the pods, sg-local holds each group's own rules on its members,
// and metadata keeps pods from the instance metadata service.
import type { CalicoObject, Rule } from '../calico.js';
import type { SecurityGroup } from '../inventory.js';
import type { Settings } from '../settings.js';
import { TIERS } from '../vocabulary.js';
import { globalPolicy, localPolicyName, METADATA_POLICY, REMOTE_NON_MEMBER_POLICY, remotePolicyName } from './objects.js';
import { AWS_RULE_ANNOTATION, localEgress, localIngress, remoteEgress, remoteIngress, type MappedGroup } from './rules.js';
import { groupMembers, groupVpcMembers, metadataDeniedPods, PODS_ONLY, VPC_MEMBER } from './selectors.js';
import { groupPolicies, groupText } from './splitting.js';

/** The annotation that says which AWS permission (or which reason) a rule stands for. */
const note = (text: string) => ({ annotations: { [AWS_RULE_ANNOTATION]: text } });

// sg-remote (SPEC §3). Between cluster hosts and VPC members AWS lets everything through (trust and
// enforced groups), so the remote side's groups are enforced here, on the pods:
//   ingress from a VPC member of G passes when G's OUTBOUND rules allow it (to the pod's groups/IPs);
//   egress to a VPC member of G passes when G's INBOUND rules allow it (from the pod's groups/IPs).
// A VPC member in several groups is passed when any of them allows (union, as in AWS). The last
// policy passes all traffic whose peer is not a VPC member, so only VPC-member traffic is judged.

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

// sg-local.<sg-id> (SPEC §3): a group's own rules on its members. A member of several groups is
// passed when any of them allows (union, as in AWS), since every rule in the tier passes.

export function localPolicies(group: SecurityGroup, mapped: MappedGroup): CalicoObject[] {
  const ingress = mapped.inbound.map(localIngress);
  const egress = mapped.outbound.map(localEgress);
  return groupPolicies({
    tier: TIERS.local.name,
    baseName: localPolicyName(group.groupId),
    selector: groupMembers(group.groupId),
    rules: { ingress, egress },
    groupText: groupText(group),
  });
}

// metadata tier (SPEC §3): pods reach the instance metadata service only when labelled
// aws.tigera.io/allow-metadata-access: "true" (setting metadataAccess=denied), or unless labelled
// "false" (allowed). Every other destination passes. Egress only.
//
// Who may reach the service is decided by the policy's own `selector` (which, with a
// namespaceSelector, matches pods only), never by a rule selector: Calico turns a rule selector
// into an IP set that also takes in NetworkSets, GlobalNetworkSets and HostEndpoints, so a label
// on any of those would open the service to whatever addresses they list (SPEC §2 rule 4). The
// policy selects the pods that may NOT reach it; a pod no policy of a tier selects skips the tier,
// so the others pass on untouched. Rules may only Pass, so the metadata addresses are left out
// with notNets per IP version and the tier's Deny drops them.

export const METADATA_NETS = { v4: '169.254.169.254/32', v6: 'fd00:ec2::254/128' } as const;

export function metadataPolicy(mode: Settings['metadataAccess']): CalicoObject {
  const denied = metadataDeniedPods(mode);
  const egress: Rule[] = [
    { action: 'Pass', ipVersion: 4, destination: { notNets: [METADATA_NETS.v4] }, metadata: note(`metadata access ${mode}: pods matching ${denied.selector} reach any IPv4 destination but the metadata service`) },
    { action: 'Pass', ipVersion: 6, destination: { notNets: [METADATA_NETS.v6] }, metadata: note(`metadata access ${mode}: pods matching ${denied.selector} reach any IPv6 destination but the metadata service`) },
  ];
  return globalPolicy({ tier: TIERS.metadata.name, name: METADATA_POLICY, order: 100, ...denied, types: ['Egress'], egress });
}
