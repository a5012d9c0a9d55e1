// Calico selector expressions sgbridge writes.
import { membershipLabel, VPC_MEMBER_LABEL } from '../vocabulary.js';

export function hasLabel(key: string): string {
  return `has(${key})`;
}

/** Members of a group: pods (webhook labels), VPC members (host endpoints), nodes (network sets). */
export function groupMembers(sgId: string): string {
  return hasLabel(membershipLabel(sgId));
}

export const VPC_MEMBER = hasLabel(VPC_MEMBER_LABEL);

/** The VPC members of a group, i.e. its host endpoints. */
export function groupVpcMembers(sgId: string): string {
  return `${groupMembers(sgId)} && ${VPC_MEMBER}`;
}

/**
 * Policies in sg-remote and metadata apply to pods only: a GlobalNetworkPolicy with
 * `namespaceSelector: all()` selects namespaced endpoints and never a host endpoint, so a real
 * node's host endpoint (e.g. Calico's automatic ones) is never firewalled by these tiers.
 */
export const PODS_ONLY = { selector: 'all()', namespaceSelector: 'all()' } as const;
