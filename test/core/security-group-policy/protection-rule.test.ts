// The validating webhook's rule for SecurityGroupPolicies (CREATE/UPDATE), through decideValidation
// as the /validate route calls it: the annotation's refusals with the annotation's own messages, and
// invalid policies refused with the field they are in.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, Operation, UserInfo } from '../../../src/core/admission-types.js';
import { deriveMembership, type NamespaceFacts } from '../../../src/core/membership/index.js';
import { decideValidation as decideWithFacts, type ProtectionContext } from '../../../src/core/protection/index.js';
import { SG_ANNOTATION, NAMESPACE_ALLOWED_ANNOTATION } from '../../../src/core/vocabulary.js';
import { exampleContext, IDENTITIES, POD_SG, TRUST, ENFORCED, INSTANCE_SG } from '../protection/support.js';
import { awsSamples } from './builders.js';
import { admissionPolicy, UNKNOWN_SG } from './admission-policies.js';

/** The validating decision with the request namespace's allow-list as the adapter hands it over. */
const decideValidation = (request: AdmissionRequest, context: ProtectionContext, namespace?: NamespaceFacts) =>
  decideWithFacts(request, context, namespace ? { namespace } : {});

const OPEN: NamespaceFacts = { allowList: 'on', annotations: {} };

/** Shaped like kube-apiserver's AdmissionRequest for a namespaced custom resource. */
function review(operation: Operation, object: unknown, options: { oldObject?: unknown; user?: UserInfo; dryRun?: boolean } = {}): AdmissionRequest {
  const gvk = { group: 'vpcresources.k8s.aws', version: 'v1beta1', kind: 'SecurityGroupPolicy' };
  const gvr = { group: 'vpcresources.k8s.aws', version: 'v1beta1', resource: 'securitygrouppolicies' };
  const meta = (object as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
  return {
    uid: '0b8e6a52-3f0c-4a7e-9a63-8f3d2f1e0c11',
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    name: meta?.name ?? 'deleted',
    namespace: meta?.namespace ?? 'shop',
    operation,
    userInfo: options.user ?? IDENTITIES.namespaceUser,
    object: (operation === 'DELETE' ? null : object) as AdmissionRequest['object'],
    oldObject: (options.oldObject ?? null) as AdmissionRequest['oldObject'],
    dryRun: options.dryRun ?? false,
  };
}

let ctx: ProtectionContext;
let strict: ProtectionContext;
beforeAll(async () => {
  ctx = await exampleContext();
  strict = await exampleContext({ strict: true });
});

/** What the mutating webhook says of a pod annotated with these groups. */
function annotationMessage(groups: string[], ns: NamespaceFacts = OPEN, context = ctx): string {
  const m = deriveMembership({ [SG_ANNOTATION]: JSON.stringify(groups) }, context.membership, ns, 'shop');
  if (m.ok) throw new Error('the annotation was allowed');
  return m.message;
}

describe('SecurityGroupPolicy admission', () => {
  it('allows a policy of known groups, with no warning', () => {
    for (const name of ['db-pods', 'both-selectors']) expect(decideValidation(review('CREATE', admissionPolicy(name)), ctx, OPEN), name).toEqual({ allowed: true });
  });

  it('refuses the trust and enforced groups with the annotation message, for everyone (break-glass too)', () => {
    const trust = decideValidation(review('CREATE', admissionPolicy('names-trust'), { user: IDENTITIES.breakGlass }), ctx, OPEN);
    expect(trust).toMatchObject({ allowed: false, code: 403 });
    expect(trust.message).toBe(`SecurityGroupPolicy shop/names-trust spec.securityGroups.groupIds: ${annotationMessage([TRUST])}`);
    const enforced = decideValidation(review('UPDATE', admissionPolicy('names-enforced'), { oldObject: admissionPolicy('db-pods') }), ctx, OPEN);
    expect(enforced.message).toContain(annotationMessage([ENFORCED]));
  });

  it("applies the namespace allow-list exactly as to the annotation's groups", () => {
    const only: NamespaceFacts = { allowList: 'on', annotations: { [NAMESPACE_ALLOWED_ANNOTATION]: JSON.stringify([POD_SG]) } };
    const refused = decideValidation(review('CREATE', admissionPolicy('both-selectors')), ctx, only);
    expect(refused.allowed).toBe(false);
    expect(refused.message).toContain(annotationMessage([POD_SG, INSTANCE_SG], only));
    expect(refused.message).toContain(`security group ${INSTANCE_SG} is not permitted for pods in namespace shop`);
    expect(decideValidation(review('CREATE', admissionPolicy('db-pods')), ctx, only).allowed).toBe(true);
    const wildcard: NamespaceFacts = { allowList: 'on', annotations: { [NAMESPACE_ALLOWED_ANNOTATION]: '["*"]' } };
    expect(decideValidation(review('CREATE', admissionPolicy('both-selectors')), ctx, wildcard).allowed).toBe(true);
  });

  it('fails closed while the namespace is not known, and when the caller gives no namespace facts', () => {
    const unknown = decideValidation(review('CREATE', admissionPolicy('db-pods')), ctx, { allowList: 'unknown', problem: 'timeout' });
    expect(unknown.allowed).toBe(false);
    expect(unknown.message).toContain('cannot check aws.tigera.io/allowed-security-groups of namespace shop (timeout)');
    expect(decideValidation(review('CREATE', admissionPolicy('db-pods')), ctx).allowed).toBe(false);
  });

  it('warns about groups sgbridge does not know, and refuses them in strict mode', () => {
    const warned = decideValidation(review('CREATE', admissionPolicy('unknown-group')), ctx, OPEN);
    expect(warned.allowed).toBe(true);
    expect(warned.warnings).toEqual([expect.stringMatching(new RegExp(`^SecurityGroupPolicy shop/unknown-group: .*${UNKNOWN_SG} is not a security group sgbridge knows`))]);
    const refused = decideValidation(review('CREATE', admissionPolicy('unknown-group')), strict, OPEN);
    expect(refused.allowed).toBe(false);
    expect(refused.message).toContain(annotationMessage([UNKNOWN_SG], OPEN, strict));
  });

  it.each([
    ['bad-operator', 'spec.podSelector.matchExpressions[0].operator: "Equals" is not a valid label selector operator'],
    ['exists-with-values', 'spec.serviceAccountSelector.matchExpressions[0].values: operator Exists takes no values'],
    ['no-selector', 'has neither spec.podSelector nor spec.serviceAccountSelector'],
    ['selects-membership', 'spec.podSelector selects on sg.aws.tigera.io/'],
  ])('refuses the invalid policy %s, naming the field', (name, expected) => {
    const d = decideValidation(review('CREATE', admissionPolicy(name)), ctx, OPEN);
    expect(d.allowed).toBe(false);
    expect(d.message).toContain(`SecurityGroupPolicy shop/${name} ${expected}`);
    expect(d.message!.length).toBeLessThanOrEqual(256);
  });

  it('refuses a malformed object with the path of the bad field', () => {
    const d = decideValidation(review('CREATE', { metadata: { name: 'p', namespace: 'shop' }, spec: { podSelector: { matchLabels: 'role=db' }, securityGroups: { groupIds: [POD_SG] } } }), ctx, OPEN);
    expect(d.allowed).toBe(false);
    expect(d.message).toContain('SecurityGroupPolicy shop/p spec.podSelector.matchLabels: ');
    expect(decideValidation(review('CREATE', 'not an object'), ctx, OPEN)).toMatchObject({ allowed: false, code: 400 });
  });

  it("admits AWS's samples, warning about the id that is not one and the group sgbridge does not know", () => {
    const [sample] = awsSamples();
    const d = decideValidation(review('CREATE', { ...sample, metadata: { ...sample!.metadata, namespace: 'shop' } }), ctx, OPEN);
    expect(d.allowed).toBe(true);
    expect(d.warnings).toEqual([
      expect.stringContaining('spec.securityGroups.groupIds[1]: "sg-f7990sfng33684fad" is not a security group id'),
      expect.stringContaining('sg-07b9fafd9006da7d5 is not a security group sgbridge knows'),
    ]);
  });

  it('judges only the new object: removing a forbidden group, and deleting, are allowed', () => {
    expect(decideValidation(review('UPDATE', admissionPolicy('db-pods'), { oldObject: admissionPolicy('names-trust') }), ctx, OPEN).allowed).toBe(true);
    expect(decideValidation(review('DELETE', null, { oldObject: admissionPolicy('names-trust') }), ctx, OPEN)).toEqual({ allowed: true });
  });

  it('lets an update that keeps the spec through, so stored policies can still be labelled and garbage-collected', () => {
    const stored = admissionPolicy('bad-operator');
    const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { team: 'db' }, finalizers: [] } };
    expect(decideValidation(review('UPDATE', relabelled, { oldObject: stored }), ctx, OPEN)).toEqual({ allowed: true });
    const changed = { ...relabelled, spec: { ...stored.spec, securityGroups: { groupIds: [TRUST] } } };
    expect(decideValidation(review('UPDATE', changed, { oldObject: stored }), ctx, OPEN).allowed).toBe(false);
  });

  it('answers a dry run as it answers the real request', () => {
    for (const name of ['db-pods', 'names-trust', 'bad-operator']) {
      expect(decideValidation(review('CREATE', admissionPolicy(name), { dryRun: true }), ctx, OPEN)).toEqual(decideValidation(review('CREATE', admissionPolicy(name)), ctx, OPEN));
    }
  });

  it('leaves other kinds of the same API group alone', () => {
    const other = { ...review('CREATE', admissionPolicy('names-trust')), kind: { group: 'vpcresources.k8s.aws', version: 'v1alpha1', kind: 'CNINode' }, resource: { group: 'vpcresources.k8s.aws', version: 'v1alpha1', resource: 'cninodes' } };
    expect(decideValidation(other, ctx, OPEN)).toEqual({ allowed: true });
  });
});
