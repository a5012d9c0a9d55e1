// One HostEndpoint per VPC-member ENI (SPEC §3): a label carrier so that selectors on membership
// labels match the member's addresses. spec.node is a name no real node has, so no Felix enforces
// anything on it.
import type { CalicoObject } from '../calico.js';
import type { NetworkInterface } from '../inventory.js';
import { ENDPOINT_KIND_LABEL, ENI_ID_LABEL, INSTANCE_ID_LABEL, membershipLabel, VPC_MEMBER_LABEL } from '../vocabulary.js';
import { hostEndpointName } from './naming.js';
import { hostEndpoint } from './objects.js';
import { compare, eniKind } from './vpc-members.js';

export function membershipLabels(groups: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const g of [...new Set(groups)].sort(compare)) labels[membershipLabel(g)] = '';
  return labels;
}

export function hostEndpointFor(eni: NetworkInterface, node: string): CalicoObject {
  const labels: Record<string, string> = {
    [VPC_MEMBER_LABEL]: '',
    [ENI_ID_LABEL]: eni.networkInterfaceId,
    ...(eni.attachment?.instanceId ? { [INSTANCE_ID_LABEL]: eni.attachment.instanceId } : {}),
    [ENDPOINT_KIND_LABEL]: eniKind(eni),
    ...membershipLabels(eni.groups),
  };
  const ips = [...new Set([...eni.privateIpAddresses, ...eni.ipv6Addresses])];
  return hostEndpoint(hostEndpointName(eni.networkInterfaceId), node, ips, labels);
}
