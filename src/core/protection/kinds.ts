// Which rule family a request falls under, by API group and kind (resource as a fallback).
import type { AdmissionRequest } from '../admission-types.js';
import { CALICO_RESOURCE_KINDS, type CalicoResourceKind } from '../calico.js';
import { isRecord } from './read.js';

export type Guarded =
  | { family: 'tier'; kind: string }
  | { family: 'calico-policy'; kind: string }
  | { family: 'staged-k8s-policy'; kind: string }
  | { family: 'k8s-policy'; kind: string }
  | { family: 'endpoint'; kind: string }
  | { family: 'profile'; kind: string }
  | { family: 'pod'; kind: string }
  | { family: 'namespace'; kind: string }
  | { family: 'other'; kind: string };

export const CALICO_GROUPS: readonly string[] = ['projectcalico.org', 'crd.projectcalico.org'];

const CALICO_KINDS: Record<CalicoResourceKind, Guarded['family']> & Record<string, Guarded['family'] | undefined> = {
  Tier: 'tier',
  GlobalNetworkPolicy: 'calico-policy',
  NetworkPolicy: 'calico-policy',
  StagedGlobalNetworkPolicy: 'calico-policy',
  StagedNetworkPolicy: 'calico-policy',
  StagedKubernetesNetworkPolicy: 'staged-k8s-policy',
  HostEndpoint: 'endpoint',
  GlobalNetworkSet: 'endpoint',
  NetworkSet: 'endpoint',
  Profile: 'profile',
};

/** Kind by plural resource, from core/calico.ts's table. */
const CALICO_RESOURCES: Record<string, string> = Object.fromEntries(Object.entries(CALICO_RESOURCE_KINDS).map(([kind, r]) => [r.resource, kind]));

function field(value: unknown, key: string): string {
  return isRecord(value) && typeof value[key] === 'string' ? value[key] : '';
}

export function classify(request: AdmissionRequest): Guarded {
  const group = field(request.kind, 'group') || field(request.resource, 'group');
  const resource = field(request.resource, 'resource');
  const kind = field(request.kind, 'kind') || (CALICO_GROUPS.includes(group) ? (CALICO_RESOURCES[resource] ?? '') : '');
  if (CALICO_GROUPS.includes(group)) {
    const family = CALICO_KINDS[kind];
    return family ? { family, kind } : { family: 'other', kind };
  }
  if (group === 'networking.k8s.io' && (kind === 'NetworkPolicy' || resource === 'networkpolicies')) return { family: 'k8s-policy', kind: 'NetworkPolicy' };
  // pods/binding arrives as kind Binding on resource pods: it writes the pod too.
  if (group === '' && (kind === 'Pod' || resource === 'pods')) return { family: 'pod', kind: 'Pod' };
  if (group === '' && (kind === 'Namespace' || resource === 'namespaces')) return { family: 'namespace', kind: 'Namespace' };
  return { family: 'other', kind };
}
