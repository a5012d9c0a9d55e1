// The chart's ValidatingAdmissionPolicy backstop, evaluated with a CEL interpreter the way
// kube-apiserver does: matchConditions (all true → the policy applies), variables in order, then
// every validation must be true. The expressions are taken from the rendered chart.
import { evaluate } from '@marcbachmann/cel-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { SELECTED_LABEL_KEYS } from '../../src/core/translate/selectors.js';
import { buildAdmissionPolicy } from '../../src/core/registration/index.js';
import { renderChart, type K8sObject } from '../support/helm.js';

const NAMESPACE = 'sg-ops';
const SYNCER = `system:serviceaccount:${NAMESPACE}:edge-sgbridge`;
const CALICO_APISERVER = 'system:serviceaccount:calico-apiserver:calico-apiserver';

interface Policy {
  matchConstraints: { resourceRules: { apiGroups: string[]; resources: string[]; operations: string[] }[] };
  matchConditions: { name: string; expression: string }[];
  variables: { name: string; expression: string }[];
  validations: { expression: string; message?: string; messageExpression?: string }[];
}

interface Call {
  user: string;
  groups?: string[];
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  group?: string;
  resource: string;
  subResource?: string;
  namespace?: string;
  object?: Record<string, unknown> | null;
  oldObject?: Record<string, unknown> | null;
}

let policy: Policy;
/** The backstop `sgbridge webhook-config` prints (src/core/registration/admission-policy.ts), for the same settings. */
let codePolicy: Policy;
/** The same pair where config names the groups, so the pod and NetworkPolicy checks are in. */
let groupsPolicy: Policy;
let groupsCodePolicy: Policy;

const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';
const NODE_GROUP = 'sg-0f1e2d3c4b5a69788';
const POD_SG = 'sg-98765432109876';
const TRUST = 'sg-0123456789abcdef1';

function rendered(config: Record<string, unknown>): [Policy, Policy] {
  const objs = renderChart({ release: 'edge', namespace: NAMESPACE, kubeVersion: '1.32.0', values: { config: { breakGlassUsers: ['alice'], breakGlassGroups: ['sre'], ...config } } });
  const vap = objs.find((o: K8sObject) => o.kind === 'ValidatingAdmissionPolicy') as K8sObject & { spec: Policy };
  const deployment = objs.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  const env = Object.fromEntries(deployment.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
  const settings = resolveSettings({ env: { ...env, SGBRIDGE_AWS: 'false' } });
  return [vap.spec, (buildAdmissionPolicy({ settings })[0] as { spec: Policy }).spec];
}

beforeAll(() => {
  [policy, codePolicy] = rendered({});
  [groupsPolicy, groupsCodePolicy] = rendered({ nodeGroups: [NODE_GROUP], podDefaultGroupId: POD_DEFAULT, trustGroupId: TRUST });
});

const KINDS: Record<string, string> = {
  tiers: 'Tier',
  globalnetworkpolicies: 'GlobalNetworkPolicy',
  networkpolicies: 'NetworkPolicy',
  stagedglobalnetworkpolicies: 'StagedGlobalNetworkPolicy',
  stagednetworkpolicies: 'StagedNetworkPolicy',
  hostendpoints: 'HostEndpoint',
  globalnetworksets: 'GlobalNetworkSet',
  networksets: 'NetworkSet',
  profiles: 'Profile',
  pods: 'Pod',
  namespaces: 'Namespace',
};

/** 'not-matched', 'allowed' or the denial message. */
function admit(call: Call, using: Policy = policy): string {
  const group = call.group ?? 'crd.projectcalico.org';
  const resource = call.subResource ? `${call.resource}/${call.subResource}` : call.resource;
  const matches = using.matchConstraints.resourceRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes(call.operation));
  if (!matches) return 'not-matched';
  const ctx: Record<string, unknown> = {
    request: {
      operation: call.operation,
      kind: { group, version: 'v1', kind: call.subResource === 'binding' ? 'Binding' : (KINDS[call.resource] ?? '') },
      resource: { group, version: 'v1', resource: call.resource },
      subResource: call.subResource ?? '',
      namespace: call.namespace ?? '',
      userInfo: { username: call.user, ...(call.groups ? { groups: call.groups } : {}) },
    },
    object: call.object ?? null,
    oldObject: call.oldObject ?? null,
  };
  for (const c of using.matchConditions) if (evaluate(c.expression, ctx) !== true) return 'not-matched';
  const variables: Record<string, unknown> = {};
  ctx.variables = variables;
  for (const v of using.variables) variables[v.name] = evaluate(v.expression, ctx);
  for (const v of using.validations) {
    const ok = evaluate(v.expression, ctx);
    expect(typeof ok, v.expression).toBe('boolean');
    if (!ok) return v.messageExpression ? String(evaluate(v.messageExpression, ctx)) : v.message!;
  }
  return 'allowed';
}

const tier = (name: string, order?: number) => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name }, spec: { ...(order === undefined ? {} : { order }), defaultAction: 'Deny' } });
const gnp = (name: string, tierName?: string, labels?: Record<string, string>) => ({ metadata: { name, ...(labels ? { labels } : {}) }, spec: { ...(tierName ? { tier: tierName } : {}), selector: 'all()' } });
const hep = (labels?: Record<string, string>) => ({ metadata: { name: 'vpc.eni-0a1b2c3d4e5f60718', ...(labels ? { labels } : {}) }, spec: { node: 'aws-vpc-member', expectedIPs: ['10.0.1.23'] } });

const calls: Call[] = [];
/** admit(), remembering every call for the comparison with webhook-config's backstop. */
function admitted(call: Call): string {
  calls.push(call);
  return admit(call);
}

describe('ValidatingAdmissionPolicy backstop', () => {
  it('keeps an admin away from the integration tiers in both API groups', () => {
    for (const group of ['crd.projectcalico.org', 'projectcalico.org']) {
      expect(admitted({ user: 'admin', operation: 'CREATE', group, resource: 'tiers', object: tier('sg-local', 106) })).toMatch(/tier sg-local belongs to the AWS security-group integration/);
      expect(admitted({ user: 'admin', operation: 'DELETE', group, resource: 'tiers', oldObject: tier('metadata', 107) })).toMatch(/tier metadata/);
    }
  });

  it('refuses tiers at or before order 107 unless allow-listed', () => {
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('early', 50) })).toMatch(/order 107/);
    expect(admitted({ user: 'admin', operation: 'UPDATE', resource: 'tiers', object: tier('late', 107), oldObject: tier('late', 200) })).toMatch(/order 107/);
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('late', 108) })).toBe('allowed');
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('no-order') })).toBe('allowed');
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('calico-system', 100) })).toMatch(/allow-listed tiers/);
    expect(admitted({ user: 'system:serviceaccount:tigera-operator:tigera-operator', operation: 'CREATE', resource: 'tiers', object: tier('calico-system', 100) })).toBe('allowed');
    expect(admitted({ user: 'admin', operation: 'DELETE', resource: 'tiers', oldObject: tier('early', 50) })).toBe('allowed');
  });

  it('protects policies in the tiers by spec.tier, name prefix or tier label, before or after the change', () => {
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'globalnetworkpolicies', object: gnp('sg-local.sg-98765432109876', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'networkpolicies', object: gnp('sg-remote.x') })).toMatch(/policies in the tiers/);
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'stagedglobalnetworkpolicies', object: gnp('x', undefined, { 'projectcalico.org/tier': 'metadata' }) })).toMatch(/policies in the tiers/);
    expect(admitted({ user: 'admin', operation: 'UPDATE', resource: 'globalnetworkpolicies', object: gnp('default.x', 'default'), oldObject: gnp('sg-local.x', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admitted({ user: 'admin', operation: 'DELETE', resource: 'globalnetworkpolicies', oldObject: gnp('sg-local.x', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'networkpolicies', object: gnp('default.allow-from-instance-sg', 'default', { 'projectcalico.org/tier': 'default' }) })).toBe('allowed');
  });

  it('protects host endpoints and network sets that carry membership or managed-by labels', () => {
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep({ 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/only sgbridge writes them/);
    expect(admitted({ user: 'admin', operation: 'DELETE', resource: 'globalnetworksets', oldObject: hep({ 'app.kubernetes.io/managed-by': 'sgbridge' }) })).toMatch(/only sgbridge writes them/);
    expect(admitted({ user: 'admin', operation: 'UPDATE', resource: 'networksets', object: hep({ app: 'x' }), oldObject: hep({ 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/only sgbridge writes them/);
    for (const key of ['aws.tigera.io/vpc-member', 'aws.tigera.io/allow-metadata-access', 'aws.tigera.io/eni-id', 'aws.tigera.io/instance-id', 'aws.tigera.io/endpoint-kind']) {
      for (const resource of ['hostendpoints', 'globalnetworksets', 'networksets']) {
        expect(admitted({ user: 'dev', operation: 'CREATE', group: 'projectcalico.org', resource, object: hep({ [key]: 'true' }) }), `${resource} ${key}`).toMatch(/only sgbridge writes them/);
      }
    }
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep({ 'app.kubernetes.io/managed-by': 'someone-else' }) })).toBe('allowed');
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep() })).toBe('allowed');
  });

  it('trusts sgbridge, the calico-apiserver relay on crd.projectcalico.org only, controllers deleting, and break-glass', () => {
    const create = { operation: 'CREATE' as const, resource: 'tiers', object: tier('sg-local', 106) };
    expect(admitted({ ...create, user: SYNCER })).toBe('not-matched');
    expect(admitted({ ...create, user: CALICO_APISERVER, group: 'crd.projectcalico.org' })).toBe('not-matched');
    expect(admitted({ ...create, user: CALICO_APISERVER, group: 'projectcalico.org' })).toMatch(/tier sg-local/);
    expect(admitted({ user: 'system:serviceaccount:kube-system:generic-garbage-collector', operation: 'DELETE', resource: 'networkpolicies', oldObject: gnp('sg-local.x', 'sg-local') })).toBe('not-matched');
    expect(admitted({ user: 'system:serviceaccount:kube-system:generic-garbage-collector', operation: 'CREATE', resource: 'networkpolicies', object: gnp('sg-local.x', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admitted({ ...create, user: 'alice' })).toBe('not-matched');
    expect(admitted({ ...create, user: 'bob', groups: ['sre', 'system:authenticated'] })).toBe('not-matched');
    expect(admitted({ ...create, user: 'bob', groups: ['system:authenticated'] })).toMatch(/tier sg-local/);
  });

  it('leaves other resources to the webhook', () => {
    expect(admitted({ user: 'admin', operation: 'CREATE', group: 'networking.k8s.io', resource: 'networkpolicies', object: gnp('x') })).toBe('not-matched');
    expect(admitted({ user: 'admin', operation: 'CREATE', group: '', resource: 'pods', object: {} })).toBe('not-matched');
  });

  it("refuses selected keys in a Profile's labelsToApply, not Calico's own profiles", () => {
    const profile = (name: string, labelsToApply: Record<string, string>) => ({ metadata: { name }, spec: { labelsToApply } });
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'profiles', object: profile('office', { 'aws.tigera.io/vpc-member': '' }) })).toMatch(/labelsToApply/);
    expect(admitted({ user: 'admin', operation: 'UPDATE', resource: 'profiles', object: profile('office', {}), oldObject: profile('office', { 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/labelsToApply/);
    expect(admitted({ user: 'system:serviceaccount:calico-system:calico-kube-controllers', operation: 'CREATE', resource: 'profiles', object: profile('kns.team-a', { 'pcns.projectcalico.org/name': 'team-a' }) })).toBe('allowed');
  });

  it('keeps the policies of the allow-listed tiers for the Calico operator', () => {
    const allowAll = gnp('calico-system.allow-all', 'calico-system');
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'globalnetworkpolicies', object: allowAll })).toMatch(/allow-listed tiers/);
    expect(admitted({ user: 'admin', operation: 'DELETE', group: 'projectcalico.org', resource: 'networkpolicies', oldObject: gnp('x', undefined, { 'projectcalico.org/tier': 'allow-tigera' }) })).toMatch(/allow-listed tiers/);
    expect(admitted({ user: 'system:serviceaccount:tigera-operator:tigera-operator', operation: 'CREATE', resource: 'globalnetworkpolicies', object: allowAll })).toBe('allowed');
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'globalnetworkpolicies', object: gnp('default.allow-all', 'default') })).toBe('allowed');
    // A Kubernetes NetworkPolicy whose name merely looks like a tier's is not a Calico policy.
    expect(admitted({ user: 'admin', operation: 'CREATE', group: 'networking.k8s.io', resource: 'networkpolicies', object: gnp('calico-system.x') })).toBe('not-matched');
  });

  it('refuses Bindings that carry membership, and allow-list changes by anyone but its writers', () => {
    const binding = (metadata: Record<string, unknown>) => ({ metadata: { name: 'web', namespace: 'team-a', ...metadata }, target: { kind: 'Node', name: 'n1' } });
    const bind = (metadata: Record<string, unknown>) => ({ user: 'system:kube-scheduler', operation: 'CREATE' as const, group: '', resource: 'pods', subResource: 'binding', namespace: 'team-a', object: binding(metadata) });
    expect(admitted(bind({ annotations: { 'aws.tigera.io/security-groups': `["${POD_SG}"]` } }))).toMatch(/Binding/);
    expect(admitted(bind({ labels: { [`sg.aws.tigera.io/${POD_SG}`]: '' } }))).toMatch(/Binding/);
    expect(admitted(bind({}))).toBe('allowed');
    const ns = (annotations?: Record<string, string>) => ({ metadata: { name: 'team-a', ...(annotations ? { annotations } : {}) } });
    const key = 'aws.tigera.io/allowed-security-groups';
    const nsCall = (user: string, groups: string[], object: unknown, oldObject: unknown) => ({ user, groups, operation: (oldObject ? 'UPDATE' : 'CREATE') as 'UPDATE' | 'CREATE', group: '', resource: 'namespaces', object: object as Record<string, unknown>, oldObject: oldObject as Record<string, unknown> | null });
    expect(admitted(nsCall('dev', ['system:authenticated'], ns({ [key]: '["*"]' }), ns({ [key]: `["${POD_SG}"]` })))).toMatch(/allow-list writers/);
    expect(admitted(nsCall('dev', ['system:authenticated'], ns(), ns({ [key]: `["${POD_SG}"]` })))).toMatch(/allow-list writers/);
    expect(admitted(nsCall('dev', ['system:authenticated'], ns({ [key]: '["*"]' }), null))).toMatch(/allow-list writers/);
    expect(admitted(nsCall('dev', ['system:authenticated'], ns({ [key]: '["*"]', team: 'a' }), ns({ [key]: '["*"]' })))).toBe('allowed');
    expect(admitted(nsCall('root', ['system:masters', 'system:authenticated'], ns({ [key]: '["*"]' }), ns()))).toBe('allowed');
  });

  it('where config names the groups: forged pod membership labels and NetworkPolicies on internal groups', () => {
    const m = (g: string) => `sg.aws.tigera.io/${g}`;
    const pod = (labels: Record<string, string>, annotations?: Record<string, string>) => ({ metadata: { name: 'web', namespace: 'team-a', labels, ...(annotations ? { annotations } : {}) } });
    const annotated = { 'aws.tigera.io/security-groups': `["${POD_SG.toUpperCase()}"]` };
    const podCall = (operation: 'CREATE' | 'UPDATE', object: unknown, oldObject?: unknown, subResource?: string): Call => ({ user: 'dev', operation, group: '', resource: 'pods', namespace: 'team-a', object: object as Record<string, unknown>, oldObject: (oldObject ?? null) as Record<string, unknown> | null, ...(subResource ? { subResource } : {}) });
    for (const using of [groupsPolicy, groupsCodePolicy]) {
      expect(admit(podCall('CREATE', pod({ [m(NODE_GROUP)]: '', [m(POD_DEFAULT)]: '' })), using)).toBe('allowed');
      expect(admit(podCall('CREATE', pod({ [m(POD_SG)]: '', [m(POD_DEFAULT)]: '' }, annotated)), using)).toBe('allowed');
      expect(admit(podCall('CREATE', pod({ app: 'web' })), using)).toBe('allowed'); // sgbridge down: unlabelled, the syncer labels it
      expect(admit(podCall('CREATE', pod({ [m(POD_SG)]: '', [m(POD_DEFAULT)]: '' })), using)).toMatch(/set the annotation/);
      expect(admit(podCall('CREATE', pod({ [m('sg-9876543210987')]: '' }, annotated)), using)).toMatch(/set the annotation/); // a prefix of an annotated id
      const before = pod({ [m(NODE_GROUP)]: '', [m(POD_DEFAULT)]: '' });
      expect(admit(podCall('UPDATE', pod({ [m(NODE_GROUP)]: '', [m(POD_DEFAULT)]: '', [m(POD_SG)]: '' }), before, 'status'), using)).toMatch(/set the annotation/);
      expect(admit(podCall('UPDATE', pod({ [m(NODE_GROUP)]: '', [m(POD_DEFAULT)]: '' }, { 'aws.tigera.io/security-groups': '["sg-0aaaaaaaaaaaaaaa1"]' }), before, 'status'), using)).toMatch(/set the annotation/);
      expect(admit(podCall('UPDATE', { ...before, status: { phase: 'Running' } }, before, 'status'), using)).toBe('allowed');
      expect(admit({ ...podCall('CREATE', pod({ [m(POD_SG)]: '' })), namespace: 'kube-system' }, using)).toBe('allowed');
      const np = (spec: Record<string, unknown>): Call => ({ user: 'dev', operation: 'CREATE', group: 'networking.k8s.io', resource: 'networkpolicies', object: { metadata: { name: 'np' }, spec } });
      expect(admit(np({ podSelector: { matchLabels: { [m(TRUST)]: '' } } }), using)).toMatch(/internal security groups/);
      expect(admit(np({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: m(POD_DEFAULT), operator: 'Exists' }] } }] }] }), using)).toMatch(/internal security groups/);
      expect(admit(np({ podSelector: {}, egress: [{ to: [{ podSelector: { matchLabels: { [m(POD_SG)]: '' } } }] }] }), using)).toBe('allowed');
    }
    // Without the groups in config, pods and NetworkPolicies stay with the webhook.
    expect(admit(podCall('CREATE', pod({ [m(POD_SG)]: '' })))).toBe('not-matched');
  });

  it("names the same selected label keys as the translation's one list", () => {
    for (const using of [policy, codePolicy]) {
      const keys = using.variables.find((v) => v.name === 'selectedKeys')!;
      expect((evaluate(keys.expression, {}) as string[]).slice().sort()).toEqual([...SELECTED_LABEL_KEYS].sort());
    }
  });

  // Runs last: it replays every call the tests above made.
  it('refuses at least everything the backstop of src/core/registration/admission-policy.ts refuses (it adds SPEC rules 3 and 4)', () => {
    expect(calls.length).toBeGreaterThan(20);
    let refusedByCode = 0;
    for (const call of calls) {
      const code = admit(call, codePolicy);
      if (code === 'not-matched' || code === 'allowed') continue;
      refusedByCode++;
      expect(admit(call), JSON.stringify(call)).not.toMatch(/^(not-matched|allowed)$/);
    }
    expect(refusedByCode).toBeGreaterThan(5);
  });
});
