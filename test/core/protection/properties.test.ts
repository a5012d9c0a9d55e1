// Properties over random input (fast-check): untrusted identities never pass a protected edit,
// no input makes the decision throw, tier orders follow rule 3 exactly, and the validating
// webhook accepts exactly what the mutating webhook produces.
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, Operation, UserInfo } from '../../../src/core/admission-types.js';
import { decideMutation } from '../../../src/core/membership/index.js';
import { decideValidation, GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER, type ProtectionContext } from '../../../src/core/protection/index.js';
import { BREAK_GLASS_GROUP, calicoObject, ENFORCED, exampleContext, IDENTITIES, INSTANCE_SG, membership, NODE_GROUP, POD_DEFAULT, POD_SG, request, TRUST } from './support.js';

let ctx: ProtectionContext;
beforeAll(async () => {
  ctx = await exampleContext();
});

const TRUSTED_NAMES = [IDENTITIES.syncer.username, IDENTITIES.calicoApiserver.username, GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER];
const untrustedUser: fc.Arbitrary<UserInfo> = fc.record({
  username: fc.oneof(fc.string(), fc.constantFrom('admin', 'system:admin', 'system:serviceaccount:kube-system:replicaset-controller', 'system:serviceaccount:sgbridge-system:other', IDENTITIES.syncer.username.toUpperCase())),
  groups: fc.array(fc.oneof(fc.string(), fc.constantFrom('system:masters', 'system:authenticated', 'system:serviceaccounts', `${BREAK_GLASS_GROUP}-x`))),
}).filter((u) => !TRUSTED_NAMES.includes(u.username!) && !u.groups!.includes(BREAK_GLASS_GROUP));

const CALICO = fc.constantFrom('projectcalico.org', 'crd.projectcalico.org');
const OPS = fc.constantFrom<Operation>('CREATE', 'UPDATE', 'DELETE');
const protectedTier = fc.constantFrom('sg-remote', 'sg-local', 'metadata');

/** Edits that rules 1, 2 and 4 refuse for every operation. */
const protectedEdit = fc.oneof(
  fc.tuple(CALICO, protectedTier).map(([g, t]) => ({ group: g, kind: 'Tier', obj: calicoObject(g, 'Tier', t, { order: 106 }) })),
  fc.tuple(CALICO, protectedTier, fc.constantFrom('GlobalNetworkPolicy', 'NetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedNetworkPolicy'), fc.constantFrom('spec', 'prefix', 'label')).map(([g, t, kind, sign]) => ({
    group: g,
    kind,
    obj: calicoObject(g, kind, sign === 'prefix' ? `${t}.p` : 'p', sign === 'spec' ? { tier: t } : {}, sign === 'label' ? { 'projectcalico.org/tier': t } : undefined, 'team-a'),
  })),
  fc.tuple(CALICO, fc.constantFrom('HostEndpoint', 'GlobalNetworkSet', 'NetworkSet'), fc.constantFrom(POD_SG, INSTANCE_SG, TRUST)).map(([g, kind, sg]) => ({ group: g, kind, obj: calicoObject(g, kind, 'e', {}, { [membership(sg)]: '' }) })),
);

function membershipLabels(pod: { metadata: { labels?: Record<string, string> } }): [string, string][] {
  return Object.entries(pod.metadata.labels ?? {}).filter(([k]) => k.startsWith('sg.aws.tigera.io/')).sort();
}

describe('properties', () => {
  it('never lets an untrusted identity create, change or delete a protected object', () => {
    fc.assert(
      fc.property(untrustedUser, protectedEdit, OPS, (user, edit, op) => {
        const d = decideValidation(request({ group: edit.group, kind: edit.kind, operation: op, object: edit.obj, oldObject: edit.obj, user }), ctx);
        expect(d.allowed).toBe(false);
        expect(d.code).toBe(403);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and every denial has a 4xx code and a message under 256 characters', () => {
    const kinds = fc.constantFrom(
      ['crd.projectcalico.org', 'Tier'], ['projectcalico.org', 'GlobalNetworkPolicy'], ['crd.projectcalico.org', 'NetworkPolicy'],
      ['projectcalico.org', 'StagedKubernetesNetworkPolicy'], ['crd.projectcalico.org', 'HostEndpoint'], ['projectcalico.org', 'NetworkSet'],
      ['networking.k8s.io', 'NetworkPolicy'], ['', 'Pod'], ['', 'Namespace'],
    );
    const objectish = fc.oneof(fc.anything(), fc.record({ metadata: fc.anything(), spec: fc.anything() }), fc.record({ metadata: fc.record({ name: fc.string(), labels: fc.anything() }), spec: fc.dictionary(fc.string(), fc.anything()) }));
    fc.assert(
      fc.property(kinds, fc.constantFrom<Operation>('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), objectish, objectish, fc.oneof(untrustedUser, fc.constant(IDENTITIES.syncer)), ([group, kind], op, object, oldObject, user) => {
        const d = decideValidation(request({ group: group!, kind: kind!, operation: op, object, oldObject, user }), ctx);
        if (!d.allowed) {
          expect([400, 403]).toContain(d.code);
          expect(d.message!.length).toBeGreaterThan(0);
          expect(d.message!.length).toBeLessThan(256);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a policy whose name is not a string with a 400, not an internal error (a counterexample fast-check found)', () => {
    const d = decideValidation(request({ group: 'projectcalico.org', kind: 'GlobalNetworkPolicy', operation: 'CREATE', object: { metadata: { name: -5e-324 }, spec: {} }, user: IDENTITIES.clusterAdmin }), ctx);
    expect(d.code === undefined || [400, 403].includes(d.code)).toBe(true);
    expect(d.message ?? '').not.toMatch(/internal error/);
  });

  it('follows rule 3 exactly for tiers created by anyone untrusted', () => {
    const name = fc.oneof(fc.constantFrom('sg-local', 'calico-system', 'allow-tigera', 'team', 'early'), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/));
    const order = fc.option(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: 0, max: 300, noNaN: true })), { nil: undefined });
    fc.assert(
      fc.property(untrustedUser, name, order, (user, n, o) => {
        const tier = calicoObject('crd.projectcalico.org', 'Tier', n, o === undefined ? {} : { order: o });
        const d = decideValidation(request({ group: 'crd.projectcalico.org', kind: 'Tier', operation: 'CREATE', object: tier, user }), ctx);
        // The allow-listed tiers are the Calico operator's (and sgbridge's, break-glass'): nobody untrusted creates them.
        const expected = !['sg-remote', 'sg-local', 'metadata', 'calico-system', 'allow-tigera'].includes(n) && (o === undefined || o > 107);
        expect(d.allowed).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every pod the mutating webhook lets through, once its patch is applied', () => {
    const sg = fc.constantFrom(POD_SG, INSTANCE_SG, NODE_GROUP, POD_DEFAULT, TRUST, ENFORCED, 'sg-0123456789abcdef0', 'SG-98765432109876');
    const annotation = fc.option(fc.oneof(fc.array(sg, { maxLength: 4 }).map((ids) => JSON.stringify(ids)), fc.array(sg, { maxLength: 3 }).map((ids) => ids.join(', ')), fc.string()), { nil: undefined });
    const labels = fc.option(fc.dictionary(fc.oneof(fc.constantFrom('app', 'team'), sg.map(membership)), fc.constantFrom('', 'true', 'x')), { nil: undefined });
    fc.assert(
      fc.property(annotation, labels, untrustedUser, (ann, lbls, user) => {
        const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team-a', ...(lbls ? { labels: lbls } : {}), ...(ann !== undefined ? { annotations: { 'aws.tigera.io/security-groups': ann } } : {}) }, spec: {} };
        const r: AdmissionRequest = request({ group: '', kind: 'Pod', operation: 'CREATE', object: pod, user });
        const m = decideMutation(r, ctx.membership, { allowList: 'off' });
        if (!m.allowed) {
          expect(decideValidation(r, ctx).allowed).toBe(false);
          return;
        }
        const object = jsonpatch.applyPatch(structuredClone(pod), (m.patch ?? []) as jsonpatch.Operation[], true, false).newDocument;
        expect(decideValidation({ ...r, object }, ctx)).toMatchObject({ allowed: true });
        // And the unpatched pod passes only if the patch left its membership labels as they were.
        const unchanged = JSON.stringify(membershipLabels(pod)) === JSON.stringify(membershipLabels(object));
        expect(decideValidation(r, ctx).allowed).toBe(unchanged);
      }),
      { numRuns: 500 },
    );
  });
});
