// The holes of issue 18 at the decision: every label key sgbridge's policies select on is
// refused on network sets and host endpoints; policies in early and allow-listed tiers are the
// Calico operator's; pods/status and pods/binding keep membership honest; the namespace allow-list
// is a privilege. (test/admission/attacks.test.ts tries the same through the registered rules over TLS.)
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, Decision } from '../../../src/core/admission-types.js';
import { decideValidation, tierFactsFrom, type ProtectionContext, type TierFacts, type ValidationFacts } from '../../../src/core/protection/index.js';
import { SELECTED_LABEL_KEYS } from '../../../src/core/translate/selectors.js';
import { calicoObject, exampleContext, IDENTITIES, INSTANCE_SG, membership, NODE_GROUP, POD_DEFAULT, POD_SG, request, write } from './support.js';

const CRD = 'crd.projectcalico.org';
const V3 = 'projectcalico.org';

let ctx: ProtectionContext;
beforeAll(async () => {
  ctx = await exampleContext();
});
const decide = (r: AdmissionRequest, facts?: ValidationFacts): Decision => decideValidation(r, ctx, facts);
function expectDenied(d: Decision, ...mentions: string[]): void {
  expect(d.allowed, d.message).toBe(false);
  expect(d.code).toBe(403);
  expect(d.message!.length).toBeLessThan(256);
  for (const m of mentions) expect(d.message).toContain(m);
}

describe('rule 4: every key sgbridge selects on', () => {
  const sets = {
    NetworkSet: (labels: Record<string, string>) => calicoObject(V3, 'NetworkSet', 'everything', { nets: ['0.0.0.0/0'] }, labels, 'attacker'),
    GlobalNetworkSet: (labels: Record<string, string>) => calicoObject(CRD, 'GlobalNetworkSet', 'everything', { nets: ['0.0.0.0/0'] }, labels),
    HostEndpoint: (labels: Record<string, string>) => calicoObject(CRD, 'HostEndpoint', 'fake', { node: 'n', expectedIPs: ['10.0.0.1'] }, labels),
  };
  it('refuses allow-metadata-access, vpc-member, eni-id, instance-id and endpoint-kind on NetworkSets, GlobalNetworkSets and HostEndpoints', () => {
    expect(SELECTED_LABEL_KEYS).toEqual(expect.arrayContaining(['aws.tigera.io/vpc-member', 'aws.tigera.io/allow-metadata-access', 'aws.tigera.io/eni-id', 'aws.tigera.io/instance-id', 'aws.tigera.io/endpoint-kind']));
    for (const [kind, make] of Object.entries(sets)) {
      const group = kind === 'NetworkSet' ? V3 : CRD;
      for (const key of SELECTED_LABEL_KEYS) {
        for (const value of ['', 'true', 'false']) {
          for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) expectDenied(decide(write(group, kind, op, make({ [key]: value }), IDENTITIES.clusterAdmin)), key, 'only sgbridge');
        }
      }
      // Removing a forged key is a change of a protected object too: only sgbridge repairs it.
      expectDenied(decide(request({ group, kind, operation: 'UPDATE', object: make({ app: 'x' }), oldObject: make({ 'aws.tigera.io/vpc-member': '' }) })), 'vpc-member');
    }
  });
  it("refuses the same keys in a Profile's labelsToApply (applied to host endpoints that name it); Calico's own profiles pass", () => {
    const profile = (labelsToApply: Record<string, string>, name = 'office') => calicoObject(V3, 'Profile', name, { labelsToApply });
    for (const key of [...SELECTED_LABEL_KEYS, membership(POD_SG)]) {
      for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) expectDenied(decide(write(V3, 'Profile', op, profile({ [key]: '' }), IDENTITIES.clusterAdmin)), key, 'Profile');
    }
    expect(decide(write(CRD, 'Profile', 'CREATE', profile({ 'pcns.projectcalico.org/name': 'team-a', 'pcns.team': 'a' }, 'kns.team-a'))).allowed).toBe(true);
    expect(decide(write(CRD, 'Profile', 'UPDATE', profile({ role: 'office' }))).allowed).toBe(true);
    expect(decide(write(CRD, 'Profile', 'CREATE', calicoObject(CRD, 'Profile', 'p', { labelsToApply: 'x' }))).code).toBe(400);
  });

  it('keeps ordinary labels on network sets and host endpoints working', () => {
    for (const [kind, make] of Object.entries(sets)) {
      const group = kind === 'NetworkSet' ? V3 : CRD;
      const ordinary: Record<string, string>[] = [{}, { role: 'office' }, { 'aws.tigera.io/owner': 'team-a' }, { 'example.com/vpc-member': '' }];
      for (const labels of ordinary) {
        expect(decide(write(group, kind, 'CREATE', make(labels))).allowed, `${kind} ${JSON.stringify(labels)}`).toBe(true);
      }
    }
  });
});

describe('rule 3: policies that decide before the integration', () => {
  const policy = (tier: string | undefined, name = `${tier ?? 'default'}.allow-all`) =>
    calicoObject(CRD, 'GlobalNetworkPolicy', name, { ...(tier ? { tier } : {}), selector: 'all()', types: ['Ingress', 'Egress'], ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] });
  const orders: Record<string, number | null> = { default: null, 'calico-system': 100, 'allow-tigera': 102, legacy: 50, platform: 200, edge: 107 };
  const on: TierFacts = { tiers: 'on', orderOf: (t) => orders[t] };

  it('refuses an Allow-all policy in the allow-listed tiers, in any API group and operation, unless the Calico operator writes it', () => {
    for (const tier of ['calico-system', 'allow-tigera']) {
      for (const group of [CRD, V3]) {
        for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) {
          for (const facts of [{}, { tiers: on }]) {
            expectDenied(decide(write(group, 'GlobalNetworkPolicy', op, policy(tier), IDENTITIES.clusterAdmin), facts), tier, 'Calico operator');
            expect(decide(write(group, 'GlobalNetworkPolicy', op, policy(tier), IDENTITIES.calicoOperator), facts).allowed).toBe(true);
          }
        }
      }
    }
    // By the name prefix or the tier label alone.
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', calicoObject(CRD, 'GlobalNetworkPolicy', 'calico-system.x', { selector: 'all()' }))), 'calico-system');
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', calicoObject(CRD, 'GlobalNetworkPolicy', 'x', { selector: 'all()' }, { 'projectcalico.org/tier': 'allow-tigera' }))), 'allow-tigera');
  });

  it('refuses policies in a tier the cluster orders at or before 107; allows later tiers and the default tier', () => {
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('legacy')), { tiers: on }), 'legacy', 'order 50');
    expectDenied(decide(write(CRD, 'NetworkPolicy', 'DELETE', policy('edge')), { tiers: on }), 'order 107');
    expectDenied(decide(request({ group: CRD, kind: 'GlobalNetworkPolicy', operation: 'UPDATE', object: policy('platform'), oldObject: policy('legacy') }), { tiers: on }), 'legacy');
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('platform')), { tiers: on }).allowed).toBe(true);
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy(undefined, 'allow.dns')), { tiers: on }).allowed).toBe(true);
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('default')), { tiers: on }).allowed).toBe(true);
    expect(decideValidation(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('legacy'), IDENTITIES.calicoOperator), ctx, { tiers: on }).allowed).toBe(true);
  });

  it('builds tier facts from the Tier objects a watch holds', () => {
    const facts = tierFactsFrom([
      { metadata: { name: 'legacy' }, spec: { order: 50 } },
      { metadata: { name: 'platform' }, spec: { order: 300 } },
      { metadata: { name: 'last' }, spec: {} },
      { metadata: { name: 'odd' }, spec: { order: 'soon' } },
      { metadata: {}, spec: { order: 1 } },
    ]);
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('legacy')), { tiers: facts }), 'order 50');
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('odd')), { tiers: facts }), 'odd', 'cannot read');
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('platform')), { tiers: facts }).allowed).toBe(true);
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('last')), { tiers: facts }).allowed).toBe(true);
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('platform')), { tiers: tierFactsFrom({ problem: 'tier watch not listed yet' }) }), 'tier watch not listed yet');
  });

  it('fails closed on a tier it cannot place: not seen, or tiers unreadable', () => {
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('brand-new')), { tiers: on }), 'brand-new', 'cannot confirm');
    const unknown: TierFacts = { tiers: 'unknown', problem: 'tier watch not synced' };
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('platform')), { tiers: unknown }), 'platform', 'tier watch not synced');
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy('default')), { tiers: unknown }).allowed).toBe(true);
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', policy(undefined, 'allow.dns')), { tiers: unknown }).allowed).toBe(true);
  });
});

describe('rule 6 through pods/status and pods/binding', () => {
  const annotated = { 'aws.tigera.io/security-groups': `["${POD_SG}"]` };
  const labelsFor = (...groups: string[]) => Object.fromEntries([...groups, POD_DEFAULT].map((g) => [membership(g), '']));
  const pod = (labels: Record<string, string>, annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a', labels, ...(annotations ? { annotations } : {}) }, spec: {}, status: { phase: 'Running' } });
  const status = (oldObject: unknown, object: unknown) => ({ ...request({ group: '', kind: 'Pod', operation: 'UPDATE', oldObject, object }), subResource: 'status' });
  const onlyPodSg = { allowList: 'on' as const, annotations: { 'aws.tigera.io/allowed-security-groups': `["${POD_SG}"]` } };

  it('refuses a status update that moves annotation and labels to a group the namespace forbids', () => {
    const before = pod(labelsFor(POD_SG), annotated);
    const after = pod(labelsFor(INSTANCE_SG), { 'aws.tigera.io/security-groups': `["${INSTANCE_SG}"]` });
    expectDenied(decide(status(before, after), { namespace: onlyPodSg }), INSTANCE_SG, 'not permitted');
    expect(decide(status(before, after)).allowed).toBe(true); // no cluster: no allow-list to break
  });
  it('refuses a status update that moves only the annotation; lets a kubelet-like update through', () => {
    const before = pod(labelsFor(POD_SG), annotated);
    expectDenied(decide(status(before, pod(labelsFor(POD_SG), { 'aws.tigera.io/security-groups': `["${INSTANCE_SG}"]` }))), INSTANCE_SG);
    expectDenied(decide(status(pod(labelsFor(NODE_GROUP)), pod(labelsFor(NODE_GROUP), annotated))), POD_SG);
    const kubelet = { ...before, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(decide(status(before, kubelet), { namespace: onlyPodSg }).allowed).toBe(true);
  });
  it('refuses a Binding that carries the annotation or a membership label, allows the scheduler\'s', () => {
    const binding = (metadata: Record<string, unknown>) => ({
      ...request({ group: '', kind: 'Binding', operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'team-a', ...metadata }, target: { kind: 'Node', name: 'ip-10-0-1-10' } } }),
      resource: { group: '', version: 'v1', resource: 'pods' },
      subResource: 'binding',
    });
    expectDenied(decide(binding({ annotations: { 'aws.tigera.io/security-groups': `["${INSTANCE_SG}"]` } })), 'aws.tigera.io/security-groups', 'Binding');
    expectDenied(decide(binding({ annotations: { [membership(INSTANCE_SG)]: '' } })), membership(INSTANCE_SG));
    expectDenied(decide(binding({ labels: { [membership(INSTANCE_SG)]: '' } })), membership(INSTANCE_SG));
    expect(decide(binding({})).allowed).toBe(true);
    expect(decide(binding({ annotations: { 'example.com/x': 'y' } })).allowed).toBe(true);
  });
});

describe('rule 7: the namespace allow-list annotation', () => {
  const ns = (annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', ...(annotations ? { annotations } : {}) } });
  const key = 'aws.tigera.io/allowed-security-groups';
  const nsRequest = (operation: 'CREATE' | 'UPDATE', object: unknown, oldObject: unknown, user = IDENTITIES.namespaceUser) => request({ group: '', kind: 'Namespace', operation, object, oldObject, user });

  it('refuses setting, widening, removing it, or creating a namespace with it, to anyone but its writers', () => {
    expectDenied(decide(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns({ [key]: `["${POD_SG}"]` }))), key, 'team-a');
    expectDenied(decide(nsRequest('UPDATE', ns(), ns({ [key]: `["${POD_SG}"]` }))), key);
    expectDenied(decide(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns())), key);
    expectDenied(decide(nsRequest('CREATE', ns({ [key]: '["*"]' }), null)), key);
  });
  it('lets the writers (default: system:masters), break-glass and sgbridge change it, and anyone change the rest', async () => {
    expect(decide(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns(), IDENTITIES.clusterAdmin)).allowed).toBe(true);
    expect(decide(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns(), IDENTITIES.breakGlass)).allowed).toBe(true);
    expect(decide(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns(), IDENTITIES.syncer)).allowed).toBe(true);
    expect(decide(nsRequest('UPDATE', ns({ [key]: '["*"]', team: 'a' }), ns({ [key]: '["*"]' }))).allowed).toBe(true);
    expect(decide(nsRequest('CREATE', ns({ team: 'a' }), null)).allowed).toBe(true);
    const custom = await exampleContext({ allowListWriterGroups: [], allowListWriterUsers: ['dev'] });
    expect(decideValidation(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns()), custom).allowed).toBe(true);
    expect(decideValidation(nsRequest('UPDATE', ns({ [key]: '["*"]' }), ns(), IDENTITIES.clusterAdmin), custom).allowed).toBe(false);
  });
});
