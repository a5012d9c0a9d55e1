// SPEC §1.3 with SecurityGroupPolicies, through derivePodMembership (the one derivation the
// webhook, rule 6, the relabeller and explain call): annotation ∪ matching policies, node groups
// with neither, the pod default group always, and the annotation's refusals for policy groups.
import { describe, expect, it } from 'vitest';
import { decideMutation, deriveMembership, derivePodMembership, membershipPatch, withDefaults, type MembershipPolicy, type NamespaceFacts } from '../../../src/core/membership/index.js';
import { compilePolicy, indexPolicies, staticPolicySource, type PolicyMembershipSource } from '../../../src/core/security-group-policy/index.js';
import { NAMESPACE_ALLOWED_ANNOTATION, SG_ANNOTATION } from '../../../src/core/vocabulary.js';
import { sgp } from '../security-group-policy/builders.js';

const A = 'sg-0000000000000000a';
const B = 'sg-0000000000000000b';
const NODE = 'sg-0000000000000000c';
const DEFAULT = 'sg-0000000000000000d';
const TRUST = 'sg-0000000000000000f';
const UNKNOWN = 'sg-0123456789abcdef0';
const OPEN: NamespaceFacts = { allowList: 'on', annotations: {} };

function source(policies: ReturnType<typeof sgp>[], serviceAccounts: Record<string, Record<string, string>> = {}): PolicyMembershipSource {
  const compiled = policies.map((p) => compilePolicy(p));
  const namespaces = new Set(policies.map((p) => p.metadata.namespace));
  return staticPolicySource(new Map([...namespaces].map((ns) => [ns, indexPolicies(ns, compiled)])), new Map(Object.entries(serviceAccounts)));
}

function policyWith(src: PolicyMembershipSource | undefined, over: Partial<MembershipPolicy> = {}): MembershipPolicy {
  return withDefaults({
    nodeGroups: [NODE],
    podDefaultGroup: DEFAULT,
    forbiddenGroups: new Set([TRUST]),
    knownGroups: new Set([A, B, NODE, DEFAULT]),
    strict: false,
    namespaceDefault: 'all',
    ...(src ? { securityGroupPolicies: src } : {}),
    ...over,
  });
}

const POLICIES = [
  sgp('web', 'shop', { podSelector: { matchLabels: { app: 'web' } }, groupIds: [A] }),
  sgp('by-sa', 'shop', { serviceAccountSelector: { matchLabels: { team: 'pay' } }, groupIds: [B] }),
  sgp('elsewhere', 'other', { podSelector: {}, groupIds: [B] }),
];
const SAS = { 'shop/payer': { team: 'pay' }, 'shop/default': {} };

describe('derivePodMembership', () => {
  const policy = policyWith(source(POLICIES, SAS));

  it("gives the matching policies' groups to a pod without the annotation, and says which policies", () => {
    const m = derivePodMembership({ annotations: {}, labels: { app: 'web' } }, policy, OPEN, 'shop');
    expect(m).toMatchObject({ ok: true, groups: [A, DEFAULT], byDefault: false, from: 'policies' });
    expect(m.ok && m.policies?.map((p) => p.policy.name)).toEqual(['web']);
  });

  it('unites the annotation with every matching policy, selectors on the ServiceAccount too', () => {
    const m = derivePodMembership({ annotations: { [SG_ANNOTATION]: `["${NODE}"]` }, labels: { app: 'web' }, serviceAccountName: 'payer' }, policy, OPEN, 'shop');
    expect(m).toMatchObject({ ok: true, groups: [A, B, NODE, DEFAULT].sort(), from: 'annotation+policies' });
  });

  it("gives the node groups with neither, and only the pod namespace's policies count", () => {
    expect(derivePodMembership({ annotations: undefined, labels: { app: 'db' } }, policy, OPEN, 'shop')).toMatchObject({ ok: true, groups: [NODE, DEFAULT].sort(), byDefault: true, from: 'node-groups' });
    expect(derivePodMembership({ annotations: undefined, labels: { app: 'web' } }, policy, OPEN, 'third')).toMatchObject({ ok: true, byDefault: true });
  });

  it('is deriveMembership itself with the setting off (no source in the policy)', () => {
    const off = policyWith(undefined);
    for (const annotations of [undefined, { [SG_ANNOTATION]: `["${A}"]` }, { [SG_ANNOTATION]: `["${TRUST}"]` }, { [SG_ANNOTATION]: 'nope' }]) {
      expect(derivePodMembership({ annotations, labels: { app: 'web' } }, off, OPEN, 'shop')).toEqual(deriveMembership(annotations, off, OPEN, 'shop'));
    }
  });

  it('refuses a policy naming the trust group, naming the policy', () => {
    const bad = policyWith(source([sgp('sneaky', 'shop', { podSelector: {}, groupIds: [TRUST] })]));
    const m = derivePodMembership({ annotations: undefined, labels: {} }, bad, OPEN, 'shop');
    expect(m).toEqual({ ok: false, message: expect.stringContaining(`security group ${TRUST} is internal to the integration and cannot be named in SecurityGroupPolicy shop/sneaky`) });
  });

  it('applies the namespace allow-list to policy groups, failing closed when the namespace is unknown', () => {
    const onlyB: NamespaceFacts = { allowList: 'on', annotations: { [NAMESPACE_ALLOWED_ANNOTATION]: `["${B}"]` } };
    expect(derivePodMembership({ annotations: undefined, labels: { app: 'web' } }, policy, onlyB, 'shop')).toEqual({ ok: false, message: expect.stringContaining(`security group ${A} is not permitted for pods in namespace shop`) });
    expect(derivePodMembership({ annotations: undefined, labels: { app: 'web' } }, policy, { allowList: 'unknown', problem: 'timeout' }, 'shop')).toMatchObject({ ok: false });
  });

  it('warns of unknown policy groups, and refuses them when strict', () => {
    const src = source([sgp('new', 'shop', { podSelector: {}, groupIds: [UNKNOWN] })]);
    const m = derivePodMembership({ annotations: undefined, labels: {} }, policyWith(src), OPEN, 'shop');
    expect(m).toMatchObject({ ok: true, groups: [DEFAULT, UNKNOWN].sort(), warnings: [expect.stringContaining(`SecurityGroupPolicy shop/new spec.securityGroups.groupIds: ${UNKNOWN} is not a security group sgbridge knows`)] });
    expect(derivePodMembership({ annotations: undefined, labels: {} }, policyWith(src, { strict: true }), OPEN, 'shop')).toMatchObject({ ok: false, message: expect.stringContaining('strict mode') });
  });

  it('leaves out a ServiceAccount-selected policy while the ServiceAccount is unknown', () => {
    expect(derivePodMembership({ annotations: undefined, labels: {}, serviceAccountName: 'ghost' }, policy, OPEN, 'shop')).toMatchObject({ ok: true, byDefault: true });
  });

  it('refuses an annotation the same way with or without policies', () => {
    expect(derivePodMembership({ annotations: { [SG_ANNOTATION]: `["${TRUST}"]` }, labels: { app: 'web' } }, policy, OPEN, 'shop')).toEqual(deriveMembership({ [SG_ANNOTATION]: `["${TRUST}"]` }, policy, OPEN, 'shop'));
  });
});

describe('decideMutation with SecurityGroupPolicies', () => {
  const policy = policyWith(source(POLICIES, SAS));
  const request = (labels: Record<string, string> | undefined, serviceAccountName?: string) => ({
    uid: 'u',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    operation: 'CREATE' as const,
    namespace: 'shop',
    userInfo: {},
    object: { metadata: { name: 'p', namespace: 'shop', ...(labels ? { labels } : {}) }, spec: serviceAccountName ? { serviceAccountName } : {} },
  });
  const decoded = (b64: string | undefined) => JSON.parse(Buffer.from(b64 ?? '', 'base64').toString('utf8')) as unknown;

  it('patches a pod the policies select exactly as membershipPatch would, its base64 made with it, for every group set in turn', () => {
    for (const [labels, sa, groups] of [
      [{ app: 'web' }, undefined, [A, DEFAULT]],
      [{ app: 'web' }, 'payer', [A, B, DEFAULT]],
      [{ app: 'db' }, 'payer', [B, DEFAULT]],
      [{ app: 'web' }, undefined, [A, DEFAULT]],
    ] as [Record<string, string>, string | undefined, string[]][]) {
      const d = decideMutation(request(labels, sa), policy, OPEN);
      expect(d.allowed).toBe(true);
      expect(d.patch).toEqual(membershipPatch(labels, groups));
      expect(decoded(d.patchBase64)).toEqual(d.patch);
    }
  });

  it('a pod that already carries membership labels gets the minimal patch, not the whole set again', () => {
    const labels = { app: 'web', [`sg.aws.tigera.io/${A}`]: '', [`sg.aws.tigera.io/${NODE}`]: '' };
    const d = decideMutation(request(labels), policy, OPEN);
    expect(d.patch).toEqual(membershipPatch(labels, [A, DEFAULT]));
    expect(d.patch?.map((op) => op.op).sort()).toEqual(['add', 'remove']);
  });
});
