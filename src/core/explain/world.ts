// Builds the model from manifests: Pods, Namespaces, ServiceAccounts, Kubernetes NetworkPolicies,
// and Calico Tiers, (Global)NetworkPolicies, HostEndpoints, (Global)NetworkSets in either API group.
import type { MembershipOrigin } from '../membership/index.js';
import { CALICO_TIER_LABEL, groupOfMembershipLabel, isMembershipLabel } from '../vocabulary.js';
import { k8sNetworkPolicyToCalico, type K8sNetworkPolicy } from './k8s-network-policy.js';
import { compilePolicy, NAME_LABEL, NAMESPACE_LABEL, NAMESPACE_PREFIX, ORCHESTRATOR_LABEL, SERVICE_ACCOUNT_LABEL, SERVICE_ACCOUNT_PREFIX, type RawPolicy } from './policies.js';
import { protocolNumber } from './protocol.js';
import type { Endpoint, NamedPort, Tier, World } from './types.js';

/** Calico's implicit `default` tier (projectcalico.org DefaultTierOrder). */
export const DEFAULT_TIER: Tier = { name: 'default', order: 1_000_000, defaultAction: 'Deny' };

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  items?: unknown[];
}

/**
 * What the mutating webhook would make of a pod's labels, and where its groups come from; an error
 * when it would deny the pod.
 */
export type PodAdmission = (pod: {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  serviceAccountName: string;
}) => { labels: Record<string, string>; origin?: MembershipOrigin } | { error: string };

const CALICO_GROUPS = new Set(['crd.projectcalico.org', 'projectcalico.org']);
const groupOf = (apiVersion: string | undefined) => (apiVersion?.includes('/') ? apiVersion.split('/')[0]! : '');

function flatten(objects: readonly unknown[]): Obj[] {
  const out: Obj[] = [];
  for (const o of objects) {
    if (!o || typeof o !== 'object') continue;
    const obj = o as Obj;
    if (Array.isArray(obj.items) && (obj.kind === 'List' || obj.kind?.endsWith('List'))) out.push(...flatten(obj.items));
    else out.push(obj);
  }
  return out;
}

function podIps(pod: Obj): string[] {
  const status = pod.status ?? {};
  const many = Array.isArray(status.podIPs) ? (status.podIPs as { ip?: string }[]).map((p) => p.ip).filter((x): x is string => Boolean(x)) : [];
  if (many.length) return many;
  return typeof status.podIP === 'string' && status.podIP ? [status.podIP] : [];
}

function namedPorts(pod: Obj): NamedPort[] {
  const containers = Array.isArray(pod.spec?.containers) ? (pod.spec.containers as { ports?: { name?: string; containerPort?: number; protocol?: string }[] }[]) : [];
  const out: NamedPort[] = [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name && typeof p.containerPort === 'number') out.push({ name: p.name, port: p.containerPort, protocol: protocolNumber(p.protocol ?? 'TCP') ?? 6 });
    }
  }
  return out;
}

function stringMap(x: unknown): Record<string, string> {
  return x && typeof x === 'object' ? { ...(x as Record<string, string>) } : {};
}

export interface WorldOptions {
  /** Applies the membership webhook to pods (labels from the annotation); identity when absent. */
  admitPod?: PodAdmission;
}

export function buildWorld(objects: readonly unknown[], options: WorldOptions = {}): World {
  const all = flatten(objects);
  const world: World = { tiers: new Map(), policies: [], pods: [], hostEndpoints: [], networkSets: [], namespaces: new Map(), problems: [] };
  const serviceAccounts = new Map<string, Record<string, string>>();
  const podObjects: Obj[] = [];
  const policyObjects: RawPolicy[] = [];

  for (const o of all) {
    const kind = o.kind ?? '';
    const group = groupOf(o.apiVersion);
    const meta = o.metadata;
    if (!meta?.name) {
      if (kind) world.problems.push(`a ${kind} without metadata.name was ignored`);
      continue;
    }
    if (group === '' && kind === 'Namespace') world.namespaces.set(meta.name, { ...stringMap(meta.labels), 'kubernetes.io/metadata.name': meta.name });
    else if (group === '' && kind === 'ServiceAccount') serviceAccounts.set(`${meta.namespace ?? 'default'}/${meta.name}`, stringMap(meta.labels));
    else if (group === '' && kind === 'Pod') podObjects.push(o);
    else if (group === 'networking.k8s.io' && kind === 'NetworkPolicy') policyObjects.push(k8sNetworkPolicyToCalico(o as K8sNetworkPolicy));
    else if (CALICO_GROUPS.has(group)) {
      const spec = o.spec ?? {};
      if (kind === 'Tier') {
        const order = typeof spec.order === 'number' ? spec.order : undefined;
        world.tiers.set(meta.name, { name: meta.name, ...(order !== undefined ? { order } : {}), defaultAction: spec.defaultAction === 'Pass' ? 'Pass' : 'Deny' });
      } else if (kind === 'GlobalNetworkPolicy' || kind === 'NetworkPolicy') {
        if (spec.doNotTrack || spec.preDNAT) world.problems.push(`${kind} ${meta.name}: doNotTrack/preDNAT policies act before connection tracking on host interfaces and are not evaluated here`);
        else policyObjects.push({ kind, metadata: meta, spec });
      } else if (kind.startsWith('Staged')) world.problems.push(`${kind} ${meta.name}: staged policies do not enforce and are not evaluated`);
      else if (kind === 'HostEndpoint') {
        const interfaceName = typeof spec.interfaceName === 'string' ? spec.interfaceName : '';
        world.hostEndpoints.push({
          kind: 'host-endpoint',
          id: `hostendpoint/${meta.name}`,
          labels: stringMap(meta.labels),
          ips: Array.isArray(spec.expectedIPs) ? (spec.expectedIPs as string[]) : [],
          enforced: interfaceName !== '',
          profiles: Array.isArray(spec.profiles) ? (spec.profiles as string[]) : [],
          namedPorts: [],
        });
      } else if (kind === 'GlobalNetworkSet') world.networkSets.push({ id: `globalnetworkset/${meta.name}`, labels: stringMap(meta.labels), nets: Array.isArray(spec.nets) ? (spec.nets as string[]) : [] });
      else if (kind === 'NetworkSet') {
        const ns = meta.namespace ?? 'default';
        world.networkSets.push({ id: `networkset/${ns}/${meta.name}`, labels: { ...stringMap(meta.labels), [NAMESPACE_LABEL]: ns }, nets: Array.isArray(spec.nets) ? (spec.nets as string[]) : [] });
      }
    }
  }

  if (!world.tiers.has(DEFAULT_TIER.name)) world.tiers.set(DEFAULT_TIER.name, DEFAULT_TIER);
  for (const p of policyObjects) {
    const tier = tierOf(p, world.tiers);
    if (!world.tiers.has(tier)) {
      world.problems.push(`${p.kind} ${p.metadata.name}: tier ${tier} has no Tier object (Calico would refuse the policy); evaluated last with defaultAction Deny`);
      world.tiers.set(tier, { name: tier, defaultAction: 'Deny' });
    }
    try {
      world.policies.push(compilePolicy(p, tier));
    } catch (err) {
      world.problems.push(`${(err as Error).message} (policy not evaluated)`);
    }
  }

  for (const pod of podObjects) {
    const endpoint = podEndpoint(pod, world, serviceAccounts, options.admitPod);
    if (typeof endpoint === 'string') world.problems.push(endpoint);
    else world.pods.push(endpoint);
  }
  return world;
}

function tierOf(p: RawPolicy, tiers: Map<string, Tier>): string {
  const spec = p.spec ?? {};
  if (typeof spec.tier === 'string' && spec.tier) return spec.tier;
  const label = p.metadata.labels?.[CALICO_TIER_LABEL];
  if (label) return label;
  const dot = p.metadata.name.indexOf('.');
  if (dot > 0 && !p.metadata.name.startsWith('knp.')) {
    const prefix = p.metadata.name.slice(0, dot);
    if (tiers.has(prefix)) return prefix;
  }
  return 'default';
}

/** The labels Felix gives a workload endpoint: pod labels, projectcalico.org/*, and the inherited pcns.* / pcsa.* profile labels. */
function podEndpoint(pod: Obj, world: World, serviceAccounts: Map<string, Record<string, string>>, admit: PodAdmission | undefined): Endpoint | string {
  const meta = pod.metadata!;
  const namespace = meta.namespace ?? 'default';
  const id = `pod/${namespace}/${meta.name}`;
  let labels = stringMap(meta.labels);
  const sa = typeof pod.spec?.serviceAccountName === 'string' && pod.spec.serviceAccountName ? pod.spec.serviceAccountName : 'default';
  let origin: MembershipOrigin | undefined;
  if (admit) {
    const admitted = admit({ namespace, name: meta.name, labels, annotations: stringMap(meta.annotations), serviceAccountName: sa });
    if ('error' in admitted) return `${id}: the membership webhook would deny this pod (${admitted.error}); it is left out`;
    labels = admitted.labels;
    origin = admitted.origin;
  }
  const nsLabels = world.namespaces.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
  const all: Record<string, string> = { ...labels, [NAMESPACE_LABEL]: namespace, [ORCHESTRATOR_LABEL]: 'k8s', [SERVICE_ACCOUNT_LABEL]: sa };
  for (const [k, v] of Object.entries(nsLabels)) all[NAMESPACE_PREFIX + k] = v;
  all[NAMESPACE_PREFIX + NAME_LABEL] = namespace;
  for (const [k, v] of Object.entries(serviceAccounts.get(`${namespace}/${sa}`) ?? {})) all[SERVICE_ACCOUNT_PREFIX + k] = v;
  all[SERVICE_ACCOUNT_PREFIX + NAME_LABEL] = sa;
  const hostNetwork = pod.spec?.hostNetwork === true;
  return {
    kind: 'pod',
    id,
    namespace,
    labels: all,
    ips: podIps(pod),
    // Host-networked pods are not Calico workload endpoints: they share the node's address.
    enforced: !hostNetwork,
    profiles: [`kns.${namespace}`, `ksa.${namespace}.${sa}`],
    namedPorts: namedPorts(pod),
    ...(origin ? { membership: { origin, carried: Object.keys(labels).filter(isMembershipLabel).map(groupOfMembershipLabel).sort() } } : {}),
  };
}
