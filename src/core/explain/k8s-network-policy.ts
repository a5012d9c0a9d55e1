// Kubernetes NetworkPolicy → the Calico NetworkPolicy Calico itself derives from it
// (libcalico-go k8s conversion): name knp.default.<name>, tier default, order 1000, pod selectors
// prefixed with projectcalico.org/orchestrator == 'k8s', one Allow rule per protocol × peer.

export const K8S_POLICY_ORDER = 1000;
export const K8S_POLICY_PREFIX = 'knp.default.';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Port {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface K8sRule {
  from?: Peer[];
  to?: Peer[];
  ports?: Port[];
}
export interface K8sNetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec?: { podSelector?: LabelSelector; policyTypes?: string[]; ingress?: K8sRule[]; egress?: K8sRule[] };
}

function selectorToCalico(s: LabelSelector | undefined, forPods: boolean): string {
  const parts: string[] = forPods ? ["projectcalico.org/orchestrator == 'k8s'"] : [];
  if (!s) return parts.join(' && ');
  const labels = s.matchLabels ?? {};
  const exprs = s.matchExpressions ?? [];
  if (!forPods && Object.keys(labels).length === 0 && exprs.length === 0) return 'all()';
  for (const k of Object.keys(labels).sort()) parts.push(`${k} == '${labels[k]}'`);
  for (const e of exprs) {
    const values = (e.values ?? []).join("', '");
    if (e.operator === 'In') parts.push(`${e.key} in { '${values}' }`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} not in { '${values}' }`);
    else if (e.operator === 'Exists') parts.push(`has(${e.key})`);
    else if (e.operator === 'DoesNotExist') parts.push(`! has(${e.key})`);
  }
  return parts.join(' && ');
}

function peerFields(peer: Peer | undefined): Record<string, unknown> {
  if (!peer) return {};
  if (peer.ipBlock) return { nets: [peer.ipBlock.cidr], ...(peer.ipBlock.except?.length ? { notNets: peer.ipBlock.except } : {}) };
  const out: Record<string, unknown> = { selector: selectorToCalico(peer.podSelector, true) };
  const ns = selectorToCalico(peer.namespaceSelector, false);
  if (ns) out.namespaceSelector = ns;
  return out;
}

function rulesFor(rule: K8sRule, ingress: boolean): Record<string, unknown>[] {
  const peers: (Peer | undefined)[] = (ingress ? rule.from : rule.to)?.length ? (ingress ? rule.from! : rule.to!) : [undefined];
  // protocol → ports; undefined ports = all ports of that protocol; key '' = any protocol.
  let byProtocol = new Map<string, (number | string)[] | undefined>();
  for (const p of rule.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP').toUpperCase();
    if (p.port === undefined) {
      byProtocol.set(protocol, undefined);
      continue;
    }
    const port = p.endPort !== undefined ? `${p.port}:${p.endPort}` : p.port;
    if (!byProtocol.has(protocol)) byProtocol.set(protocol, [port]);
    else byProtocol.get(protocol)?.push(port);
  }
  if (byProtocol.size === 0) byProtocol = new Map([['', undefined]]);
  const out: Record<string, unknown>[] = [];
  for (const protocol of [...byProtocol.keys()].sort()) {
    const ports = byProtocol.get(protocol);
    for (const peer of peers) {
      const local = ports ? { ports } : {};
      const remote = peerFields(peer);
      out.push({
        action: 'Allow',
        ...(protocol ? { protocol } : {}),
        source: ingress ? remote : {},
        destination: ingress ? local : { ...local, ...remote },
      });
    }
  }
  return out;
}

/** The Calico NetworkPolicy (projectcalico.org/v3 shape) that Calico runs for a Kubernetes one. */
export function k8sNetworkPolicyToCalico(np: K8sNetworkPolicy): { kind: 'NetworkPolicy'; metadata: { name: string; namespace: string }; spec: Record<string, unknown> } {
  const spec = np.spec ?? {};
  const ingress = (spec.ingress ?? []).flatMap((r) => rulesFor(r ?? {}, true));
  const egress = (spec.egress ?? []).flatMap((r) => rulesFor(r ?? {}, false));
  const typesGiven = spec.policyTypes ?? [];
  const types: string[] = [];
  if (typesGiven.includes('Ingress')) types.push('Ingress');
  if (typesGiven.includes('Egress')) types.push('Egress');
  if (types.length === 0) types.push('Ingress');
  return {
    kind: 'NetworkPolicy',
    metadata: { name: K8S_POLICY_PREFIX + np.metadata.name, namespace: np.metadata.namespace ?? 'default' },
    spec: { tier: 'default', order: K8S_POLICY_ORDER, selector: selectorToCalico(spec.podSelector, true), types, ingress, egress },
  };
}
