// The objects sgbridge writes: their names, their shape, and the API group they are stored under.
// Every one carries the managed-by label, every policy its tier three ways (name prefix, spec.tier,
// projectcalico.org/tier label), and spec.types.
import { CALICO_API_VERSION, type CalicoApi, type CalicoObject, type Rule } from '../calico.js';
import { CALICO_TIER_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, TIERS } from '../vocabulary.js';

const API = CALICO_API_VERSION.crd;

// Names (SPEC §3, calico-crds/SOURCE.md): a policy's stored name starts with its tier, which
// Calico v3.29–v3.31 read the tier from. Names are a pure function of ids, so they are stable.

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

// Shapes.

/**
 * A record for labels, filled without a prototype and given Object.prototype by plainLabels()
 * when complete: with thousands of distinct group keys, filling ordinary objects makes V8 create
 * a hidden class per key combination, which dominated rendering large VPCs. The result is an
 * ordinary object (deep-equal to a literal, prototype included).
 */
export function labelObject(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

export function plainLabels(labels: Record<string, string>): Record<string, string> {
  return Object.setPrototypeOf(labels, Object.prototype) as Record<string, string>;
}

export function managedLabels(extra?: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  if (extra) for (const k in extra) labels[k] = extra[k]!;
  return labels;
}

export function tier(name: string, order: number): CalicoObject {
  return { apiVersion: API, kind: 'Tier', metadata: { name, labels: managedLabels() }, spec: { order, defaultAction: 'Deny' } };
}

/**
 * The integration's three tiers (SPEC §3), with defaultAction set explicitly: the CRD defaults it
 * to Deny only from Calico v3.32 (calico-crds/SOURCE.md).
 */
export function tiers(): CalicoObject[] {
  return [TIERS.remote, TIERS.local, TIERS.metadata].map((t) => tier(t.name, t.order));
}

export interface PolicyParts {
  tier: string;
  name: string;
  order: number;
  selector: string;
  namespaceSelector?: string;
  types: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
  annotations?: Record<string, string>;
}

export function globalPolicy(p: PolicyParts): CalicoObject {
  const spec: Record<string, unknown> = { tier: p.tier, order: p.order, selector: p.selector };
  if (p.namespaceSelector !== undefined) spec.namespaceSelector = p.namespaceSelector;
  spec.types = p.types;
  if (p.types.includes('Ingress')) spec.ingress = p.ingress ?? [];
  if (p.types.includes('Egress')) spec.egress = p.egress ?? [];
  return {
    apiVersion: API,
    kind: 'GlobalNetworkPolicy',
    metadata: {
      name: p.name,
      labels: managedLabels({ [CALICO_TIER_LABEL]: p.tier }),
      ...(p.annotations ? { annotations: p.annotations } : {}),
    },
    spec,
  };
}

/** `labels` must already hold the managed-by label (the builders in label-carriers.ts add it first). */
export function hostEndpoint(name: string, node: string, expectedIPs: string[], labels: Record<string, string>): CalicoObject {
  return { apiVersion: API, kind: 'HostEndpoint', metadata: { name, labels: plainLabels(labels) }, spec: { node, expectedIPs } };
}

export function globalNetworkSet(name: string, nets: string[], labels: Record<string, string>): CalicoObject {
  return { apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name, labels: plainLabels(labels) }, spec: { nets } };
}

/**
 * crd.projectcalico.org/v1 ↔ projectcalico.org/v3. The shapes are the same in both groups
 * (calico-crds v3.32.1); only apiVersion differs, and the tier-prefixed names are valid in both.
 */
export function toApi(objects: readonly CalicoObject[], api: CalicoApi): CalicoObject[] {
  const apiVersion = CALICO_API_VERSION[api];
  return objects.map((o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion }));
}
