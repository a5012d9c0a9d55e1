// Names shared with the Calico Enterprise AWS security-group integration: manifests written for it
// must keep working, so these strings are part of the contract (SPEC "Vocabulary").

export const SG_ANNOTATION = 'aws.tigera.io/security-groups';
export const NAMESPACE_ALLOWED_ANNOTATION = 'aws.tigera.io/allowed-security-groups';
export const MEMBERSHIP_LABEL_PREFIX = 'sg.aws.tigera.io/';
export const METADATA_ACCESS_LABEL = 'aws.tigera.io/allow-metadata-access';
export const VPC_MEMBER_LABEL = 'aws.tigera.io/vpc-member';
export const ENI_ID_LABEL = 'aws.tigera.io/eni-id';
export const INSTANCE_ID_LABEL = 'aws.tigera.io/instance-id';
export const ENDPOINT_KIND_LABEL = 'aws.tigera.io/endpoint-kind';
export const MATCH_SG_ANNOTATION = 'rules.networkpolicy.tigera.io/match-security-groups';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'sgbridge';
export const CALICO_TIER_LABEL = 'projectcalico.org/tier';
/** On the sync Lease: when the last fully successful round ended (ISO 8601); doctor reads it. */
export const LAST_SYNC_ANNOTATION = 'sgbridge.io/last-successful-sync';

export const TIERS = {
  remote: { name: 'sg-remote', order: 105 },
  local: { name: 'sg-local', order: 106 },
  metadata: { name: 'metadata', order: 107 },
} as const;
export const PROTECTED_TIER_NAMES: readonly string[] = Object.values(TIERS).map((t) => t.name);
/** Nothing but allow-listed tiers may run at or before this order. */
export const LAST_PROTECTED_ORDER = TIERS.metadata.order;

export const TRUST_GROUP_NAME = 'tigera-trust-host-enforcement';
export const ENFORCED_GROUP_NAME = 'tigera-has-host-enforcement';
/** tigera-cluster-<cluster>-TigeraPodDefault-<suffix> */
export const POD_DEFAULT_GROUP_PATTERN = /^tigera-cluster-(.+)-TigeraPodDefault-.+$/;

/** AWS issues 8 or 17 hex digits; the integration's docs use 14-digit examples, so accept 8 to 17. */
export const SG_ID_PATTERN = /^sg-[0-9a-f]{8,17}$/;

export function isSgId(value: string): boolean {
  return SG_ID_PATTERN.test(value);
}

export function membershipLabel(sgId: string): string {
  return `${MEMBERSHIP_LABEL_PREFIX}${sgId}`;
}

/** The group a membership label names: 'sg.aws.tigera.io/sg-1' → 'sg-1'. */
export function groupOfMembershipLabel(label: string): string {
  return label.slice(MEMBERSHIP_LABEL_PREFIX.length);
}

export function isMembershipLabel(key: string): boolean {
  return key.startsWith(MEMBERSHIP_LABEL_PREFIX);
}
