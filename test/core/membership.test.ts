// SPEC §1 pod membership, point by point, plus properties: label keys holding "/" and "~" patch
// cleanly and round-trip, and every decision is idempotent.
import jsonpatch from 'fast-json-patch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, JsonPatchOp, Operation } from '../../src/core/admission-types.js';
import { decideMutation, deriveMembership, desiredLabels, escapePointer, labelPatch, membershipPatch, withDefaults, type MembershipPolicy, type NamespaceFacts } from '../../src/core/membership/index.js';
import { membershipPolicyFrom } from '../../src/core/membership-policy.js';
import { defaultSettings } from '../../src/core/settings.js';
import type { Inventory } from '../../src/core/inventory.js';
import { ENFORCED, INSTANCE_SG, NODE_GROUP, POD_DEFAULT, POD_SG, TRUST } from '../support/example-ids.js';

const ANNOTATION = 'aws.tigera.io/security-groups';
const ALLOWED = 'aws.tigera.io/allowed-security-groups';

const policy: MembershipPolicy = withDefaults({
  nodeGroups: [NODE_GROUP],
  podDefaultGroup: POD_DEFAULT,
  forbiddenGroups: new Set([TRUST, ENFORCED]),
  knownGroups: new Set([NODE_GROUP, POD_DEFAULT, TRUST, ENFORCED, INSTANCE_SG, POD_SG]),
  strict: false,
  namespaceDefault: 'all',
});
const OFF: NamespaceFacts = { allowList: 'off' };

function podRequest(opts: { labels?: Record<string, string> | null; annotations?: Record<string, string>; operation?: Operation; dryRun?: boolean } = {}): AdmissionRequest {
  const metadata: Record<string, unknown> = { name: 'web', namespace: 'team-a' };
  if (opts.labels !== undefined) metadata.labels = opts.labels;
  if (opts.annotations) metadata.annotations = opts.annotations;
  return {
    uid: 'u-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'team-a',
    name: 'web',
    operation: opts.operation ?? 'CREATE',
    userInfo: { username: 'dev' },
    object: { apiVersion: 'v1', kind: 'Pod', metadata },
    dryRun: opts.dryRun ?? false,
  };
}

function applyTo(labels: Record<string, string> | null | undefined, patch: readonly JsonPatchOp[] | undefined): Record<string, string> | undefined {
  const doc = { metadata: labels === undefined ? {} : { labels } } as { metadata: { labels?: Record<string, string> | null } };
  if (!patch) return doc.metadata.labels ?? undefined;
  const out = jsonpatch.applyPatch(structuredClone(doc), patch as jsonpatch.Operation[], true, false).newDocument;
  return out.metadata.labels ?? undefined;
}

const member = (g: string) => `sg.aws.tigera.io/${g}`;

describe('SPEC §1 pod membership', () => {
  it('1/3: without the annotation a pod joins the node groups and the pod default group', () => {
    const d = decideMutation(podRequest({ labels: { app: 'web' } }), policy, OFF);
    expect(d.allowed).toBe(true);
    expect(applyTo({ app: 'web' }, d.patch)).toEqual({ app: 'web', [member(NODE_GROUP)]: '', [member(POD_DEFAULT)]: '' });
  });

  it('1/3: the annotation replaces the node groups; the docs\' "sg-a, sg-b" form works', () => {
    const d = decideMutation(podRequest({ labels: { app: 'web' }, annotations: { [ANNOTATION]: `["${POD_SG}, ${INSTANCE_SG}"]` } }), policy, OFF);
    expect(applyTo({ app: 'web' }, d.patch)).toEqual({ app: 'web', [member(INSTANCE_SG)]: '', [member(POD_SG)]: '', [member(POD_DEFAULT)]: '' });
  });

  it('3: [] means only the pod default group', () => {
    const d = decideMutation(podRequest({ labels: { app: 'web', [member(NODE_GROUP)]: '' }, annotations: { [ANNOTATION]: '[]' } }), policy, OFF);
    expect(applyTo({ app: 'web', [member(NODE_GROUP)]: '' }, d.patch)).toEqual({ app: 'web', [member(POD_DEFAULT)]: '' });
  });

  it('3: without a pod default group in the inventory, membership is just the named groups', () => {
    const d = decideMutation(podRequest({ labels: {}, annotations: { [ANNOTATION]: `["${POD_SG}"]` } }), { ...policy, podDefaultGroup: undefined }, OFF);
    expect(applyTo({}, d.patch)).toEqual({ [member(POD_SG)]: '' });
  });

  it('2: an unreadable value is denied, naming the annotation, quoting the token and showing an example', () => {
    const d = decideMutation(podRequest({ annotations: { [ANNOTATION]: '["sg-98765432109876", "db"]' } }), policy, OFF);
    expect(d).toEqual({
      allowed: false,
      code: 403,
      message: `annotation ${ANNOTATION} holds "db", which is not a security group id; expected a JSON array of security group ids, e.g. ${ANNOTATION}='["sg-0123456789abcdef0"]'`,
    });
    expect(decideMutation(podRequest({ annotations: { [ANNOTATION]: '["sg-9876' } }), policy, OFF).message).toMatch(/is not valid JSON/);
  });

  it('4: labels outside the prefix stay; a user-set sg.aws.tigera.io/* label is removed (kubectl label cannot forge membership)', () => {
    const labels = { app: 'web', team: 'payments', [member('sg-0123456789abcdef0')]: '', [member(POD_SG)]: 'yes', 'sg.aws.tigera.io/anything': 'x' };
    const d = decideMutation(podRequest({ labels, operation: 'UPDATE' }), policy, OFF);
    expect(applyTo(labels, d.patch)).toEqual({ app: 'web', team: 'payments', [member(NODE_GROUP)]: '', [member(POD_DEFAULT)]: '' });
  });

  it('4: a membership label with a value is reset to ""', () => {
    const labels = { [member(NODE_GROUP)]: 'forged', [member(POD_DEFAULT)]: '' };
    const d = decideMutation(podRequest({ labels }), policy, OFF);
    expect(d.patch).toEqual([{ op: 'replace', path: '/metadata/labels/sg.aws.tigera.io~1sg-0c1d2e3f405162738', value: '' }]);
  });

  it('5: a pod without labels gets /metadata/labels added whole (the apiserver cannot add into a missing map)', () => {
    for (const labels of [undefined, null]) {
      const d = decideMutation(podRequest({ labels }), policy, OFF);
      expect(d.patch).toEqual([{ op: 'add', path: '/metadata/labels', value: { [member(NODE_GROUP)]: '', [member(POD_DEFAULT)]: '' } }]);
    }
  });

  it('5: keys are escaped per RFC 6901 (/ → ~1, ~ → ~0)', () => {
    const d = decideMutation(podRequest({ labels: { app: 'web' } }), policy, OFF);
    expect(d.patch).toEqual([
      { op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-0a9b8c7d6e5f40312', value: '' },
      { op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-0c1d2e3f405162738', value: '' },
    ]);
    expect(escapePointer('a~b/c~/d')).toBe('a~0b~1c~0~1d');
    expect([escapePointer('plain'), escapePointer('a/b'), escapePointer('a~b'), escapePointer('~1')]).toEqual(['plain', 'a~1b', 'a~0b', '~01']);
  });

  it('5: no patch at all when nothing changes', () => {
    const d = decideMutation(podRequest({ labels: { app: 'web', [member(NODE_GROUP)]: '', [member(POD_DEFAULT)]: '' } }), policy, OFF);
    expect(d).toEqual({ allowed: true });
  });

  it('6: the trust and enforced groups are denied in the annotation', () => {
    for (const g of [TRUST, ENFORCED]) {
      const d = decideMutation(podRequest({ annotations: { [ANNOTATION]: `["${POD_SG}", "${g}"]` } }), policy, OFF);
      expect(d.allowed).toBe(false);
      expect(d.code).toBe(403);
      expect(d.message).toBe(`security group ${g} is internal to the integration and cannot be named in ${ANNOTATION}; use your own groups`);
    }
  });

  it('7: an unknown group is admitted with a warning; strict mode denies it', () => {
    const request = podRequest({ annotations: { [ANNOTATION]: '["sg-0123456789abcdef0"]' } });
    const warned = decideMutation(request, policy, OFF);
    expect(warned.allowed).toBe(true);
    expect(warned.warnings).toEqual([`${ANNOTATION}: sg-0123456789abcdef0 is not a security group sgbridge knows; no policy enforces it until it exists in the VPC`]);
    const strict = decideMutation(request, { ...policy, strict: true }, OFF);
    expect(strict.allowed).toBe(false);
    expect(strict.message).toMatch(/sg-0123456789abcdef0 is not in the VPC sgbridge reads/);
  });

  describe('8: namespace allow-list', () => {
    const named = podRequest({ annotations: { [ANNOTATION]: `["${POD_SG}", "${INSTANCE_SG}"]` } });
    const on = (annotations: Record<string, string>): NamespaceFacts => ({ allowList: 'on', annotations });

    it('denies a group the namespace does not list, naming it', () => {
      const d = decideMutation(named, policy, on({ [ALLOWED]: `["${POD_SG}"]` }));
      expect(d).toEqual({ allowed: false, code: 403, message: `security group ${INSTANCE_SG} is not permitted for pods in namespace team-a (${ALLOWED} lists ${POD_SG})` });
    });
    it('allows listed groups and the wildcard', () => {
      expect(decideMutation(named, policy, on({ [ALLOWED]: `["${INSTANCE_SG}, ${POD_SG}"]` })).allowed).toBe(true);
      expect(decideMutation(named, policy, on({ [ALLOWED]: '["*"]' })).allowed).toBe(true);
    });
    it('uses the cluster-wide default for namespaces without the annotation', () => {
      expect(decideMutation(named, policy, on({})).allowed).toBe(true);
      const none = decideMutation(named, { ...policy, namespaceDefault: 'none' }, on({}));
      expect(none.allowed).toBe(false);
      expect(none.message).toMatch(/namespace team-a does not allow security groups/);
    });
    it('denies when the namespace annotation itself is malformed', () => {
      expect(decideMutation(named, policy, on({ [ALLOWED]: 'everything' })).message).toMatch(/namespace team-a annotation aws\.tigera\.io\/allowed-security-groups holds "everything"/);
    });
    it('fails closed for pods that name groups when the namespace cannot be read', () => {
      const d = decideMutation(named, policy, { allowList: 'unknown', problem: 'the Kubernetes API answered HTTP 500' });
      expect(d.allowed).toBe(false);
      expect(d.message).toMatch(/cannot check .* of namespace team-a \(the Kubernetes API answered HTTP 500\)/);
      // ...but pods that name none are not held up.
      expect(decideMutation(podRequest({ labels: {} }), policy, { allowList: 'unknown', problem: 'x' }).allowed).toBe(true);
    });
    it('is off without a cluster', () => {
      expect(decideMutation(named, { ...policy, namespaceDefault: 'none' }, OFF).allowed).toBe(true);
    });
    it('does not restrict the node groups of pods without the annotation', () => {
      expect(decideMutation(podRequest({ labels: {} }), policy, on({ [ALLOWED]: '[]' })).allowed).toBe(true);
    });
  });

  it('9: DELETE and CONNECT are allowed untouched; dry-run gets the same answer', () => {
    for (const operation of ['DELETE', 'CONNECT'] as const) {
      expect(decideMutation({ ...podRequest({ labels: { [member('sg-0123456789abcdef0')]: '' } }), operation }, policy, OFF)).toEqual({ allowed: true });
    }
    const real = decideMutation(podRequest({ labels: { app: 'x' }, annotations: { [ANNOTATION]: `["${POD_SG}"]` } }), policy, OFF);
    const dry = decideMutation(podRequest({ labels: { app: 'x' }, annotations: { [ANNOTATION]: `["${POD_SG}"]` }, dryRun: true }), policy, OFF);
    expect(dry).toEqual(real);
  });

  it('leaves subresources and other resources alone', () => {
    expect(decideMutation({ ...podRequest({ labels: {} }), subResource: 'status' }, policy, OFF)).toEqual({ allowed: true });
    expect(decideMutation({ ...podRequest({ labels: {} }), resource: { group: 'apps', version: 'v1', resource: 'deployments' } }, policy, OFF)).toEqual({ allowed: true });
  });

  it('answers 400 for a pod object without usable metadata', () => {
    expect(decideMutation({ ...podRequest(), object: { kind: 'Pod' } }, policy, OFF)).toMatchObject({ allowed: false, code: 400 });
    const bad = podRequest();
    (bad.object!.metadata as Record<string, unknown>).labels = { app: 7 };
    expect(decideMutation(bad, policy, OFF)).toMatchObject({ allowed: false, code: 400, message: expect.stringMatching(/metadata\.labels/) as unknown });
  });
});

describe('membershipPolicyFrom (the example VPC)', () => {
  const inventory: Inventory = {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    securityGroups: [
      { groupId: NODE_GROUP, groupName: 'eks-cluster-sg', vpcId: 'v', inbound: [], outbound: [] },
      { groupId: TRUST, groupName: 'tigera-trust-host-enforcement', vpcId: 'v', inbound: [], outbound: [] },
      { groupId: ENFORCED, groupName: 'tigera-has-host-enforcement', vpcId: 'v', inbound: [], outbound: [] },
      { groupId: POD_DEFAULT, groupName: 'tigera-cluster-sgbridge-TigeraPodDefault-X1', vpcId: 'v', inbound: [], outbound: [] },
      { groupId: POD_SG, groupName: 'pod-sg', vpcId: 'v', inbound: [], outbound: [] },
    ],
    networkInterfaces: [
      { networkInterfaceId: 'eni-1', vpcId: 'v', attachment: { instanceId: 'i-1', deviceIndex: 0 }, groups: [NODE_GROUP, ENFORCED], privateIpAddresses: [], ipv6Addresses: [] },
      { networkInterfaceId: 'eni-2', vpcId: 'v', attachment: { instanceId: 'i-1', deviceIndex: 1 }, groups: [POD_SG], privateIpAddresses: [], ipv6Addresses: [] },
    ],
    prefixLists: [],
    nodes: [{ name: 'n1', instanceId: 'i-1', addresses: [] }],
  };

  it('finds node groups on the nodes\' primary ENIs, less internal groups, and the internal groups by name', () => {
    const p = membershipPolicyFrom(defaultSettings(), inventory);
    expect(p.nodeGroups).toEqual([NODE_GROUP]);
    expect(p.podDefaultGroup).toBe(POD_DEFAULT);
    expect([...p.forbiddenGroups].sort()).toEqual([ENFORCED, TRUST].sort());
    expect(p.knownGroups.has(POD_SG)).toBe(true);
  });

  it('prefers configured node groups and internal ids', () => {
    const p = membershipPolicyFrom({ ...defaultSettings(), nodeGroups: ['SG-0123456789ABCDEF0'], trustGroupId: 'sg-11111111', strict: true, namespaceDefault: 'none' }, inventory);
    expect(p.nodeGroups).toEqual(['sg-0123456789abcdef0']);
    expect(p.forbiddenGroups.has('sg-11111111')).toBe(true);
    expect(p.strict).toBe(true);
    expect(p.namespaceDefault).toBe('none');
  });
});

describe('properties', () => {
  const keyChar = fc.constantFrom(...'ab/~.-_x9'.split(''));
  const labelKey = fc.oneof(
    fc.array(keyChar, { minLength: 1, maxLength: 12 }).map((c) => c.join('')),
    fc.array(keyChar, { minLength: 1, maxLength: 8 }).map((c) => `sg.aws.tigera.io/${c.join('')}`),
  );
  const labels = fc.dictionary(labelKey, fc.constantFrom('', 'v', 'a/b', '~'), { maxKeys: 8 });
  const hex = fc.constantFrom(...'0123456789abcdef'.split(''));
  const sgId = fc.array(hex, { minLength: 8, maxLength: 17 }).map((d) => `sg-${d.join('')}`);
  const groups = fc.uniqueArray(sgId, { maxLength: 5 });

  it('labelPatch turns any labels (keys with / and ~) into the desired ones, and the result needs no further patch', () => {
    fc.assert(
      fc.property(fc.option(labels, { nil: undefined }), groups, (current, gs) => {
        const desired = desiredLabels(current, gs);
        const patch = labelPatch(current, desired);
        expect(jsonpatch.validate(patch as jsonpatch.Operation[], { metadata: current === undefined ? {} : { labels: current } })).toBeUndefined();
        const after = applyTo(current, patch) ?? {};
        expect(after).toEqual(desired);
        expect(labelPatch(after, desiredLabels(after, gs))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('membershipPatch gives exactly the operations labelPatch gives towards desiredLabels', () => {
    const anyGroup = fc.oneof(sgId, fc.array(keyChar, { minLength: 1, maxLength: 8 }).map((c) => c.join('')));
    const withMembership = fc.tuple(labels, fc.uniqueArray(anyGroup, { maxLength: 4 }), fc.constantFrom('', 'v', '~')).map(([l, gs, v]) => ({ ...l, ...Object.fromEntries(gs.map((g) => [`sg.aws.tigera.io/${g}`, v])) }));
    fc.assert(
      fc.property(fc.option(fc.oneof(labels, withMembership), { nil: undefined }), fc.uniqueArray(anyGroup, { maxLength: 5 }), (current, gs) => {
        expect(membershipPatch(current, gs)).toEqual(labelPatch(current, desiredLabels(current, gs)));
      }),
      { numRuns: 1000 },
    );
  });

  it('a policy\'s default membership is the patch membershipPatch gives a pod without membership labels, and its base64 JSON', () => {
    fc.assert(
      fc.property(fc.uniqueArray(sgId, { maxLength: 5 }), fc.option(sgId, { nil: undefined }), labels, (nodeGroups, podDefaultGroup, current) => {
        const { defaults } = withDefaults({ ...policy, nodeGroups, podDefaultGroup });
        expect(defaults.groups).toEqual([...new Set([...nodeGroups, ...(podDefaultGroup ? [podDefaultGroup] : [])])].sort());
        const plain = Object.fromEntries(Object.entries(current).filter(([k]) => !k.startsWith('sg.aws.tigera.io/')));
        expect(defaults.patch).toEqual(membershipPatch(plain, defaults.groups));
        expect(defaults.patchBase64).toBe(defaults.patch.length ? Buffer.from(JSON.stringify(defaults.patch)).toString('base64') : '');
      }),
      { numRuns: 300 },
    );
  });

  it('the decision for a pod without the annotation or membership labels carries the policy\'s default patch and its encoding; others their own', () => {
    const a = decideMutation(podRequest({ labels: { app: 'web' } }), policy, OFF);
    const b = decideMutation(podRequest({ labels: { app: 'api' } }), policy, OFF);
    expect(a.patch).toBe(policy.defaults.patch);
    expect(b.patch).toBe(policy.defaults.patch);
    expect(a.patchBase64).toBe(policy.defaults.patchBase64);
    // Labels absent: /metadata/labels is added whole, so not the default patch.
    const bare = decideMutation(podRequest({ labels: undefined }), policy, OFF);
    expect(bare.patch).toEqual([{ op: 'add', path: '/metadata/labels', value: { [member(NODE_GROUP)]: '', [member(POD_DEFAULT)]: '' } }]);
    expect(bare.patchBase64).toBeUndefined();
    // A stale membership label: its own patch.
    const stale = decideMutation(podRequest({ labels: { [member('sg-0000000000000001')]: '' } }), policy, OFF);
    expect(stale.patch).not.toBe(policy.defaults.patch);
    expect(stale.patchBase64).toBeUndefined();
    const named = decideMutation(podRequest({ labels: { app: 'web' }, annotations: { [ANNOTATION]: `["${POD_SG}"]` } }), policy, OFF);
    expect(named.patchBase64).toBeUndefined();
  });

  it('every decision is idempotent: the patched pod gets no second patch and the same verdict', () => {
    const annotation = fc.option(groups.map((gs) => JSON.stringify(gs)), { nil: undefined });
    fc.assert(
      fc.property(fc.option(labels, { nil: undefined }), annotation, (current, ann) => {
        const request = podRequest({ labels: current, ...(ann !== undefined ? { annotations: { [ANNOTATION]: ann } } : {}) });
        const first = decideMutation(request, policy, OFF);
        expect(first.allowed).toBe(true);
        const patched = applyTo(current, first.patch);
        const second = decideMutation(podRequest({ labels: patched, ...(ann !== undefined ? { annotations: { [ANNOTATION]: ann } } : {}) }), policy, OFF);
        expect(second.allowed).toBe(true);
        expect(second.patch).toBeUndefined();
        for (const key of Object.keys(patched ?? {})) {
          if (key.startsWith('sg.aws.tigera.io/')) expect(patched![key]).toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('deriveMembership always includes the pod default group and never a forbidden one', () => {
    fc.assert(
      fc.property(groups, (gs) => {
        const m = deriveMembership({ [ANNOTATION]: JSON.stringify(gs) }, policy, OFF);
        expect(m.ok).toBe(true);
        if (m.ok) {
          expect(m.groups).toContain(POD_DEFAULT);
          expect(m.groups).toEqual([...new Set([...gs, POD_DEFAULT])].sort());
        }
      }),
      { numRuns: 200 },
    );
  });
});
