// Calico GlobalNetworkPolicy / NetworkPolicy objects (crd.projectcalico.org/v1 or
// projectcalico.org/v3: same spec) → compiled policies, with selectors scoped the way
// libcalico-go's rule conversion scopes them.
import { parseSelector, prefixLabels, type SelectorNode } from '../selector/index.js';
import { protocolNumber } from './protocol.js';
import type { CompiledRule, Direction, EntityMatch, Policy, RuleAction } from './types.js';

export const NAMESPACE_LABEL = 'projectcalico.org/namespace';
export const ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
export const SERVICE_ACCOUNT_LABEL = 'projectcalico.org/serviceaccount';
export const NAME_LABEL = 'projectcalico.org/name';
export const NAMESPACE_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_PREFIX = 'pcsa.';

const and = (...nodes: (SelectorNode | undefined)[]): SelectorNode | undefined => {
  const present = nodes.filter((n): n is SelectorNode => n !== undefined);
  if (present.length === 0) return undefined;
  return present.length === 1 ? present[0] : { op: 'and', operands: present };
};
const hasNamespace: SelectorNode = { op: 'has', label: NAMESPACE_LABEL };

/** A namespaceSelector as Calico scopes it: pcns.-prefixed; all() = any namespaced endpoint, global() = non-namespaced. */
function namespaceScope(namespaceSelector: string): SelectorNode {
  const swap = (n: SelectorNode): SelectorNode => {
    switch (n.op) {
      case 'all':
        return hasNamespace;
      case 'global':
        return { op: 'not', operand: hasNamespace };
      case 'not':
        return { op: 'not', operand: swap(n.operand) };
      case 'and':
      case 'or':
        return { op: n.op, operands: n.operands.map(swap) };
      default:
        return n;
    }
  };
  return swap(prefixLabels(parseSelector(namespaceSelector), NAMESPACE_PREFIX));
}

function serviceAccountScope(sa: { names?: string[]; selector?: string } | undefined): SelectorNode | undefined {
  if (!sa) return undefined;
  const bySelector = sa.selector ? prefixLabels(parseSelector(sa.selector), SERVICE_ACCOUNT_PREFIX) : undefined;
  const byName: SelectorNode | undefined = sa.names?.length ? { op: 'in', label: SERVICE_ACCOUNT_LABEL, values: sa.names } : undefined;
  return and(bySelector, byName);
}

interface RawEntity {
  nets?: string[];
  notNets?: string[];
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  serviceAccounts?: { names?: string[]; selector?: string };
  services?: unknown;
  ports?: (number | string)[];
  notPorts?: (number | string)[];
}

/** libcalico-go GetEntityRuleSelector: the one selector an entity rule's endpoints must match. */
function entitySelector(e: RawEntity, namespace: string | undefined): SelectorNode | undefined {
  let nsScope: SelectorNode | undefined;
  if (e.namespaceSelector) nsScope = namespaceScope(e.namespaceSelector);
  else if (namespace) nsScope = { op: 'eq', label: NAMESPACE_LABEL, value: namespace };
  let selector = and(serviceAccountScope(e.serviceAccounts), e.selector ? parseSelector(e.selector) : undefined);
  if (nsScope && (selector || e.notSelector || e.namespaceSelector)) selector = selector ? and(nsScope, selector) : nsScope;
  return selector;
}

function compileEntity(raw: unknown, namespace: string | undefined): EntityMatch {
  const e = (raw ?? {}) as RawEntity;
  const out: EntityMatch = {};
  if (e.nets?.length) out.nets = e.nets;
  if (e.notNets?.length) out.notNets = e.notNets;
  const selector = entitySelector(e, namespace);
  if (selector) out.selector = selector;
  if (e.notSelector) out.notSelector = parseSelector(e.notSelector);
  if (e.ports?.length) out.ports = e.ports;
  if (e.notPorts?.length) out.notPorts = e.notPorts;
  if (e.services) out.unsupported = 'services match (needs the Kubernetes Service endpoints)';
  return out;
}

const ACTIONS: readonly RuleAction[] = ['Allow', 'Deny', 'Pass', 'Log'];

function compileProtocol(p: unknown, field: string): number | undefined {
  if (p === undefined || p === null || p === '') return undefined;
  const n = protocolNumber(p as string | number);
  if (n === undefined) throw new Error(`${field}: unknown protocol ${JSON.stringify(p)}`);
  return n;
}

function compileRule(raw: unknown, namespace: string | undefined, where: string): CompiledRule {
  const r = (raw ?? {}) as Record<string, unknown>;
  const action = r.action as RuleAction;
  if (!ACTIONS.includes(action)) throw new Error(`${where}: action ${JSON.stringify(r.action)} is not one of ${ACTIONS.join(', ')}`);
  const rule: CompiledRule = { action, source: compileEntity(r.source, namespace), destination: compileEntity(r.destination, namespace) };
  const protocol = compileProtocol(r.protocol, `${where}.protocol`);
  if (protocol !== undefined) rule.protocol = protocol;
  const notProtocol = compileProtocol(r.notProtocol, `${where}.notProtocol`);
  if (notProtocol !== undefined) rule.notProtocol = notProtocol;
  if (r.ipVersion === 4 || r.ipVersion === 6) rule.ipVersion = r.ipVersion;
  if (r.icmp) rule.icmp = r.icmp as CompiledRule['icmp'];
  if (r.notICMP) rule.notICMP = r.notICMP as CompiledRule['notICMP'];
  if (r.http) rule.unsupported = 'HTTP match (application layer policy)';
  return rule;
}

export interface RawPolicy {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/**
 * Compiles one policy. `tierOf` decides the tier when spec.tier is absent (label, then the
 * `<tier>.` name prefix Calico ≤ 3.31 reads). Throws naming the field on bad input.
 */
export function compilePolicy(obj: RawPolicy, tier: string): Policy {
  const spec = obj.spec ?? {};
  const namespaced = obj.kind === 'NetworkPolicy';
  const namespace = namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
  const id = `${obj.kind} ${namespace ? namespace + '/' : ''}${obj.metadata.name}`;
  const withField = <T>(field: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new Error(`${id}: spec.${field}: ${(err as Error).message}`, { cause: err });
    }
  };
  const own = withField('selector', () => parseSelector(typeof spec.selector === 'string' ? spec.selector : ''));
  const nsSel = !namespaced && typeof spec.namespaceSelector === 'string' && spec.namespaceSelector ? withField('namespaceSelector', () => namespaceScope(spec.namespaceSelector as string)) : undefined;
  const saSel = typeof spec.serviceAccountSelector === 'string' && spec.serviceAccountSelector ? withField('serviceAccountSelector', () => prefixLabels(parseSelector(spec.serviceAccountSelector as string), SERVICE_ACCOUNT_PREFIX)) : undefined;
  const nsScope: SelectorNode | undefined = namespace ? { op: 'eq', label: NAMESPACE_LABEL, value: namespace } : undefined;
  const selector = and(nsScope, own, nsSel, saSel) ?? { op: 'all' };

  const compileList = (dir: Direction): ReturnType<typeof compileRule>[] => {
    const list = Array.isArray(spec[dir]) ? (spec[dir] as unknown[]) : [];
    return list.map((r, i) => withField(`${dir}[${i}]`, () => compileRule(r, namespace, `rule ${i}`)));
  };
  const ingress = compileList('ingress');
  const egress = compileList('egress');
  const given = Array.isArray(spec.types) ? (spec.types as string[]) : [];
  // Calico's defaulting when types is empty: Ingress, plus Egress when there are egress rules.
  const types = given.length ? { ingress: given.includes('Ingress'), egress: given.includes('Egress') } : { ingress: true, egress: egress.length > 0 };
  const order = typeof spec.order === 'number' ? spec.order : undefined;
  const policy: Policy = { kind: namespaced ? 'NetworkPolicy' : 'GlobalNetworkPolicy', name: obj.metadata.name, tier, selector, types, ingress, egress };
  if (namespace) policy.namespace = namespace;
  if (order !== undefined) policy.order = order;
  return policy;
}
