// Every Kubernetes API call sgbridge makes, in one list. The Helm chart's RBAC is checked against
// it (no rule unused, no call unallowed), and the apiserver test double refuses any request that
// is not listed here, so a new call without its permission fails the tests.
// Add an entry in the same commit as the code that makes the call.

import { CALICO_PLURALS } from '../core/calico.js';
import { MANAGED_KINDS } from './calico-store.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ApiPermission {
  /** API group: '' for core. */
  group: string;
  resource: string;
  verbs: Verb[];
  /** 'namespace' = only in sgbridge's own namespace (a Role); 'cluster' = a ClusterRole. */
  scope: 'cluster' | 'namespace';
  /** Which code makes the call, for the reader of the RBAC. */
  usedBy: string;
}

export const API_PERMISSIONS: ApiPermission[] = [
  { group: '', resource: 'namespaces', verbs: ['get', 'list', 'watch'], scope: 'cluster', usedBy: 'admission: namespace allow-list cache' },
  // syncer (src/kube/calico-store.ts, cluster-caches.ts, leader.ts, events.ts): the kinds it writes
  ...(['crd.projectcalico.org', 'projectcalico.org'] as const).flatMap((group) =>
    MANAGED_KINDS.map(
      (kind): ApiPermission => ({
        group,
        resource: CALICO_PLURALS[kind],
        verbs: ['list', 'watch', 'patch', 'delete'],
        scope: 'cluster',
        usedBy: `syncer: list own objects, server-side apply, delete with preconditions, watch for drift${kind === 'Tier' ? '; admission: every Tier watched for its order (every replica)' : ''}`,
      }),
    ),
  ),
  { group: '', resource: 'nodes', verbs: ['list', 'watch'], scope: 'cluster', usedBy: 'syncer: node instance ids and addresses' },
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['list', 'watch'], scope: 'cluster', usedBy: 'syncer: match-security-groups companions' },
  { group: '', resource: 'pods', verbs: ['list', 'watch', 'patch'], scope: 'cluster', usedBy: 'syncer: pod cache (membership labels and annotation), relabel pods whose membership labels are wrong' },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], scope: 'namespace', usedBy: 'syncer: leader election Lease sgbridge-syncer' },
  { group: '', resource: 'events', verbs: ['create'], scope: 'namespace', usedBy: 'syncer: DeletionHeld events' },
  // certificates (src/kube/cert-secret.ts, webhook-cabundle.ts; src/sync/cert-manager.ts)
  { group: '', resource: 'secrets', verbs: ['get', 'create', 'update'], scope: 'namespace', usedBy: 'certificates: the TLS Secret <serviceName>-tls (every replica reads it; the leader renews it)' },
  { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', verbs: ['get', 'patch'], scope: 'cluster', usedBy: "certificates: inject and repair caBundle in sgbridge's own configuration" },
  { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', verbs: ['get', 'patch'], scope: 'cluster', usedBy: "certificates: inject and repair caBundle in sgbridge's own configuration" },
];

/** What the SecurityGroupPolicy caches read (setting securityGroupPolicies; the chart's own ClusterRole for it). */
export const SECURITY_GROUP_POLICY_PERMISSIONS: ApiPermission[] = [
  { group: 'vpcresources.k8s.aws', resource: 'securitygrouppolicies', verbs: ['get', 'list', 'watch'], scope: 'cluster', usedBy: 'membership: SecurityGroupPolicy cache (src/kube/security-group-policy-caches.ts)' },
  { group: '', resource: 'serviceaccounts', verbs: ['get', 'list', 'watch'], scope: 'cluster', usedBy: "membership: ServiceAccount label cache, for policies' serviceAccountSelector" },
];
