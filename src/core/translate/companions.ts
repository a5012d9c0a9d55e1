// match-security-groups (SPEC §3): a Kubernetes NetworkPolicy annotated
// rules.networkpolicy.tigera.io/match-security-groups: "true" gets a companion Calico NetworkPolicy
// in its namespace (tier default, order 1000 as Calico gives Kubernetes policies, owned by the
// NetworkPolicy so the garbage collector removes it). For every peer whose podSelector names a
// membership label it adds Allow rules with the same ports that match the group's members
// everywhere: VPC members and node label carriers (namespaceSelector global()) and pods in any
// namespace (namespaceSelector all()). Peers without membership labels are Kubernetes' business.
import type { CalicoObject, EntityRule, Rule } from '../calico.js';
import { CALICO_API_VERSION } from '../calico.js';
import { CALICO_TIER_LABEL, isMembershipLabel, MATCH_SG_ANNOTATION } from '../vocabulary.js';
import { companionName, managedLabels } from './objects.js';
import { hasLabel } from './selectors.js';

/** Calico's order for policies converted from Kubernetes NetworkPolicies. */
export const KUBERNETES_POLICY_ORDER = 1000;

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface NpPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface NpPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface NpRule {
  ports?: NpPort[];
  from?: NpPeer[];
  to?: NpPeer[];
}
interface NetworkPolicy {
  metadata?: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
  spec?: { podSelector?: LabelSelector; ingress?: NpRule[]; egress?: NpRule[] };
}

// Kubernetes label values cannot hold quotes, and Calico's selector strings have no escapes.
const quote = (v: string) => `'${v}'`;

/** A Kubernetes label selector as a Calico selector expression (empty → all()). */
export function calicoSelector(sel: LabelSelector | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k} == ${quote(v)}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = `{${(e.values ?? []).map(quote).join(', ')}}`;
    if (e.operator === 'In') parts.push(`${e.key} in ${values}`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} not in ${values}`);
    else if (e.operator === 'Exists') parts.push(hasLabel(e.key));
    else if (e.operator === 'DoesNotExist') parts.push(`!${hasLabel(e.key)}`);
  }
  return parts.length ? parts.join(' && ') : 'all()';
}

/** Membership labels a peer's podSelector names (as label or Exists/In expression), sorted. */
export function membershipLabelsOf(peer: NpPeer): string[] {
  const keys = new Set<string>();
  for (const k of Object.keys(peer.podSelector?.matchLabels ?? {})) if (isMembershipLabel(k)) keys.add(k);
  for (const e of peer.podSelector?.matchExpressions ?? []) {
    if (isMembershipLabel(e.key) && (e.operator === 'Exists' || e.operator === 'In')) keys.add(e.key);
  }
  return [...keys].sort();
}

/** Ports grouped by protocol: one Calico rule per protocol (no ports → one rule, any protocol). */
function portGroups(ports: NpPort[] | undefined): { protocol?: string; ports?: (number | string)[] }[] {
  if (!ports || ports.length === 0) return [{}];
  const byProto = new Map<string, (number | string)[]>();
  for (const p of ports) {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    const list = byProto.get(proto) ?? [];
    if (p.port !== undefined) list.push(p.endPort !== undefined && typeof p.port === 'number' ? `${p.port}:${p.endPort}` : p.port);
    byProto.set(proto, list);
  }
  return [...byProto].map(([protocol, list]) => (list.length ? { protocol, ports: list } : { protocol }));
}

function rulesFor(rules: NpRule[] | undefined, direction: 'ingress' | 'egress'): Rule[] {
  const out: Rule[] = [];
  for (const r of rules ?? []) {
    const peers = direction === 'ingress' ? r.from : r.to;
    for (const peer of peers ?? []) {
      const labels = membershipLabelsOf(peer);
      if (labels.length === 0) continue;
      const selector = labels.map(hasLabel).join(' && ');
      for (const namespaceSelector of ['global()', 'all()']) {
        for (const pg of portGroups(r.ports)) {
          const rule: Rule = { action: 'Allow' };
          if (pg.protocol) rule.protocol = pg.protocol;
          const peerEntity: EntityRule = { selector, namespaceSelector };
          const ports: EntityRule = pg.ports ? { ports: pg.ports } : {};
          if (direction === 'ingress') {
            rule.source = peerEntity;
            if (pg.ports) rule.destination = ports;
          } else {
            rule.destination = { ...peerEntity, ...ports };
          }
          out.push(rule);
        }
      }
    }
  }
  return out;
}

/** The companion Calico NetworkPolicy, or undefined when the annotation is not "true" or no peer names a group. */
export function companionFor(np: unknown): CalicoObject | undefined {
  const policy = np as NetworkPolicy;
  const meta = policy?.metadata;
  if (!meta?.name || meta.annotations?.[MATCH_SG_ANNOTATION] !== 'true') return undefined;
  const ingress = rulesFor(policy.spec?.ingress, 'ingress');
  const egress = rulesFor(policy.spec?.egress, 'egress');
  if (ingress.length === 0 && egress.length === 0) return undefined;
  const types: ('Ingress' | 'Egress')[] = [];
  if (ingress.length) types.push('Ingress');
  if (egress.length) types.push('Egress');
  const spec: Record<string, unknown> = { tier: 'default', order: KUBERNETES_POLICY_ORDER, selector: calicoSelector(policy.spec?.podSelector), types };
  if (ingress.length) spec.ingress = ingress;
  if (egress.length) spec.egress = egress;
  return {
    apiVersion: CALICO_API_VERSION.crd,
    kind: 'NetworkPolicy',
    metadata: {
      name: companionName(meta.name),
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      labels: managedLabels({ [CALICO_TIER_LABEL]: 'default' }),
      ...(meta.uid
        ? { ownerReferences: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }] }
        : {}),
    },
    spec,
  };
}
