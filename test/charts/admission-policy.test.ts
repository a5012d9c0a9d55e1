// The chart's ValidatingAdmissionPolicy backstop, evaluated with a CEL interpreter the way
// kube-apiserver does: matchConditions (all true → the policy applies), variables in order, then
// every validation must be true. The expressions are taken from the rendered chart.
import { evaluate } from '@marcbachmann/cel-js';
import { beforeAll, describe, expect, it } from 'vitest';
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
  object?: Record<string, unknown> | null;
  oldObject?: Record<string, unknown> | null;
}

let policy: Policy;

beforeAll(() => {
  const objs = renderChart({ release: 'edge', namespace: NAMESPACE, kubeVersion: '1.32.0', values: { config: { breakGlassUsers: ['alice'], breakGlassGroups: ['sre'] } } });
  const vap = objs.find((o: K8sObject) => o.kind === 'ValidatingAdmissionPolicy') as K8sObject & { spec: Policy };
  policy = vap.spec;
});

/** 'not-matched', 'allowed' or the denial message. */
function admit(call: Call): string {
  const group = call.group ?? 'crd.projectcalico.org';
  const matches = policy.matchConstraints.resourceRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(call.resource) && r.operations.includes(call.operation));
  if (!matches) return 'not-matched';
  const ctx: Record<string, unknown> = {
    request: { operation: call.operation, resource: { group, version: 'v1', resource: call.resource }, userInfo: { username: call.user, ...(call.groups ? { groups: call.groups } : {}) } },
    object: call.object ?? null,
    oldObject: call.oldObject ?? null,
  };
  for (const c of policy.matchConditions) if (evaluate(c.expression, ctx) !== true) return 'not-matched';
  const variables: Record<string, unknown> = {};
  ctx.variables = variables;
  for (const v of policy.variables) variables[v.name] = evaluate(v.expression, ctx);
  for (const v of policy.validations) {
    const ok = evaluate(v.expression, ctx);
    expect(typeof ok, v.expression).toBe('boolean');
    if (!ok) return v.messageExpression ? String(evaluate(v.messageExpression, ctx)) : v.message!;
  }
  return 'allowed';
}

const tier = (name: string, order?: number) => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name }, spec: { ...(order === undefined ? {} : { order }), defaultAction: 'Deny' } });
const gnp = (name: string, tierName?: string, labels?: Record<string, string>) => ({ metadata: { name, ...(labels ? { labels } : {}) }, spec: { ...(tierName ? { tier: tierName } : {}), selector: 'all()' } });
const hep = (labels?: Record<string, string>) => ({ metadata: { name: 'vpc.eni-0a1b2c3d4e5f60718', ...(labels ? { labels } : {}) }, spec: { node: 'aws-vpc-member', expectedIPs: ['10.0.1.23'] } });

describe('ValidatingAdmissionPolicy backstop', () => {
  it('keeps an admin away from the integration tiers in both API groups', () => {
    for (const group of ['crd.projectcalico.org', 'projectcalico.org']) {
      expect(admit({ user: 'admin', operation: 'CREATE', group, resource: 'tiers', object: tier('sg-local', 106) })).toMatch(/tier sg-local belongs to the AWS security-group integration/);
      expect(admit({ user: 'admin', operation: 'DELETE', group, resource: 'tiers', oldObject: tier('metadata', 107) })).toMatch(/tier metadata/);
    }
  });

  it('refuses tiers at or before order 107 unless allow-listed', () => {
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('early', 50) })).toMatch(/order 107/);
    expect(admit({ user: 'admin', operation: 'UPDATE', resource: 'tiers', object: tier('late', 107), oldObject: tier('late', 200) })).toMatch(/order 107/);
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('late', 108) })).toBe('allowed');
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('no-order') })).toBe('allowed');
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('calico-system', 100) })).toBe('allowed');
    expect(admit({ user: 'admin', operation: 'DELETE', resource: 'tiers', oldObject: tier('early', 50) })).toBe('allowed');
  });

  it('protects policies in the tiers by spec.tier, name prefix or tier label, before or after the change', () => {
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'globalnetworkpolicies', object: gnp('sg-local.sg-98765432109876', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'networkpolicies', object: gnp('sg-remote.x') })).toMatch(/policies in the tiers/);
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'stagedglobalnetworkpolicies', object: gnp('x', undefined, { 'projectcalico.org/tier': 'metadata' }) })).toMatch(/policies in the tiers/);
    expect(admit({ user: 'admin', operation: 'UPDATE', resource: 'globalnetworkpolicies', object: gnp('default.x', 'default'), oldObject: gnp('sg-local.x', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admit({ user: 'admin', operation: 'DELETE', resource: 'globalnetworkpolicies', oldObject: gnp('sg-local.x', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'networkpolicies', object: gnp('default.allow-from-instance-sg', 'default', { 'projectcalico.org/tier': 'default' }) })).toBe('allowed');
  });

  it('protects host endpoints and network sets that carry membership or managed-by labels', () => {
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep({ 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/members of security groups/);
    expect(admit({ user: 'admin', operation: 'DELETE', resource: 'globalnetworksets', oldObject: hep({ 'app.kubernetes.io/managed-by': 'sgbridge' }) })).toMatch(/members of security groups/);
    expect(admit({ user: 'admin', operation: 'UPDATE', resource: 'networksets', object: hep({ app: 'x' }), oldObject: hep({ 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/members of security groups/);
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep({ 'app.kubernetes.io/managed-by': 'someone-else' }) })).toBe('allowed');
    expect(admit({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep() })).toBe('allowed');
  });

  it('trusts sgbridge, the calico-apiserver relay on crd.projectcalico.org only, controllers deleting, and break-glass', () => {
    const create = { operation: 'CREATE' as const, resource: 'tiers', object: tier('sg-local', 106) };
    expect(admit({ ...create, user: SYNCER })).toBe('not-matched');
    expect(admit({ ...create, user: CALICO_APISERVER, group: 'crd.projectcalico.org' })).toBe('not-matched');
    expect(admit({ ...create, user: CALICO_APISERVER, group: 'projectcalico.org' })).toMatch(/tier sg-local/);
    expect(admit({ user: 'system:serviceaccount:kube-system:generic-garbage-collector', operation: 'DELETE', resource: 'networkpolicies', oldObject: gnp('sg-local.x', 'sg-local') })).toBe('not-matched');
    expect(admit({ user: 'system:serviceaccount:kube-system:generic-garbage-collector', operation: 'CREATE', resource: 'networkpolicies', object: gnp('sg-local.x', 'sg-local') })).toMatch(/policies in the tiers/);
    expect(admit({ ...create, user: 'alice' })).toBe('not-matched');
    expect(admit({ ...create, user: 'bob', groups: ['sre', 'system:authenticated'] })).toBe('not-matched');
    expect(admit({ ...create, user: 'bob', groups: ['system:authenticated'] })).toMatch(/tier sg-local/);
  });

  it('leaves other resources to the webhook', () => {
    expect(admit({ user: 'admin', operation: 'CREATE', group: 'networking.k8s.io', resource: 'networkpolicies', object: gnp('x') })).toBe('not-matched');
    expect(admit({ user: 'admin', operation: 'CREATE', group: '', resource: 'pods', object: {} })).toBe('not-matched');
  });
});
