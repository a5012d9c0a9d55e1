// Issue 23, as a property: for generated inventories, cluster Nodes, settings, namespaces and pods
// (and, issue 22, SecurityGroupPolicies and ServiceAccounts), the one membership policy gives the
// same labels whoever applies it. The mutating webhook's
// patch and the relabeller's patch (on the pod as the pod cache keeps it) leave the same labels,
// the relabeller leaves an admitted pod alone, and the validating rule 6 accepts both results.
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../src/core/admission-types.js';
import type { ClusterNode, Inventory, NetworkInterface, SecurityGroup } from '../../src/core/inventory.js';
import { MembershipPolicySource } from '../../src/core/membership-policy.js';
import { decideMutation, type MembershipPolicy } from '../../src/core/membership/index.js';
import { decideValidation, protectionContextFrom, type ProtectionContext } from '../../src/core/protection/index.js';
import { relabelFor, type PodFacts } from '../../src/core/relabel.js';
import { compilePolicy, indexPolicies, staticPolicySource } from '../../src/core/security-group-policy/index.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import { namespaceAnnotationsOf, podFactsOf } from '../../src/kube/cluster-caches.js';
import { podFactsWithLabelsOf } from '../../src/kube/security-group-policy-caches.js';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const GROUPS = ['sg-0000000000000000a', 'sg-0000000000000000b', 'sg-0000000000000000c', 'sg-0000000000000000d', 'sg-98765432109876'];
const POD_DEFAULT = 'sg-0000000000000000e';
const TRUST = 'sg-0000000000000000f';
const INSTANCES = ['i-00000000000000001', 'i-00000000000000002', 'i-00000000000000003'];
const ALLOW = 'aws.tigera.io/allowed-security-groups';
const SG = 'aws.tigera.io/security-groups';

const group = (groupId: string, groupName = `g-${groupId}`): SecurityGroup => ({ groupId, groupName, vpcId: VPC, inbound: [], outbound: [] });
const subset = <T>(items: readonly T[]) => fc.subarray([...items]);

const inventory: fc.Arbitrary<Inventory> = fc
  .record({
    known: subset(GROUPS),
    podDefault: fc.boolean(),
    trust: fc.boolean(),
    enis: fc.tuple(...INSTANCES.map(() => subset([...GROUPS, TRUST]))),
    recordedNodes: subset(INSTANCES),
  })
  .map(({ known, podDefault, trust, enis, recordedNodes }) => ({
    vpcId: VPC,
    securityGroups: [...known.map((g) => group(g)), ...(podDefault ? [group(POD_DEFAULT, 'tigera-cluster-sgbridge-TigeraPodDefault-x')] : []), ...(trust ? [group(TRUST, 'tigera-trust-host-enforcement')] : [])],
    networkInterfaces: INSTANCES.map(
      (instanceId, i): NetworkInterface => ({ networkInterfaceId: `eni-0000000000000000${i}`, vpcId: VPC, attachment: { instanceId, deviceIndex: 0 }, groups: enis[i]!, privateIpAddresses: [`10.0.0.${i + 1}`], ipv6Addresses: [] }),
    ),
    prefixLists: [],
    // what a snapshot file may record; EC2 reads (--aws) record none
    nodes: recordedNodes.map((instanceId, i) => ({ name: `recorded-${i}`, instanceId, addresses: [] })),
  }));

/** The cluster's Nodes; undefined = no cluster reachable. */
const clusterNodes: fc.Arbitrary<ClusterNode[] | undefined> = fc.option(
  subset(INSTANCES).map((ids) => ids.map((instanceId, i) => ({ name: `node-${i}`, instanceId, addresses: [`10.0.0.${i + 1}`] }))),
  { nil: undefined },
);

const settings: fc.Arbitrary<Settings> = fc.record({ nodeGroups: fc.oneof(fc.constant([] as string[]), subset(GROUPS)), strict: fc.boolean(), namespaceDefault: fc.constantFrom<'all' | 'none'>('all', 'none') }).map((s) => ({ ...defaultSettings(), ...s }));

const annotationValue = fc.oneof(
  subset([...GROUPS, 'sg-0123456789abcdef0']).map((ids) => JSON.stringify(ids)),
  subset(GROUPS).map((ids) => JSON.stringify([ids.join(', ')])),
  subset(GROUPS).map((ids) => ids.join(',')),
  fc.constantFrom('[]', 'not json', '["sg-zz"]', JSON.stringify([TRUST]), JSON.stringify([POD_DEFAULT])),
);

const namespaceObject = fc.record({ name: fc.constantFrom('team-a', 'kube-system', 'open'), allow: fc.option(fc.oneof(fc.constant('["*"]'), subset(GROUPS).map((ids) => JSON.stringify(ids))), { nil: undefined }) }).map(({ name, allow }) => ({
  metadata: { name, ...(allow !== undefined ? { annotations: { [ALLOW]: allow, other: 'x' } } : {}) },
}));

const membershipLabelKey = fc.constantFrom(...[...GROUPS, POD_DEFAULT, TRUST, 'sg-0123456789abcdef0'].map((g) => `sg.aws.tigera.io/${g}`));
const pod = fc
  .record({
    labels: fc.option(fc.dictionary(fc.oneof(membershipLabelKey, fc.constantFrom('app', 'tier', 'sg.aws.tigera.io/not-a-group')), fc.constantFrom('', 'web', 'true')), { nil: undefined }),
    annotation: fc.option(annotationValue, { nil: undefined }),
  })
  .map(({ labels, annotation }) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'team-a', uid: '6a4e1c2b-0000-4000-8000-000000000001', resourceVersion: '42', ...(labels ? { labels } : {}), annotations: { other: 'kept', ...(annotation !== undefined ? { [SG]: annotation } : {}) } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  }));


function review(object: unknown, namespace: string, webhookOp: 'CREATE' | 'UPDATE' = 'CREATE'): AdmissionRequest {
  return {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    requestKind: { group: '', version: 'v1', kind: 'Pod' },
    requestResource: { group: '', version: 'v1', resource: 'pods' },
    name: 'p',
    namespace,
    operation: webhookOp,
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
    object: object as AdmissionRequest['object'],
    dryRun: false,
  } as AdmissionRequest;
}

const patched = <T>(doc: T, ops: readonly unknown[] | undefined): T => (ops?.length ? (jsonpatch.applyPatch(structuredClone(doc), ops as jsonpatch.Operation[], true, false).newDocument as T) : doc);
const labels = (o: unknown) => (o as { metadata: { labels?: Record<string, string> } }).metadata.labels;

type PodObject = ReturnType<typeof structuredClone<{ metadata: { namespace?: string } }>>;

/**
 * The webhook's patch and the relabeller's (on the pod as `cached` keeps it) leave the same labels,
 * the relabeller leaves an admitted pod alone, and rule 6 (given the namespace, as /validate is
 * whenever the pod's groups may come from its allow-listed sources) accepts both.
 */
function agree(policy: MembershipPolicy, protection: ProtectionContext, p: PodObject, ns: { metadata: { name: string } }, cached: (o: Record<string, unknown>) => PodFacts): void {
  const object = structuredClone(p) as Record<string, unknown> & { metadata: { namespace?: string } };
  object.metadata.namespace = ns.metadata.name;
  const annotations = namespaceAnnotationsOf(ns);
  const facts = { namespace: { allowList: 'on' as const, annotations } };
  const decision = decideMutation(review(object, ns.metadata.name), policy, facts.namespace);
  const repair = relabelFor(cached(object), policy, (name) => (name === ns.metadata.name ? annotations : undefined));
  if (!decision.allowed) {
    // the webhook refuses the pod; a pod that got in anyway keeps only the pod default group
    expect(Object.keys(labels(patched(object, repair?.ops)) ?? {}).filter((k) => k.startsWith('sg.aws.tigera.io/'))).toEqual(policy.podDefaultGroup ? [`sg.aws.tigera.io/${policy.podDefaultGroup}`] : []);
    return;
  }
  const admitted = patched(object, decision.patch);
  const repaired = patched(object, repair?.ops);
  expect(labels(repaired)).toEqual(labels(admitted));
  // the relabeller leaves an admitted pod alone, whatever the order of events
  expect(relabelFor(cached(admitted), policy, () => annotations)).toBeUndefined();
  expect(decideValidation(review(admitted, ns.metadata.name), protection, facts).allowed).toBe(true);
  expect(decideValidation(review(repaired, ns.metadata.name), protection, facts).allowed).toBe(true);
}

/** SecurityGroupPolicies of the pods' namespaces, selecting on pod labels, ServiceAccount labels, both or nothing. */
const POLICY_TEMPLATES = [
  { podSelector: { matchLabels: { app: 'web' } } },
  { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } },
  { podSelector: {} },
  { serviceAccountSelector: { matchLabels: { team: 'pay' } } },
  { podSelector: { matchLabels: { app: 'web' } }, serviceAccountSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['ops'] }] } },
];
const policySet = fc.array(
  fc.record({ template: fc.integer({ min: 0, max: POLICY_TEMPLATES.length - 1 }), namespace: fc.constantFrom('team-a', 'open'), groups: fc.subarray([...GROUPS, TRUST, 'sg-0123456789abcdef0'], { minLength: 1, maxLength: 3 }) }),
  { maxLength: 4 },
);
const serviceAccountLabels = fc.constantFrom<Record<string, string> | undefined>(undefined, {}, { team: 'pay' }, { team: 'ops' });

describe('one membership policy for the webhook, rule 6 and the relabeller', () => {
  it('gives every pod the same labels at admission as after a repair, and rule 6 accepts both', () => {
    fc.assert(
      fc.property(inventory, clusterNodes, settings, namespaceObject, pod, (inv, nodes, s, ns, p) => {
        const source = new MembershipPolicySource(s, { inventory: inv, ...(nodes ? { clusterNodes: nodes } : {}) });
        agree(source.current, protectionContextFrom(s, inv, { membership: source.current }), p, ns, podFactsOf);
      }),
      { numRuns: 600 },
    );
  });

  it('agrees with SecurityGroupPolicies as well: the same derivation everywhere, on the pod cache that keeps all labels', () => {
    fc.assert(
      fc.property(inventory, settings, namespaceObject, pod, policySet, serviceAccountLabels, fc.constantFrom('default', 'payer'), (inv, s, ns, p, specs, saLabels, sa) => {
        const compiled = specs.map(({ template, namespace, groups }, i) => compilePolicy({ metadata: { name: `p${i}`, namespace }, spec: { ...POLICY_TEMPLATES[template], securityGroups: { groupIds: groups } } }));
        const namespaces = new Map(['team-a', 'open', 'kube-system'].map((n) => [n, indexPolicies(n, compiled)]));
        const policies = staticPolicySource(namespaces, new Map(saLabels ? [[`${ns.metadata.name}/${sa}`, saLabels]] : []));
        const on = { ...s, securityGroupPolicies: true };
        const source = new MembershipPolicySource(on, { inventory: inv, securityGroupPolicies: policies });
        expect(source.current.securityGroupPolicies).toBe(policies);
        const object = { ...structuredClone(p), spec: { ...p.spec, serviceAccountName: sa } };
        agree(source.current, protectionContextFrom(on, inv, { membership: source.current }), object, ns, podFactsWithLabelsOf);
      }),
      { numRuns: 600 },
    );
  });

  it('reads no SecurityGroupPolicies with the setting off, whatever the facts hold', () => {
    const policies = staticPolicySource(new Map());
    const inv: Inventory = { vpcId: VPC, securityGroups: [], networkInterfaces: [], prefixLists: [] };
    expect(new MembershipPolicySource(defaultSettings(), { inventory: inv, securityGroupPolicies: policies }).current.securityGroupPolicies).toBeUndefined();
  });

  it('takes node groups from the cluster when one is reachable, and from the inventory only without one', () => {
    fc.assert(
      fc.property(inventory, clusterNodes, (inv, nodes) => {
        const s = defaultSettings();
        const withCluster = new MembershipPolicySource(s, { inventory: inv, ...(nodes ? { clusterNodes: nodes } : {}) }).current;
        const expectedInstances = new Set((nodes ?? inv.nodes ?? []).map((n) => n.instanceId));
        const want = [...new Set(inv.networkInterfaces.filter((e) => expectedInstances.has(e.attachment!.instanceId!)).flatMap((e) => e.groups))].filter((g) => g !== TRUST || !inv.securityGroups.some((x) => x.groupId === TRUST)).sort();
        expect(withCluster.nodeGroups).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('rebuilds when a node joins or leaves or the inventory changes, and keeps the policy object when nothing it decides changed', () => {
    const inv: Inventory = { vpcId: VPC, securityGroups: GROUPS.map((g) => group(g)), networkInterfaces: [{ networkInterfaceId: 'eni-00000000000000001', vpcId: VPC, attachment: { instanceId: INSTANCES[0]!, deviceIndex: 0 }, groups: [GROUPS[0]!], privateIpAddresses: [], ipv6Addresses: [] }], prefixLists: [] };
    const source = new MembershipPolicySource(defaultSettings(), { inventory: inv, clusterNodes: [] });
    const seen: string[][] = [];
    source.onChange((p) => seen.push([...p.nodeGroups]));
    const before = source.current;
    expect(source.update({ clusterNodes: [{ name: 'n', addresses: [] }] })).toBe(false); // a node without an instance id changes nothing
    expect(source.current).toBe(before);
    expect(source.update({ clusterNodes: [{ name: 'n', instanceId: INSTANCES[0]!, addresses: [] }] })).toBe(true);
    expect(source.update({ inventory: { ...inv, networkInterfaces: [{ ...inv.networkInterfaces[0]!, groups: [GROUPS[1]!] }] } })).toBe(true);
    expect(source.update({ clusterNodes: [] })).toBe(true);
    expect(seen).toEqual([[GROUPS[0]], [GROUPS[1]], []]);
  });
});

