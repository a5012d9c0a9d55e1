// The integration's internal groups (trust, enforced, pod default): ids from settings, else found
// by name in the inventory (SPEC "Vocabulary").
import { findGroupByName, type Inventory } from './inventory.js';
import type { Settings } from './settings.js';
import { ENFORCED_GROUP_NAME, TRUST_GROUP_NAME } from './vocabulary.js';

export interface InternalGroups {
  trust?: string;
  enforced?: string;
  podDefault?: string;
}

export function resolveInternalGroups(
  settings: Pick<Settings, 'trustGroupId' | 'enforcedGroupId' | 'podDefaultGroupId' | 'clusterName'>,
  inventory: Inventory,
): InternalGroups {
  const podDefaultName = (name: string) =>
    name.startsWith(`tigera-cluster-${settings.clusterName}-TigeraPodDefault-`);
  return {
    trust: settings.trustGroupId || findGroupByName(inventory, TRUST_GROUP_NAME)?.groupId,
    enforced: settings.enforcedGroupId || findGroupByName(inventory, ENFORCED_GROUP_NAME)?.groupId,
    podDefault: settings.podDefaultGroupId || inventory.securityGroups.find((g) => podDefaultName(g.groupName))?.groupId,
  };
}

export function internalGroupIds(groups: InternalGroups): string[] {
  return [groups.trust, groups.enforced, groups.podDefault].filter((x): x is string => Boolean(x));
}
