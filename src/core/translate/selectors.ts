// Calico selector expressions sgbridge writes, and the one list of label keys they may name.
//
// A selector is only as strong as the labels it reads: a rule selector also matches NetworkSets,
// GlobalNetworkSets and HostEndpoints, so every key a policy of sgbridge's selects on must be one
// that nobody but sgbridge can put on those (SPEC §2 rule 4). The validating webhook and the
// ValidatingAdmissionPolicy read `isSelectedLabelKey` from here, so a selector built in this file
// and the protection of its keys cannot drift apart.
import type { Settings } from '../settings.js';
import { ENDPOINT_KIND_LABEL, ENI_ID_LABEL, INSTANCE_ID_LABEL, isMembershipLabel, MEMBERSHIP_LABEL_PREFIX, membershipLabel, METADATA_ACCESS_LABEL, VPC_MEMBER_LABEL } from '../vocabulary.js';

/**
 * The label keys (other than membership labels) that sgbridge's selectors name or that it puts on
 * its label carriers for users' policies to select VPC members by (ENI, instance, kind).
 */
export const SELECTED_LABEL_KEYS: readonly string[] = [VPC_MEMBER_LABEL, ENI_ID_LABEL, INSTANCE_ID_LABEL, ENDPOINT_KIND_LABEL, METADATA_ACCESS_LABEL];

/** Prefixes of selected keys: every membership label. */
export const SELECTED_LABEL_PREFIXES: readonly string[] = [MEMBERSHIP_LABEL_PREFIX];

/** Whether a label key is one that sgbridge's policies select on (and so identity on an endpoint or set). */
export function isSelectedLabelKey(key: string): boolean {
  return isMembershipLabel(key) || SELECTED_LABEL_KEYS.includes(key);
}

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

/**
 * The pods that may not reach the instance metadata service, as a policy's own selector (pods
 * only, like PODS_ONLY): without the "true" label when access is denied by default, with the
 * "false" label when it is allowed.
 */
export function metadataDeniedPods(mode: Settings['metadataAccess']): { selector: string; namespaceSelector: string } {
  const selector = mode === 'allowed' ? `${METADATA_ACCESS_LABEL} == 'false'` : `${METADATA_ACCESS_LABEL} != 'true'`;
  return { selector, namespaceSelector: PODS_ONLY.namespaceSelector };
}
