// Builders for the objects sgbridge writes: every one carries the managed-by label, every policy
// its tier three ways (name prefix, spec.tier, projectcalico.org/tier label), and spec.types.
import { CALICO_API_VERSION, type CalicoObject, type Rule } from '../calico.js';
import { CALICO_TIER_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../vocabulary.js';

const API = CALICO_API_VERSION.crd;

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

/** `labels` must already hold the managed-by label (the builders in host-endpoints / node-label-carriers add it first). */
export function hostEndpoint(name: string, node: string, expectedIPs: string[], labels: Record<string, string>): CalicoObject {
  return { apiVersion: API, kind: 'HostEndpoint', metadata: { name, labels: plainLabels(labels) }, spec: { node, expectedIPs } };
}

export function globalNetworkSet(name: string, nets: string[], labels: Record<string, string>): CalicoObject {
  return { apiVersion: API, kind: 'GlobalNetworkSet', metadata: { name, labels: plainLabels(labels) }, spec: { nets } };
}
