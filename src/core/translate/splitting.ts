// Calico's limits (SPEC §3): at most 1,024 rules per policy and 256 nets per rule. Larger inputs are
// split into more rules and more policies, never truncated: a group's rules become one or more
// GlobalNetworkPolicies named base, base-2, … with increasing order.
import type { CalicoObject, Rule } from '../calico.js';
import { globalPolicy, splitName } from './objects.js';

export const MAX_RULES_PER_POLICY = 1024;
export const MAX_NETS_PER_RULE = 256;

/** Splits into parts of at most `size`; a list that fits is returned as is (not copied). */
export function chunk<T>(items: T[], size: number): T[][] {
  if (items.length <= size) return [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface RuleSets {
  ingress: Rule[];
  egress: Rule[];
}

/** Splits one policy's rules into as few policies as the limit allows (always at least one). */
export function splitRules(rules: RuleSets, max = MAX_RULES_PER_POLICY): RuleSets[] {
  if (rules.ingress.length + rules.egress.length <= max) return [rules];
  const parts: RuleSets[] = [];
  let current: RuleSets = { ingress: [], egress: [] };
  const push = (dir: keyof RuleSets, rule: Rule) => {
    if (current.ingress.length + current.egress.length === max) {
      parts.push(current);
      current = { ingress: [], egress: [] };
    }
    current[dir].push(rule);
  };
  for (const r of rules.ingress) push('ingress', r);
  for (const r of rules.egress) push('egress', r);
  parts.push(current);
  return parts;
}

export const GROUP_POLICY_ORDER = 100;
export const GROUP_NAME_ANNOTATION = 'sgbridge.io/security-group';

export function groupPolicies(p: {
  tier: string;
  baseName: string;
  selector: string;
  namespaceSelector?: string;
  rules: RuleSets;
  groupText: string;
}): CalicoObject[] {
  return splitRules(p.rules).map((part, i) =>
    globalPolicy({
      tier: p.tier,
      name: splitName(p.baseName, i + 1),
      order: GROUP_POLICY_ORDER + i,
      selector: p.selector,
      ...(p.namespaceSelector ? { namespaceSelector: p.namespaceSelector } : {}),
      types: ['Ingress', 'Egress'],
      ingress: part.ingress,
      egress: part.egress,
      annotations: { [GROUP_NAME_ANNOTATION]: p.groupText },
    }),
  );
}

export function groupText(g: { groupId: string; groupName: string }): string {
  return g.groupName ? `${g.groupId} (${g.groupName})` : g.groupId;
}
