// One HostEndpoint per VPC-member ENI (SPEC §3): a label carrier so that selectors on membership
// labels match the member's addresses. spec.node is a name no real node has, so no Felix enforces
// anything on it.
import type { CalicoObject } from '../calico.js';
import type { NetworkInterface } from '../inventory.js';
import { ENDPOINT_KIND_LABEL, ENI_ID_LABEL, INSTANCE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, membershipLabel, VPC_MEMBER_LABEL } from '../vocabulary.js';
import { hostEndpointName } from './naming.js';
import { hostEndpoint, labelObject } from './objects.js';
import { compare, eniKind } from './vpc-members.js';

/** sg.aws.tigera.io/<id>: "" per group, sorted by id, added to `into` (see labelObject). */
export function membershipLabels(groups: readonly string[], into: Record<string, string> = labelObject()): Record<string, string> {
  const sorted = groups.length > 1 ? [...new Set(groups)].sort(compare) : groups;
  for (const g of sorted) into[membershipLabel(g)] = '';
  return into;
}

export function hostEndpointFor(eni: NetworkInterface, node: string): CalicoObject {
  const labels = labelObject();
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  labels[VPC_MEMBER_LABEL] = '';
  labels[ENI_ID_LABEL] = eni.networkInterfaceId;
  if (eni.attachment?.instanceId) labels[INSTANCE_ID_LABEL] = eni.attachment.instanceId;
  labels[ENDPOINT_KIND_LABEL] = eniKind(eni);
  membershipLabels(eni.groups, labels);
  const ips = eni.ipv6Addresses.length === 0 && eni.privateIpAddresses.length === 1 ? eni.privateIpAddresses.slice() : [...new Set([...eni.privateIpAddresses, ...eni.ipv6Addresses])];
  return hostEndpoint(hostEndpointName(eni.networkInterfaceId), node, ips, labels);
}
