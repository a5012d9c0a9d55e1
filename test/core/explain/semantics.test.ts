// Calico's evaluation order and rule matching, on small hand-written worlds.
import { describe, expect, it } from 'vitest';
import { buildWorld, explain, k8sNetworkPolicyToCalico, parsePortSpec } from '../../../src/core/explain/index.js';

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
  status: { podIP: ip },
});
const tier = (name: string, order: number, defaultAction = 'Deny') => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name }, spec: { order, defaultAction } });
const gnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
const cnp = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const knp = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

const base = [ns('a', { team: 'blue' }), ns('b', { team: 'red' }), pod('a', 'client', '10.1.0.1', { app: 'client' }), pod('a', 'server', '10.1.0.2', { app: 'server' }), pod('b', 'other', '10.2.0.1', { app: 'client' })];
const run = (objects: unknown[], from: string, to: string, port = '8080/tcp') => explain(buildWorld([...base, ...objects]), { from, to, port });
const path = (e: ReturnType<typeof run>) => e.steps.map((s) => `${s.direction}:${s.tier ?? '-'}:${s.policy ?? '-'}:${s.rule ?? '-'}:${s.action}`);

describe('tiers, Pass, Log, default actions and profiles', () => {
  it('no policy at all: the namespace profile allows, both directions', () => {
    const e = run([], 'pod/a/client', 'pod/a/server');
    expect(e.verdict).toBe('allow');
    expect(path(e)).toEqual(['egress:-:kns.a:0:Allow', 'ingress:-:kns.a:0:Allow']);
  });

  it('tiers run by order, not by name; Pass moves to the next tier; first matching rule wins', () => {
    const objects = [
      tier('zz-first', 10),
      tier('aa-second', 20),
      gnp('zz-first.p', { tier: 'zz-first', selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Log' }, { action: 'Pass', protocol: 'TCP' }, { action: 'Deny' }] }),
      gnp('aa-second.p', { tier: 'aa-second', selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Deny', protocol: 'UDP' }, { action: 'Allow' }] }),
    ];
    const e = run(objects, 'pod/a/client', 'pod/a/server');
    expect(e.verdict).toBe('allow');
    expect(path(e)).toEqual(['egress:-:kns.a:0:Allow', 'ingress:zz-first:zz-first.p:0:Log', 'ingress:zz-first:zz-first.p:1:Pass', 'ingress:aa-second:aa-second.p:1:Allow']);
    expect(run(objects, 'pod/a/client', 'pod/a/server', '53/udp').verdict).toBe('deny'); // zz-first rule 2 Deny
  });

  it('policies in a tier run by order then name; a Pass skips the rest of the tier', () => {
    const objects = [
      tier('t', 10),
      gnp('t.b-deny', { tier: 't', order: 5, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Deny' }] }),
      gnp('t.a-pass', { tier: 't', order: 1, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Pass' }] }),
    ];
    expect(path(run(objects, 'pod/a/client', 'pod/a/server'))).toEqual(['egress:-:kns.a:0:Allow', 'ingress:t:t.a-pass:0:Pass', 'ingress:-:kns.a:0:Allow']);
    const swapped = [tier('t', 10), gnp('t.b-deny', { tier: 't', order: 1, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Deny' }] }), gnp('t.a-pass', { tier: 't', order: 5, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Pass' }] })];
    expect(run(swapped, 'pod/a/client', 'pod/a/server').verdict).toBe('deny');
  });

  it("a tier that applies but matches nothing takes its defaultAction: Deny, or Pass on to the next tier", () => {
    const deny = [tier('t', 10), gnp('t.p', { tier: 't', selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'UDP' }] })];
    expect(path(run(deny, 'pod/a/client', 'pod/a/server')).at(-1)).toBe('ingress:t:-:-:Deny');
    const pass = [tier('t', 10, 'Pass'), gnp('t.p', { tier: 't', selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'UDP' }] })];
    expect(path(run(pass, 'pod/a/client', 'pod/a/server')).slice(-2)).toEqual(['ingress:t:-:-:Pass', 'ingress:-:kns.a:0:Allow']);
  });

  it('tiers whose policies do not select the endpoint, or only for the other direction, are skipped', () => {
    const objects = [
      tier('t', 10),
      gnp('t.other', { tier: 't', selector: "app == 'nobody'", types: ['Ingress'], ingress: [] }),
      gnp('t.egress-only', { tier: 't', selector: "app == 'server'", types: ['Egress'], egress: [] }),
    ];
    expect(run(objects, 'pod/a/client', 'pod/a/server').verdict).toBe('allow');
    // …but the egress-only policy does apply when the server talks.
    expect(path(run(objects, 'pod/a/server', 'pod/a/client'))[0]).toBe('egress:t:-:-:Deny');
  });

  it('types default to Ingress, plus Egress when there are egress rules', () => {
    const objects = [tier('t', 10), gnp('t.p', { tier: 't', selector: "app == 'client'", egress: [{ action: 'Deny' }] })];
    expect(path(run(objects, 'pod/a/client', 'pod/a/server'))[0]).toBe('egress:t:t.p:0:Deny');
  });

  it('the tier comes from spec.tier, the tier label or the name prefix; the default tier has order 1000000', () => {
    const objects = [
      tier('late', 2_000_000),
      { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'late.deny' }, spec: { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Deny' }] } },
      gnp('allow-all', { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow' }] }),
    ];
    expect(path(run(objects, 'pod/a/client', 'pod/a/server')).at(-1)).toBe('ingress:default:allow-all:0:Allow');
  });
});

describe('namespaced policies and selectors', () => {
  it('a namespaced policy selects only its own namespace, and its rule selectors default to it', () => {
    const objects = [cnp('a', 'server-in', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "app == 'client'" } }] })];
    expect(run(objects, 'pod/a/client', 'pod/a/server').verdict).toBe('allow');
    // pod b/other also has app=client, but lives in namespace b.
    expect(run(objects, 'pod/b/other', 'pod/a/server').verdict).toBe('deny');
  });

  it('namespaceSelector matches namespace labels; all() means every namespace', () => {
    const red = [cnp('a', 'p', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { namespaceSelector: "team == 'red'" } }] })];
    expect(run(red, 'pod/b/other', 'pod/a/server').verdict).toBe('allow');
    expect(run(red, 'pod/a/client', 'pod/a/server').verdict).toBe('deny');
    const any = [cnp('a', 'p', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "app == 'client'", namespaceSelector: 'all()' } }] })];
    expect(run(any, 'pod/b/other', 'pod/a/server').verdict).toBe('allow');
  });

  it('global() matches non-namespaced carriers only (host endpoints, global network sets)', () => {
    const hep = { apiVersion: 'crd.projectcalico.org/v1', kind: 'HostEndpoint', metadata: { name: 'vm', labels: { role: 'vm' } }, spec: { node: 'x', expectedIPs: ['10.9.0.1'] } };
    const gns = { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkSet', metadata: { name: 'office', labels: { role: 'vm' } }, spec: { nets: ['192.168.0.0/16'] } };
    const policy = cnp('a', 'p', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "role == 'vm'", namespaceSelector: 'global()' } }] });
    expect(run([hep, gns, policy], '10.9.0.1', 'pod/a/server').verdict).toBe('allow');
    expect(run([hep, gns, policy], '192.168.3.4', 'pod/a/server').verdict).toBe('allow');
    expect(run([hep, gns, policy], '172.16.0.1', 'pod/a/server').verdict).toBe('deny');
    // Without namespaceSelector the same rule selector is confined to namespace a.
    const confined = cnp('a', 'p', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "role == 'vm'" } }] });
    expect(run([hep, gns, confined], '10.9.0.1', 'pod/a/server').verdict).toBe('deny');
  });

  it('serviceAccounts in a rule match the pod service account', () => {
    const withSa = pod('a', 'robot', '10.1.0.9', {}, { serviceAccountName: 'robot' });
    const policy = cnp('a', 'p', { selector: "app == 'server'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['robot'] } } }] });
    expect(run([withSa, policy], 'pod/a/robot', 'pod/a/server').verdict).toBe('allow');
    expect(run([withSa, policy], 'pod/a/client', 'pod/a/server').verdict).toBe('deny');
  });
});

describe('rule matches', () => {
  const only = (rule: Record<string, unknown>) => [tier('t', 10), gnp('t.p', { tier: 't', selector: "app == 'server'", types: ['Ingress'], ingress: [rule] })];
  const verdict = (rule: Record<string, unknown>, from = 'pod/a/client', port = '8080/tcp') => run(only(rule), from, 'pod/a/server', port).verdict;

  it('protocol by name or number; notProtocol', () => {
    expect(verdict({ action: 'Allow', protocol: 'TCP' })).toBe('allow');
    expect(verdict({ action: 'Allow', protocol: 6 })).toBe('allow');
    expect(verdict({ action: 'Allow', protocol: 'UDP' })).toBe('deny');
    expect(verdict({ action: 'Allow', notProtocol: 'TCP' })).toBe('deny');
    expect(verdict({ action: 'Allow', protocol: 47 }, 'pod/a/client', '47')).toBe('allow');
  });

  it('ports, port ranges "a:b", named ports, notPorts', () => {
    expect(verdict({ action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } })).toBe('allow');
    expect(verdict({ action: 'Allow', protocol: 'TCP', destination: { ports: ['8000:8100'] } })).toBe('allow');
    expect(verdict({ action: 'Allow', protocol: 'TCP', destination: { ports: ['8000:8079'] } })).toBe('deny');
    expect(verdict({ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } })).toBe('allow');
    expect(verdict({ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }, 'pod/a/client', '80/tcp')).toBe('deny');
    expect(verdict({ action: 'Allow', protocol: 'TCP', destination: { notPorts: [8080] } })).toBe('deny');
    expect(verdict({ action: 'Allow', protocol: 'TCP', source: { ports: [8080] } })).toBe('deny'); // source port is ephemeral
  });

  it('nets and notNets, IPv4 and ipVersion', () => {
    expect(verdict({ action: 'Allow', source: { nets: ['10.1.0.0/24'] } })).toBe('allow');
    expect(verdict({ action: 'Allow', source: { nets: ['10.1.0.0/24'], notNets: ['10.1.0.1/32'] } })).toBe('deny');
    expect(verdict({ action: 'Allow', source: { nets: ['fd00::/8'] } })).toBe('deny');
    expect(verdict({ action: 'Allow', ipVersion: 6 })).toBe('deny');
    expect(verdict({ action: 'Allow', ipVersion: 4 })).toBe('allow');
  });

  it('selector and notSelector see the peer by its labels', () => {
    expect(verdict({ action: 'Allow', source: { selector: "app == 'client'" } })).toBe('allow');
    expect(verdict({ action: 'Allow', source: { notSelector: "app == 'client'" } })).toBe('deny');
    expect(verdict({ action: 'Allow', source: { selector: "app == 'client'" } }, '10.200.0.1')).toBe('deny');
  });

  it('ICMP type and code', () => {
    expect(verdict({ action: 'Allow', protocol: 'ICMP', icmp: { type: 8 } }, 'pod/a/client', '8/icmp')).toBe('allow');
    expect(verdict({ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 1 } }, 'pod/a/client', '8/icmp')).toBe('deny');
    expect(verdict({ action: 'Allow', protocol: 'ICMP', icmp: { type: 0 } }, 'pod/a/client', '8/icmp')).toBe('deny');
  });

  it('--port forms', () => {
    expect(parsePortSpec('443/TCP')).toMatchObject({ protocol: 6, port: 443, display: '443/TCP' });
    expect(parsePortSpec('3:1/icmpv6')).toMatchObject({ protocol: 58, icmp: { type: 3, code: 1 } });
    expect(() => parsePortSpec('70000/tcp')).toThrow(/1 to 65535/);
    expect(() => parsePortSpec('80/gre')).toThrow(/unknown protocol/);
  });
});

describe('Kubernetes NetworkPolicies as Calico converts them', () => {
  it('name, tier, order, orchestrator-scoped selector, types', () => {
    const c = k8sNetworkPolicyToCalico({ metadata: { name: 'np', namespace: 'a' }, spec: { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Egress'] } });
    expect(c.metadata).toEqual({ name: 'knp.default.np', namespace: 'a' });
    expect(c.spec).toMatchObject({ tier: 'default', order: 1000, selector: "projectcalico.org/orchestrator == 'k8s' && app == 'server'", types: ['Egress'] });
  });

  it('ipBlock with except, ports with endPort, default protocol TCP', () => {
    const objects = [
      knp('a', 'in', {
        podSelector: { matchLabels: { app: 'server' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.0/16'] } }], ports: [{ port: 8000, endPort: 8100 }] }],
      }),
    ];
    expect(run(objects, 'pod/a/client', 'pod/a/server').verdict).toBe('allow');
    expect(run(objects, 'pod/b/other', 'pod/a/server').verdict).toBe('deny');
    expect(run(objects, 'pod/a/client', 'pod/a/server', '8080/udp').verdict).toBe('deny');
    expect(path(run(objects, 'pod/a/client', 'pod/a/server')).at(-1)).toBe('ingress:default:knp.default.in:0:Allow');
  });

  it('podSelector peers stay in the namespace; namespaceSelector {} opens all namespaces; egress policies', () => {
    const same = [knp('a', 'in', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] })];
    expect(run(same, 'pod/a/client', 'pod/a/server').verdict).toBe('allow');
    expect(run(same, 'pod/b/other', 'pod/a/server').verdict).toBe('deny');
    const anyNs = [knp('a', 'in', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'client' } } }] }] })];
    expect(run(anyNs, 'pod/b/other', 'pod/a/server').verdict).toBe('allow');
    const egress = [knp('a', 'out', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'red' } } }] }] })];
    expect(run(egress, 'pod/a/client', 'pod/b/other').verdict).toBe('allow');
    expect(run(egress, 'pod/a/client', 'pod/a/server').verdict).toBe('deny');
  });
});

describe('endpoints', () => {
  it('a host endpoint with an interface is under policy and denies by default without a profile', () => {
    const hep = { apiVersion: 'crd.projectcalico.org/v1', kind: 'HostEndpoint', metadata: { name: 'eth0', labels: { host: 'h' } }, spec: { node: 'n', interfaceName: 'eth0', expectedIPs: ['10.5.0.1'] } };
    const e = explain(buildWorld([...base, hep, tier('t', 10), gnp('t.p', { tier: 't', selector: 'has(host)', types: ['Ingress'], ingress: [{ action: 'Pass' }] })]), { from: 'pod/a/client', to: '10.5.0.1', port: '22/tcp' });
    expect(e.verdict).toBe('deny');
    expect(e.steps.at(-1)).toMatchObject({ direction: 'ingress', tier: null, policy: null, action: 'Deny' });
  });

  it('reports unusable inputs instead of failing', () => {
    const world = buildWorld([...base, gnp('bad', { selector: "app = 'x'", types: ['Ingress'] })]);
    expect(world.problems.join('\n')).toMatch(/GlobalNetworkPolicy bad: spec.selector: invalid selector .* column 5/);
  });
});
