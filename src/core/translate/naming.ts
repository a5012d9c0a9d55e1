// Object names (SPEC §3, calico-crds/SOURCE.md): a policy's stored name starts with its tier, which
// Calico v3.29–v3.31 read the tier from. Names are a pure function of ids, so they are stable.
import { TIERS } from '../vocabulary.js';

/** Name of the n-th (1-based) policy of a split: `base`, `base-2`, `base-3`, … */
export function splitName(base: string, n: number): string {
  return n === 1 ? base : `${base}-${n}`;
}

export function localPolicyName(sgId: string): string {
  return `${TIERS.local.name}.${sgId}`;
}

export function remotePolicyName(sgId: string): string {
  return `${TIERS.remote.name}.${sgId}`;
}

/** The last sg-remote policy: passes all traffic whose peer is not a VPC member. */
export const REMOTE_NON_MEMBER_POLICY = `${TIERS.remote.name}.not-vpc-member`;

export const METADATA_POLICY = `${TIERS.metadata.name}.instance-metadata`;

/** HostEndpoint of a VPC-member ENI (the form of kube-api-samples 016). */
export function hostEndpointName(eniId: string): string {
  return `vpc.${eniId}`;
}

/** GlobalNetworkSet carrying a cluster node's membership labels. */
export function nodeNetworkSetName(nodeName: string): string {
  return `node.${nodeName}`;
}

/** Calico NetworkPolicy made for a match-security-groups Kubernetes NetworkPolicy. */
export function companionName(networkPolicyName: string): string {
  return `default.${networkPolicyName}`;
}
