// The translation that reuses the previous one's work is the full translation: after any sequence
// of changes (a group's rules, name or VPC, groups and ENIs added and removed, prefix lists, nodes,
// equal copies of unchanged objects, settings), what translateReusing gives with the memory it
// was handed is byte for byte what translate gives from scratch, and so is the plan's desired set
// in both Calico API groups.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalicoApi } from '../../../src/core/calico.js';
import type { ClusterNode, Inventory, IpPermission, NetworkInterface, SecurityGroup } from '../../../src/core/inventory.js';
import { membershipPolicyFrom } from '../../../src/core/membership-policy.js';
import { desiredObjects, planRound, type PlanMemory } from '../../../src/core/reconcile.js';
import { NO_HOLD } from '../../../src/core/safety.js';
import { defaultSettings, type Settings } from '../../../src/core/settings.js';
import { translate, translateReusing, type TranslationMemory } from '../../../src/core/translate/index.js';
import { largeEniId, largeGroupId, largeInventory, LARGE_VPC_ID } from '../../support/large-inventory.js';

interface World {
  inventory: Inventory;
  nodes: ClusterNode[];
  settings: Settings;
}

type Change = (w: World) => World;

const GROUPS = 12;
const base = (seed: number): World => {
  const inventory = largeInventory({ groups: GROUPS, permissionsPerGroup: 6, enis: 250, nodes: 3, prefixLists: 4, seed });
  return { inventory, nodes: inventory.nodes ?? [], settings: defaultSettings() };
};

const at = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
const withGroups = (w: World, securityGroups: SecurityGroup[]): World => ({ ...w, inventory: { ...w.inventory, securityGroups } });
const withEnis = (w: World, networkInterfaces: NetworkInterface[]): World => ({ ...w, inventory: { ...w.inventory, networkInterfaces } });
const replaceAt = <T>(xs: readonly T[], i: number, f: (x: T) => T | undefined): T[] => xs.flatMap((x, j) => (j === i % xs.length ? (f(x) ?? []) : [x]));

// permissions that reach every path of the mapping: peers that resolve and that do not
const permission = fc.oneof(
  fc.nat(GROUPS + 3).map((g): IpPermission => ({ ipProtocol: 'tcp', fromPort: 8443, toPort: 8443, userIdGroupPairs: [{ groupId: largeGroupId(g) }] })),
  fc.nat(5).map((p): IpPermission => ({ ipProtocol: 'tcp', fromPort: 443, toPort: 443, prefixListIds: [{ prefixListId: `pl-${p.toString(16).padStart(17, '0')}` }] })),
  fc.constantFrom<IpPermission>(
    { ipProtocol: 'udp', fromPort: 53, toPort: 53, ipRanges: [{ cidrIp: '10.9.0.0/16' }, { cidrIp: 'not-a-cidr' }] },
    { ipProtocol: 'icmp', fromPort: 8, toPort: -1, ipv6Ranges: [{ cidrIpv6: '::/0' }] },
    { ipProtocol: 'gre', ipRanges: [{ cidrIp: '10.0.0.0/8' }] },
    { ipProtocol: '-1', userIdGroupPairs: [{ groupId: largeGroupId(1), vpcId: 'vpc-elsewhere' }] },
  ),
);

const change: fc.Arbitrary<Change> = fc.oneof(
  // one group's rules: a permission added or the last one removed
  fc.tuple(fc.nat(), permission, fc.boolean()).map(([i, p, inbound]): Change => (w) => withGroups(w, replaceAt(w.inventory.securityGroups, i, (g) => (inbound ? { ...g, inbound: [...g.inbound, p] } : { ...g, outbound: [...g.outbound, p] })))),
  fc.nat().map((i): Change => (w) => withGroups(w, replaceAt(w.inventory.securityGroups, i, (g) => ({ ...g, inbound: g.inbound.slice(0, -1) })))),
  // a group renamed (the rules of the groups that name it say its name) or moved to another VPC
  fc.tuple(fc.nat(), fc.string({ maxLength: 6 })).map(([i, name]): Change => (w) => withGroups(w, replaceAt(w.inventory.securityGroups, i, (g) => ({ ...g, groupName: name })))),
  fc.nat().map((i): Change => (w) => withGroups(w, replaceAt(w.inventory.securityGroups, i, (g) => ({ ...g, vpcId: 'vpc-elsewhere' })))),
  // groups deleted and added (an id other rules may already name)
  fc.nat().map((i): Change => (w) => withGroups(w, replaceAt(w.inventory.securityGroups, i, () => undefined))),
  fc.tuple(fc.nat(GROUPS + 3), fc.array(permission, { maxLength: 3 })).map(([i, inbound]): Change => (w) =>
    w.inventory.securityGroups.some((g) => g.groupId === largeGroupId(i)) ? w : withGroups(w, [...w.inventory.securityGroups, { groupId: largeGroupId(i), groupName: `new-${i}`, vpcId: LARGE_VPC_ID, inbound, outbound: [] }]),
  ),
  // ENIs: their groups and addresses, deleted, added
  fc.tuple(fc.nat(), fc.nat(GROUPS + 3)).map(([i, g]): Change => (w) => withEnis(w, replaceAt(w.inventory.networkInterfaces, i, (e) => ({ ...e, groups: [...e.groups, largeGroupId(g)] })))),
  fc.nat().map((i): Change => (w) => withEnis(w, replaceAt(w.inventory.networkInterfaces, i, (e) => ({ ...e, groups: e.groups.slice(1) })))),
  // a node's own ENI: the node's network set carries its groups
  fc.tuple(fc.nat(), fc.nat(GROUPS + 3)).map(([i, g]): Change => (w) => {
    const instances = new Set(w.nodes.map((n) => n.instanceId));
    const own = w.inventory.networkInterfaces.filter((e) => instances.has(e.attachment?.instanceId));
    const target = at(own, i);
    return target ? withEnis(w, w.inventory.networkInterfaces.map((e) => (e === target ? { ...e, groups: [largeGroupId(g)] } : e))) : w;
  }),
  fc.nat().map((i): Change => (w) => withEnis(w, replaceAt(w.inventory.networkInterfaces, i, (e) => ({ ...e, privateIpAddresses: [...e.privateIpAddresses, '10.99.0.1'] })))),
  fc.nat().map((i): Change => (w) => withEnis(w, replaceAt(w.inventory.networkInterfaces, i, () => undefined))),
  fc.tuple(fc.nat(), fc.nat(9999)).map(([i, n]): Change => (w) => {
    const like = at(w.inventory.networkInterfaces, i);
    return like ? withEnis(w, [...w.inventory.networkInterfaces, { ...like, networkInterfaceId: largeEniId(100_000 + n), privateIpAddresses: ['10.98.0.1'] }]) : w;
  }),
  // prefix lists changed or gone
  fc.nat().map((i): Change => (w) => ({ ...w, inventory: { ...w.inventory, prefixLists: replaceAt(w.inventory.prefixLists, i, (l) => ({ ...l, cidrs: [...l.cidrs, '172.31.99.0/24'] })) } })),
  fc.nat().map((i): Change => (w) => ({ ...w, inventory: { ...w.inventory, prefixLists: replaceAt(w.inventory.prefixLists, i, () => undefined) } })),
  // nodes: one leaves, one's addresses change
  fc.nat().map((i): Change => (w) => ({ ...w, nodes: replaceAt(w.nodes, i, () => undefined) })),
  fc.nat().map((i): Change => (w) => ({ ...w, nodes: replaceAt(w.nodes, i, (n) => ({ ...n, addresses: ['10.254.0.9'] })) })),
  // a full re-read: the same inventory in new objects
  fc.constant<Change>((w) => ({ ...w, inventory: structuredClone(w.inventory), nodes: structuredClone(w.nodes) })),
  // settings
  fc.constantFrom<Change>(
    (w) => ({ ...w, settings: { ...w.settings, metadataAccess: w.settings.metadataAccess === 'allowed' ? 'denied' : 'allowed' } }),
    (w) => ({ ...w, settings: { ...w.settings, hostEndpointNode: `${w.settings.hostEndpointNode}-x` } }),
    (w) => ({ ...w, settings: { ...w.settings, nodeGroups: w.settings.nodeGroups.length ? [] : [largeGroupId(2)] } }),
  ),
);

const bytes = (x: unknown) => JSON.stringify(x);

describe('translateReusing', () => {
  it('gives, after any sequence of changes, exactly what translate gives from scratch', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(change, { minLength: 1, maxLength: 8 }), (seed, changes) => {
        let w = base(seed);
        let memory: TranslationMemory | undefined;
        for (const step of [(x: World) => x, ...changes]) {
          w = step(w);
          const reused = translateReusing(w.inventory, { nodes: w.nodes }, w.settings, memory);
          expect(bytes(reused.translation)).toBe(bytes(translate(w.inventory, { nodes: w.nodes }, w.settings)));
          memory = reused.memory;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reuses: an unchanged group, ENI or node keeps its objects, a changed one gets new ones', () => {
    const w = base(1);
    const first = translateReusing(w.inventory, { nodes: w.nodes }, w.settings);
    const changed = w.inventory.securityGroups[3]!;
    const inventory = { ...w.inventory, securityGroups: w.inventory.securityGroups.map((g) => (g === changed ? { ...g, groupName: 'renamed' } : g)) };
    const second = translateReusing(inventory, { nodes: w.nodes }, w.settings, first.memory);
    const before = new Map(first.translation.objects.map((o) => [o.metadata.name, o]));
    const fresh = second.translation.objects.filter((o) => before.get(o.metadata.name) !== o).map((o) => o.metadata.name);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.every((name) => name.endsWith(changed.groupId) || JSON.stringify(second.translation.objects.find((o) => o.metadata.name === name)).includes(changed.groupId))).toBe(true);
    expect(fresh.length).toBeLessThan(second.translation.objects.length / 10);
  });
});

describe('planRound with the previous plan\'s memory', () => {
  it('wants exactly the objects desiredObjects gives, in either API group', () => {
    const companionSource = { metadata: { name: 'np', namespace: 'team', uid: 'u1', annotations: { 'rules.networkpolicy.tigera.io/match-security-groups': 'true' } }, spec: { ingress: [{ from: [{ podSelector: { matchLabels: { [`sg.aws.tigera.io/${largeGroupId(1)}`]: '' } } }] }] } };
    fc.assert(
      fc.property(fc.nat(1000), fc.constantFrom<CalicoApi>('crd', 'v3'), fc.array(change, { minLength: 1, maxLength: 5 }), fc.boolean(), (seed, api, changes, withCompanion) => {
        let w = base(seed);
        let memory: PlanMemory | undefined;
        const networkPolicies = withCompanion ? [companionSource] : [];
        for (const step of [(x: World) => x, ...changes]) {
          w = step(w);
          const plan = planRound({
            inventory: w.inventory,
            cluster: { nodes: w.nodes, networkPolicies, namespaceAnnotations: () => undefined, pods: [] },
            actual: [],
            settings: w.settings,
            api,
            membership: membershipPolicyFrom(w.settings, w.inventory),
            hold: NO_HOLD,
            ...(memory ? { memory } : {}),
          });
          expect(bytes(plan.desired)).toBe(bytes(desiredObjects({ inventory: w.inventory, nodes: w.nodes, networkPolicies }, w.settings, api)));
          memory = plan.memory;
        }
      }),
      { numRuns: 25 },
    );
  });
});
