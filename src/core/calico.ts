// The shapes sgbridge writes. Kept loose on purpose (spec is a plain record): the real CRD
// schemas in test/fixtures/calico-crds are the authority and the tests validate against them.

export type CalicoKind =
  | 'Tier'
  | 'GlobalNetworkPolicy'
  | 'NetworkPolicy'
  | 'HostEndpoint'
  | 'GlobalNetworkSet'
  | 'NetworkSet';

export type CalicoApi = 'crd' | 'v3';
export const CALICO_API_VERSION: Record<CalicoApi, string> = {
  crd: 'crd.projectcalico.org/v1',
  v3: 'projectcalico.org/v3',
};

/**
 * The one table of Calico kinds sgbridge writes or guards: each kind's resource (plural, the same in
 * both API groups) and scope. The webhook rules, the RBAC list, the caches and the request
 * classifier all read it.
 */
export const CALICO_RESOURCE_KINDS = {
  Tier: { resource: 'tiers', scope: 'Cluster' },
  GlobalNetworkPolicy: { resource: 'globalnetworkpolicies', scope: 'Cluster' },
  StagedGlobalNetworkPolicy: { resource: 'stagedglobalnetworkpolicies', scope: 'Cluster' },
  HostEndpoint: { resource: 'hostendpoints', scope: 'Cluster' },
  GlobalNetworkSet: { resource: 'globalnetworksets', scope: 'Cluster' },
  // Its labelsToApply reach every HostEndpoint that names it (protection rule 4).
  Profile: { resource: 'profiles', scope: 'Cluster' },
  NetworkPolicy: { resource: 'networkpolicies', scope: 'Namespaced' },
  StagedNetworkPolicy: { resource: 'stagednetworkpolicies', scope: 'Namespaced' },
  StagedKubernetesNetworkPolicy: { resource: 'stagedkubernetesnetworkpolicies', scope: 'Namespaced' },
  NetworkSet: { resource: 'networksets', scope: 'Namespaced' },
} as const satisfies Record<string, { resource: string; scope: 'Cluster' | 'Namespaced' }>;

export type CalicoResourceKind = keyof typeof CALICO_RESOURCE_KINDS;

/** The resource (plural) of each kind, the same in both API groups. */
export const CALICO_PLURALS = Object.fromEntries(Object.entries(CALICO_RESOURCE_KINDS).map(([kind, r]) => [kind, r.resource])) as { readonly [K in CalicoResourceKind]: (typeof CALICO_RESOURCE_KINDS)[K]['resource'] };

/** The collection path of a kind (all namespaces), e.g. /apis/crd.projectcalico.org/v1/tiers. */
export function calicoCollectionPath(api: CalicoApi, kind: CalicoKind): string {
  return `/apis/${CALICO_API_VERSION[api]}/${CALICO_PLURALS[kind]}`;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  uid?: string;
  resourceVersion?: string;
}

export interface CalicoObject {
  apiVersion: string;
  kind: CalicoKind;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

export interface EntityRule {
  nets?: string[];
  notNets?: string[];
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  ports?: (number | string)[];
  notPorts?: (number | string)[];
}

export interface Rule {
  action: 'Allow' | 'Deny' | 'Log' | 'Pass';
  protocol?: string | number;
  ipVersion?: 4 | 6;
  icmp?: { type?: number; code?: number };
  source?: EntityRule;
  destination?: EntityRule;
  metadata?: { annotations?: Record<string, string> };
}

/** Identity of an object for diffing: kind + namespace + name. */
export function objectKey(o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
