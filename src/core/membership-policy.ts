// The membership rules (SPEC §1), built in one place from one set of facts: the settings, the
// inventory, and the cluster's Nodes whenever a cluster is reachable (else the nodes the
// inventory recorded). The mutating webhook, the validating rule 6, the relabeller, doctor and
// explain all read the policy a MembershipPolicySource holds (or build it with
// membershipPolicyOf from the same facts), so a pod's labels do not depend on who touched it last.
import { internalGroupIds, resolveInternalGroups } from './internal-groups.js';
import { knownGroupIds, type ClusterNode, type Inventory } from './inventory.js';
import { withDefaults, type MembershipPolicy } from './membership/index.js';
import type { PolicyMembershipSource } from './security-group-policy/index.js';
import type { Settings } from './settings.js';
import { sameItems } from './same-items.js';

/** What a membership policy is built from. */
export interface MembershipFacts {
  inventory: Inventory;
  /** The cluster's Nodes when a cluster is reachable; undefined without one (the inventory's recorded nodes stand in). */
  clusterNodes?: readonly ClusterNode[];
  /** The cluster's SecurityGroupPolicies and ServiceAccounts (watch-fed); read only when the setting securityGroupPolicies is on. */
  securityGroupPolicies?: PolicyMembershipSource;
}

/** The nodes whose groups unannotated pods get: the cluster's when known, else the inventory's. */
export function membershipNodes(facts: MembershipFacts): readonly ClusterNode[] {
  return facts.clusterNodes ?? facts.inventory.nodes ?? [];
}

/**
 * Node groups are configured; where they are not, they are the groups on the cluster nodes' ENIs
 * (nodes matched by instance id), less the integration's internal groups.
 */
export function nodeGroupsOf(settings: Pick<Settings, 'nodeGroups'>, inventory: Inventory, nodes: readonly ClusterNode[], internal: string[]): string[] {
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

export function membershipPolicyOf(settings: Settings, facts: MembershipFacts): MembershipPolicy {
  const { inventory } = facts;
  const internal = resolveInternalGroups(settings, inventory);
  return withDefaults({
    nodeGroups: nodeGroupsOf(settings, inventory, membershipNodes(facts), internalGroupIds(internal)),
    podDefaultGroup: internal.podDefault,
    forbiddenGroups: new Set([internal.trust, internal.enforced].filter((x): x is string => Boolean(x))),
    knownGroups: knownGroupIds(inventory),
    strict: settings.strict,
    namespaceDefault: settings.namespaceDefault,
    ...(settings.securityGroupPolicies && facts.securityGroupPolicies ? { securityGroupPolicies: facts.securityGroupPolicies } : {}),
  });
}

/** The policy from explicit nodes (default: the inventory's recorded nodes). */
export function membershipPolicyFrom(settings: Settings, inventory: Inventory, nodes: readonly ClusterNode[] = inventory.nodes ?? []): MembershipPolicy {
  return membershipPolicyOf(settings, { inventory, clusterNodes: nodes });
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/** Whether two policies decide every pod alike. */
export function samePolicy(a: MembershipPolicy, b: MembershipPolicy): boolean {
  return (
    a.podDefaultGroup === b.podDefaultGroup &&
    a.strict === b.strict &&
    a.namespaceDefault === b.namespaceDefault &&
    a.securityGroupPolicies === b.securityGroupPolicies &&
    sameItems(a.nodeGroups, b.nodeGroups) &&
    sameSet(a.forbiddenGroups, b.forbiddenGroups) &&
    sameSet(a.knownGroups, b.knownGroups)
  );
}

/**
 * The membership policy of this moment. Rebuilt when its facts change (a node joins or leaves,
 * a new inventory); the policy object stays the same when nothing it decides changed, so the
 * per-policy caches of the webhook stay warm.
 */
export class MembershipPolicySource {
  private policy: MembershipPolicy;
  private state: MembershipFacts;
  private readonly listeners: ((policy: MembershipPolicy) => void)[] = [];

  constructor(
    private readonly settings: Settings,
    facts: MembershipFacts,
  ) {
    this.state = facts;
    this.policy = membershipPolicyOf(settings, facts);
  }

  get current(): MembershipPolicy {
    return this.policy;
  }

  get facts(): MembershipFacts {
    return this.state;
  }

  /** Takes new facts; true (and listeners told) when the policy changed. */
  update(change: Partial<MembershipFacts>): boolean {
    this.state = { ...this.state, ...change };
    const next = membershipPolicyOf(this.settings, this.state);
    if (samePolicy(next, this.policy)) return false;
    this.policy = next;
    for (const fn of this.listeners) fn(next);
    return true;
  }

  onChange(fn: (policy: MembershipPolicy) => void): void {
    this.listeners.push(fn);
  }
}
