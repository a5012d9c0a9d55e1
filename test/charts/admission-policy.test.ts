// The chart's ValidatingAdmissionPolicy backstop, evaluated with a CEL interpreter the way
// kube-apiserver does: matchConditions (all true → the policy applies), variables in order, then
// every validation must be true. The expressions are taken from the rendered chart.
import { evaluate } from '@marcbachmann/cel-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { buildAdmissionPolicy } from '../../src/core/webhook-config.js';
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
/** The backstop `sgbridge webhook-config` prints (src/core/webhook-config.ts), for the same settings. */
let codePolicy: Policy;

beforeAll(() => {
  const objs = renderChart({ release: 'edge', namespace: NAMESPACE, kubeVersion: '1.32.0', values: { config: { breakGlassUsers: ['alice'], breakGlassGroups: ['sre'] } } });
  const vap = objs.find((o: K8sObject) => o.kind === 'ValidatingAdmissionPolicy') as K8sObject & { spec: Policy };
  policy = vap.spec;
  const deployment = objs.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  const env = Object.fromEntries(deployment.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
  const settings = resolveSettings({ env: { ...env, SGBRIDGE_AWS: 'false' } });
  codePolicy = (buildAdmissionPolicy({ settings })[0] as { spec: Policy }).spec;
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
  pods: 'Pod',
};

/** 'not-matched', 'allowed' or the denial message. */
function admit(call: Call, using: Policy = policy): string {
  const group = call.group ?? 'crd.projectcalico.org';
  const matches = using.matchConstraints.resourceRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(call.resource) && r.operations.includes(call.operation));
  if (!matches) return 'not-matched';
  const ctx: Record<string, unknown> = {
    request: {
      operation: call.operation,
      kind: { group, version: 'v1', kind: KINDS[call.resource] ?? '' },
      resource: { group, version: 'v1', resource: call.resource },
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
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'tiers', object: tier('calico-system', 100) })).toBe('allowed');
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
    expect(admitted({ user: 'admin', operation: 'CREATE', resource: 'hostendpoints', object: hep({ 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/members of security groups/);
    expect(admitted({ user: 'admin', operation: 'DELETE', resource: 'globalnetworksets', oldObject: hep({ 'app.kubernetes.io/managed-by': 'sgbridge' }) })).toMatch(/members of security groups/);
    expect(admitted({ user: 'admin', operation: 'UPDATE', resource: 'networksets', object: hep({ app: 'x' }), oldObject: hep({ 'sg.aws.tigera.io/sg-12345678901234': '' }) })).toMatch(/members of security groups/);
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

  // Runs last: it replays every call the tests above made.
  it('refuses at least everything the backstop of src/core/webhook-config.ts refuses (it adds SPEC rules 3 and 4)', () => {
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
