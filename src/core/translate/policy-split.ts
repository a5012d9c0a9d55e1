// Turns one group's rules into one or more GlobalNetworkPolicies (split at Calico's rule limit),
// named base, base-2, … with increasing order.
import type { CalicoObject } from '../calico.js';
import { globalPolicy } from './objects.js';
import { splitName } from './naming.js';
import { splitRules, type RuleSets } from './splitting.js';

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
