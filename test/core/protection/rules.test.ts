// One test per way round each rule of SPEC §2, by a namespace user (never trusted), plus the
// edits the rules must leave alone.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, Decision } from '../../../src/core/admission-types.js';
import { decideMutation } from '../../../src/core/membership/index.js';
import { decideValidation, protectionContextFrom, type ProtectionContext } from '../../../src/core/protection/index.js';
import { calicoObject, ENFORCED, exampleContext, exampleInventory, IDENTITIES, INSTANCE_SG, membership, NODE_GROUP, POD_DEFAULT, POD_SG, request, settingsWith, TRUST, write } from './support.js';

const CRD = 'crd.projectcalico.org';
const V3 = 'projectcalico.org';

let ctx: ProtectionContext;
beforeAll(async () => {
  ctx = await exampleContext();
});

const decide = (r: AdmissionRequest): Decision => decideValidation(r, ctx);
function expectDenied(d: Decision, ...mentions: string[]): void {
  expect(d.allowed).toBe(false);
  expect(d.code).toBe(403);
  expect(d.message!.length).toBeLessThan(256);
  for (const m of mentions) expect(d.message).toContain(m);
}

const gnp = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) => calicoObject(CRD, 'GlobalNetworkPolicy', name, spec, labels);
const update = (kind: string, oldObject: unknown, object: unknown, group = CRD) => request({ group, kind, operation: 'UPDATE', oldObject, object });

describe('rule 1: the integration tiers', () => {
  for (const tier of ['sg-remote', 'sg-local', 'metadata']) {
    it(`refuses creating, changing and deleting ${tier}`, () => {
      const t = calicoObject(V3, 'Tier', tier, { order: 200 });
      for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) expectDenied(decide(write(V3, 'Tier', op, t)), `tier ${tier}`, 'AWS');
    });
  }

  it('refuses deleting a protected tier even when the apiserver sends no oldObject', () => {
    expectDenied(decide(request({ group: CRD, kind: 'Tier', operation: 'DELETE', name: 'sg-remote' })), 'sg-remote');
  });

  it('allows deleting another tier with no oldObject (the name is enough)', () => {
    expect(decide(request({ group: CRD, kind: 'Tier', operation: 'DELETE', name: 'team-tier' })).allowed).toBe(true);
  });
});

describe('rule 2: policies in the integration tiers', () => {
  it('refuses moving a policy into sg-local (UPDATE: old in default, new in sg-local)', () => {
    const before = gnp('allow-web', { tier: 'default', selector: 'app == "web"' });
    const after = gnp('allow-web', { tier: 'sg-local', selector: 'app == "web"' });
    expectDenied(decide(update('GlobalNetworkPolicy', before, after)), 'sg-local');
  });

  it('refuses moving a policy out of sg-remote (UPDATE: old in sg-remote, new in default)', () => {
    const before = gnp('sg-remote.sg-12345678901234', { tier: 'sg-remote' }, { 'projectcalico.org/tier': 'sg-remote' });
    const after = gnp('default.sg-12345678901234', { tier: 'default' }, { 'projectcalico.org/tier': 'default' });
    expectDenied(decide(update('GlobalNetworkPolicy', before, after)), 'sg-remote', 'change security group sg-12345678901234 in AWS');
  });

  it('refuses a policy renamed with a protected prefix even when spec.tier says default', () => {
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', gnp('metadata.allow-all', { tier: 'default' }))), 'metadata');
    const before = gnp('allow-all', { tier: 'default' });
    const after = gnp('sg-local.allow-all', { tier: 'default' });
    expectDenied(decide(update('GlobalNetworkPolicy', before, after)), 'sg-local');
  });

  it('refuses a policy whose only sign is the projectcalico.org/tier label', () => {
    const p = gnp('allow-all', {}, { 'projectcalico.org/tier': 'sg-remote' });
    expectDenied(decide(write(V3, 'GlobalNetworkPolicy', 'CREATE', p)), 'sg-remote');
  });

  it('refuses namespaced and Staged policies in a protected tier, in both API groups', () => {
    for (const group of [CRD, V3]) {
      for (const kind of ['NetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy', 'GlobalNetworkPolicy']) {
        const p = calicoObject(group, kind, 'x', { tier: 'sg-local' }, undefined, kind.includes('Global') ? undefined : 'team-a');
        expectDenied(decide(write(group, kind, 'UPDATE', p)), kind, 'sg-local');
      }
    }
  });

  it('refuses deleting a sg-local policy (the object is in oldObject)', () => {
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'DELETE', gnp('sg-local.sg-98765432109876', { tier: 'sg-local' }))), 'sg-local');
  });

  it('allows policies in other tiers that touch nothing protected', () => {
    const p = gnp('platform.allow-dns', { tier: 'platform', selector: 'all()', egress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }] });
    for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) expect(decide(write(CRD, 'GlobalNetworkPolicy', op, p)).allowed).toBe(true);
  });

  it('treats a StagedKubernetesNetworkPolicy as having no tier', () => {
    const p = calicoObject(CRD, 'StagedKubernetesNetworkPolicy', 'sg-local.lookalike', { podSelector: {} }, undefined, 'team-a');
    expect(decide(write(CRD, 'StagedKubernetesNetworkPolicy', 'CREATE', p)).allowed).toBe(true);
  });
});

describe('rule 3: nothing runs before the integration tiers', () => {
  const tier = (name: string, order?: number) => calicoObject(CRD, 'Tier', name, order === undefined ? {} : { order });

  it('refuses a tier reordered to 100', () => {
    expectDenied(decide(update('Tier', tier('team', 200), tier('team', 100))), 'team', 'order 100', 'above 107');
  });

  it('refuses creating a tier at exactly 107, allows 107.5 and 108', () => {
    expectDenied(decide(write(CRD, 'Tier', 'CREATE', tier('team', 107))), 'order 107');
    expect(decide(write(CRD, 'Tier', 'CREATE', tier('team', 107.5))).allowed).toBe(true);
    expect(decide(write(CRD, 'Tier', 'CREATE', tier('team', 108))).allowed).toBe(true);
  });

  it('refuses moving an early tier to another early order, allows moving it after 107', () => {
    expectDenied(decide(update('Tier', tier('early', 50), tier('early', 60))), 'order 60');
    expect(decide(update('Tier', tier('early', 50), tier('early', 300))).allowed).toBe(true);
  });

  it('allows an edit that leaves an existing early tier where it is (it is not a move)', () => {
    const before = calicoObject(CRD, 'Tier', 'early', { order: 50, defaultAction: 'Deny' });
    const after = calicoObject(CRD, 'Tier', 'early', { order: 50, defaultAction: 'Pass' });
    expect(decide(update('Tier', before, after)).allowed).toBe(true);
  });

  it('allows a tier without an order (Calico puts it last)', () => {
    expect(decide(write(CRD, 'Tier', 'CREATE', tier('team'))).allowed).toBe(true);
  });

  it('lets only the Calico operator write the allow-listed tiers (calico-system, allow-tigera), and follows tierAllowList', async () => {
    const operator = IDENTITIES.calicoOperator;
    expect(decide(write(CRD, 'Tier', 'CREATE', tier('allow-tigera', 100), operator)).allowed).toBe(true);
    expect(decide(write(CRD, 'Tier', 'UPDATE', tier('calico-system', 90), operator)).allowed).toBe(true);
    for (const op of ['CREATE', 'UPDATE', 'DELETE'] as const) {
      expectDenied(decide(write(CRD, 'Tier', op, tier('calico-system', 1))), 'calico-system', 'allow-listed', 'Calico operator');
      expectDenied(decide(write(CRD, 'Tier', op, tier('allow-tigera', 1000), IDENTITIES.clusterAdmin)), 'allow-tigera');
    }
    expectDenied(decide(request({ group: CRD, kind: 'Tier', operation: 'DELETE', name: 'calico-system' })), 'calico-system');
    const custom = await exampleContext({ tierAllowList: ['security'] });
    expect(decideValidation(write(CRD, 'Tier', 'CREATE', tier('security', 10), operator), custom).allowed).toBe(true);
    expect(decideValidation(write(CRD, 'Tier', 'CREATE', tier('allow-tigera', 100), operator), custom).allowed).toBe(false);
    const otherOperator = await exampleContext({ calicoOperatorIdentity: 'system:serviceaccount:calico:operator' });
    expect(decideValidation(write(CRD, 'Tier', 'CREATE', tier('calico-system', 100), operator), otherOperator).allowed).toBe(false);
  });
});

describe('rule 4: host endpoints and network sets', () => {
  const hep = (labels: Record<string, string>) => calicoObject(CRD, 'HostEndpoint', 'eni-0123456789abcdef0', { expectedIPs: ['10.0.1.23'], node: 'aws-vpc-member' }, labels);
  const ns = (labels: Record<string, string>) => calicoObject(V3, 'NetworkSet', 'office', { nets: ['192.0.2.0/24'] }, labels, 'team-a');
  const gns = (labels: Record<string, string>) => calicoObject(CRD, 'GlobalNetworkSet', 'office', { nets: ['192.0.2.0/24'] }, labels);

  it('refuses a HostEndpoint given a membership label', () => {
    expectDenied(decide(update('HostEndpoint', hep({ role: 'db' }), hep({ role: 'db', [membership(POD_SG)]: '' }))), 'HostEndpoint', membership(POD_SG));
  });

  it('refuses a NetworkSet and a GlobalNetworkSet given a membership label', () => {
    expectDenied(decide(update('NetworkSet', ns({}), ns({ [membership(INSTANCE_SG)]: '' }), V3)), 'NetworkSet', membership(INSTANCE_SG));
    expectDenied(decide(write(CRD, 'GlobalNetworkSet', 'CREATE', gns({ [membership(INSTANCE_SG)]: '' }))), 'GlobalNetworkSet');
  });

  it('refuses removing a membership label (it was sgbridge’s before the change)', () => {
    expectDenied(decide(update('HostEndpoint', hep({ [membership(POD_SG)]: '' }), hep({}))), 'HostEndpoint');
  });

  it('refuses editing or deleting what carries sgbridge’s managed-by label', () => {
    const managed = gns({ 'app.kubernetes.io/managed-by': 'sgbridge' });
    expectDenied(decide(update('GlobalNetworkSet', managed, gns({}))), 'managed by sgbridge');
    expectDenied(decide(write(CRD, 'GlobalNetworkSet', 'DELETE', managed)), 'managed by sgbridge');
  });

  it('allows host endpoints and network sets of users', () => {
    expect(decide(write(CRD, 'HostEndpoint', 'CREATE', hep({ role: 'bastion', 'app.kubernetes.io/managed-by': 'helm' }))).allowed).toBe(true);
    expect(decide(update('NetworkSet', ns({ team: 'a' }), ns({ team: 'b' }), V3)).allowed).toBe(true);
  });
});

describe('rule 5: selectors never name an internal group', () => {
  const trust = membership(TRUST);
  it('refuses a GlobalNetworkPolicy in the default tier whose rule selects the trust group', () => {
    const p = gnp('default.from-vpc', { tier: 'default', selector: 'all()', ingress: [{ action: 'Allow', source: { selector: `has(${trust})` } }] });
    expectDenied(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', p)), 'spec.ingress[0].source.selector', TRUST, 'trust group');
  });

  const fields: [string, Record<string, unknown>][] = [
    ['spec.selector', { selector: `${trust} == ""` }],
    ['spec.namespaceSelector', { namespaceSelector: `has(${trust})` }],
    ['spec.serviceAccountSelector', { serviceAccountSelector: `has(${trust})` }],
    ['spec.egress[1].destination.notSelector', { egress: [{ action: 'Allow' }, { action: 'Deny', destination: { notSelector: `!has(${membership(ENFORCED)})` } }] }],
    ['spec.ingress[0].destination.selector', { ingress: [{ action: 'Allow', destination: { selector: `has(${membership(POD_DEFAULT)})` } }] }],
    ['spec.ingress[0].source.namespaceSelector', { ingress: [{ action: 'Allow', source: { namespaceSelector: `has(${trust})` } }] }],
    ['spec.ingress[0].source.serviceAccounts.selector', { ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: `has(${trust})` } } }] }],
  ];
  for (const [path, spec] of fields) {
    it(`refuses ${path} naming an internal group, in any tier and kind`, () => {
      for (const kind of ['GlobalNetworkPolicy', 'NetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedNetworkPolicy']) {
        const p = calicoObject(V3, kind, 'platform.x', { tier: 'platform', ...spec }, undefined, 'team-a');
        expectDenied(decide(write(V3, kind, 'CREATE', p)), path);
      }
    });
  }

  it('refuses a Kubernetes NetworkPolicy whose podSelector names an internal group', () => {
    const np = (spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'team-a' }, spec });
    const k8s = (spec: Record<string, unknown>) => write('networking.k8s.io', 'NetworkPolicy', 'CREATE', np(spec));
    expectDenied(decide(k8s({ podSelector: { matchLabels: { [trust]: '' } } })), 'spec.podSelector.matchLabels', 'trust group');
    expectDenied(decide(k8s({ podSelector: { matchExpressions: [{ key: membership(ENFORCED), operator: 'Exists' }] } })), 'matchExpressions[0].key', 'enforced group');
    expectDenied(decide(k8s({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { [membership(POD_DEFAULT)]: '' } } }] }] })), 'spec.ingress[0].from[0].podSelector', 'pod default group');
    expectDenied(decide(k8s({ podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: { [trust]: '' } } }] }] })), 'spec.egress[0].to[0].namespaceSelector');
  });

  it('refuses a StagedKubernetesNetworkPolicy naming an internal group', () => {
    const p = calicoObject(CRD, 'StagedKubernetesNetworkPolicy', 'x', { podSelector: { matchLabels: { [trust]: '' } } }, undefined, 'team-a');
    expectDenied(decide(write(CRD, 'StagedKubernetesNetworkPolicy', 'UPDATE', p)), 'trust group');
  });

  it('allows selecting users’ own groups, and removing or deleting a mention', () => {
    const own = gnp('default.x', { selector: `has(${membership(POD_SG)}) && has(${membership(NODE_GROUP)})` });
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'CREATE', own)).allowed).toBe(true);
    const bad = gnp('default.x', { selector: `has(${trust})` });
    expect(decide(update('GlobalNetworkPolicy', bad, own)).allowed).toBe(true);
    expect(decide(write(CRD, 'GlobalNetworkPolicy', 'DELETE', bad)).allowed).toBe(true);
  });

  it('does not mistake a longer id that starts with an internal one', async () => {
    const short = 'sg-0f1e2d3c';
    const c = protectionContextFrom(settingsWith({ trustGroupId: short }), await exampleInventory());
    const p = gnp('default.x', { selector: `has(sg.aws.tigera.io/${short}4b5a)` });
    expect(decideValidation(write(CRD, 'GlobalNetworkPolicy', 'CREATE', p), c).allowed).toBe(true);
    const q = gnp('default.x', { selector: `has(sg.aws.tigera.io/${short})` });
    expect(decideValidation(write(CRD, 'GlobalNetworkPolicy', 'CREATE', q), c).allowed).toBe(false);
  });

  it('takes internal group ids from settings first, else from the inventory by name', async () => {
    const configured = 'sg-0123456789abcdef0';
    const empty = { vpcId: 'vpc-0a1b2c3d4e5f60718', securityGroups: [], networkInterfaces: [], prefixLists: [] };
    const fromSettings = protectionContextFrom(settingsWith({ trustGroupId: configured }), empty);
    const p = (sg: string) => write(CRD, 'GlobalNetworkPolicy', 'CREATE', gnp('default.x', { selector: `has(${membership(sg)})` }));
    expect(decideValidation(p(configured), fromSettings).allowed).toBe(false);
    expect(decideValidation(p(TRUST), fromSettings).allowed).toBe(true);
    // Without settings, the example inventory names the trust group.
    expect(decide(p(TRUST)).allowed).toBe(false);
    // Nothing configured and nothing found: nothing is internal.
    expect(decideValidation(p(TRUST), protectionContextFrom(settingsWith(), empty)).allowed).toBe(true);
  });
});

describe('rule 6: pod membership labels follow the annotation', () => {
  const pod = (labels: Record<string, string> | undefined, annotations?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  const annotated = { 'aws.tigera.io/security-groups': `["${POD_SG}"]` };
  const correct = { app: 'web', [membership(POD_SG)]: '', [membership(POD_DEFAULT)]: '' };
  const create = (o: unknown) => request({ group: '', kind: 'Pod', operation: 'CREATE', object: o });

  it('allows a pod labelled as SPEC §1 derives', () => {
    expect(decide(create(pod(correct, annotated))).allowed).toBe(true);
  });

  it('refuses a pod whose labels a later mutating webhook changed', () => {
    const added = { ...correct, [membership(INSTANCE_SG)]: '' };
    expectDenied(decide(create(pod(added, annotated))), `not allowed ${INSTANCE_SG}`);
    const { [membership(POD_DEFAULT)]: _dropped, ...removed } = correct;
    expectDenied(decide(create(pod(removed, annotated))), `missing ${POD_DEFAULT}`);
    expectDenied(decide(create(pod({ ...correct, [membership(POD_SG)]: 'true' }, annotated))), `missing ${POD_SG}`);
  });

  it('refuses a label edit on a running pod (UPDATE)', () => {
    const r = request({ group: '', kind: 'Pod', operation: 'UPDATE', oldObject: pod(correct, annotated), object: pod({ ...correct, [membership(INSTANCE_SG)]: '' }, annotated) });
    expectDenied(decide(r), INSTANCE_SG);
  });

  it('refuses a membership label set through pods/status, and lets kubelet status updates through', () => {
    // The pod status strategy keeps metadata changes: pods/status is a second way to write labels.
    const status = (oldObject: unknown, object: unknown) => ({ ...request({ group: '', kind: 'Pod', operation: 'UPDATE', oldObject, object }), subResource: 'status' });
    expectDenied(decide(status(pod(correct, annotated), pod({ ...correct, [membership(INSTANCE_SG)]: '' }, annotated))), INSTANCE_SG);
    const { [membership(POD_SG)]: _removed, ...without } = correct;
    expectDenied(decide(status(pod(correct, annotated), pod(without, annotated))), POD_SG);
    expect(decide(status(pod(correct, annotated), pod(correct, annotated))).allowed).toBe(true);
    // A pod labelled wrongly while the webhook was down: status updates that leave labels alone pass
    // (the syncer relabels it); only a change of membership labels is judged.
    const stale = { app: 'x' };
    expect(decide(status(pod(stale, annotated), pod(stale, annotated))).allowed).toBe(true);
    // Only the annotation moves: membership must follow it, or the update is refused.
    const other = { 'aws.tigera.io/security-groups': `["${INSTANCE_SG}"]` };
    expectDenied(decide(status(pod(correct, annotated), pod(correct, other))), INSTANCE_SG);
  });

  it('refuses a pod whose annotation is invalid or names an internal group', () => {
    expectDenied(decide(create(pod(correct, { 'aws.tigera.io/security-groups': '["sg-nope"]' }))), 'aws.tigera.io/security-groups', 'sg-nope');
    expectDenied(decide(create(pod(correct, { 'aws.tigera.io/security-groups': `["${TRUST}"]` }))), 'internal');
  });

  it('refuses unknown groups in strict mode, as the mutating webhook does', async () => {
    const unknown = 'sg-0aaaaaaaaaaaaaaa1';
    const labels = { [membership(unknown)]: '', [membership(POD_DEFAULT)]: '' };
    const ann = { 'aws.tigera.io/security-groups': `["${unknown}"]` };
    expect(decide(create(pod(labels, ann))).allowed).toBe(true);
    const strict = await exampleContext({ strict: true });
    expect(decideValidation(create(pod(labels, ann)), strict).allowed).toBe(false);
  });

  it('allows pod DELETE, CONNECT and subresources untouched', () => {
    const forged = pod({ [membership(TRUST)]: '' });
    expect(decide(request({ group: '', kind: 'Pod', operation: 'DELETE', oldObject: forged })).allowed).toBe(true);
    expect(decide(request({ group: '', kind: 'Pod', operation: 'CONNECT', name: 'web', namespace: 'team-a' })).allowed).toBe(true);
    expect(decide(request({ group: '', kind: 'Pod', operation: 'UPDATE', subResource: 'status', object: forged, oldObject: forged })).allowed).toBe(true);
  });

  it('agrees with the mutating webhook given the same policy', () => {
    const r = create(pod({ app: 'web', [membership(TRUST)]: '' }, annotated));
    const m = decideMutation(r, ctx.membership, { allowList: 'off' });
    expect(m.patch?.length).toBeGreaterThan(0);
    expect(decide(r).allowed).toBe(false);
  });
});

describe('what is not guarded', () => {
  it('allows namespaces, services and other kinds whatever they carry', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { [membership(TRUST)]: '' } } };
    expect(decide(write('', 'Namespace', 'UPDATE', ns)).allowed).toBe(true);
    expect(decide(write(CRD, 'FelixConfiguration', 'UPDATE', calicoObject(CRD, 'FelixConfiguration', 'default', {}))).allowed).toBe(true);
    expect(decide(write('apps', 'Deployment', 'CREATE', 'not even an object')).allowed).toBe(true);
  });
});
