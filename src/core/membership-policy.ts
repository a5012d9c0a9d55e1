// Builds the membership rules from settings and the inventory.
import { internalGroupIds, resolveInternalGroups } from './internal-groups.js';
import { knownGroupIds, type ClusterNode, type Inventory } from './inventory.js';
import { withDefaults, type MembershipPolicy } from './membership/index.js';
import type { Settings } from './settings.js';

/**
 * Node groups are configured; where they are not, they are the groups on the cluster nodes' ENIs
 * (nodes matched by instance id), less the integration's internal groups.
 */
export function nodeGroupsOf(settings: Pick<Settings, 'nodeGroups'>, inventory: Inventory, nodes: ClusterNode[], internal: string[]): string[] {
  if (settings.nodeGroups.length) return [...new Set(settings.nodeGroups.map((g) => g.toLowerCase()))].sort();
  const instances = new Set(nodes.map((n) => n.instanceId).filter(Boolean));
  const groups = new Set<string>();
  for (const eni of inventory.networkInterfaces) {
    const instance = eni.attachment?.instanceId;
    if (instance && instances.has(instance) && eni.attachment?.deviceIndex === 0) for (const g of eni.groups) groups.add(g);
  }
  for (const g of internal) groups.delete(g);
  return [...groups].sort();
}

export function membershipPolicyFrom(settings: Settings, inventory: Inventory, nodes: ClusterNode[] = inventory.nodes ?? []): MembershipPolicy {
  const internal = resolveInternalGroups(settings, inventory);
  return withDefaults({
    nodeGroups: nodeGroupsOf(settings, inventory, nodes, internalGroupIds(internal)),
    podDefaultGroup: internal.podDefault,
    forbiddenGroups: new Set([internal.trust, internal.enforced].filter((x): x is string => Boolean(x))),
    knownGroups: knownGroupIds(inventory),
    strict: settings.strict,
    namespaceDefault: settings.namespaceDefault,
  });
}
