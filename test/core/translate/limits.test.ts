// Calico's limits (1,024 rules per policy, 256 nets per rule): split, never truncate. And the
// output is deterministic whatever order the inventory lists things in.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../../../src/core/calico.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { MAX_NETS_PER_RULE, MAX_RULES_PER_POLICY } from '../../../src/core/translate/splitting.js';
import { largeInventory } from '../../support/large-inventory.js';
import { A, B, eni, group, inventory, object, rules, run } from './helpers.js';

const cidrs = (n: number) => Array.from({ length: n }, (_, i) => ({ cidrIp: `10.${i >> 8}.${i & 255}.0/24` }));

describe('splitting', () => {
  it('a permission with 300 CIDRs becomes two rules of 256 and 44 nets, all kept', () => {
    const t = run(inventory([group(A, [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: cidrs(300) }])]));
    const ingress = rules(object(t, 'GlobalNetworkPolicy', `sg-local.${A}`), 'ingress');
    expect(ingress.map((r) => r.source?.nets?.length)).toEqual([256, 44]);
    expect(ingress.flatMap((r) => r.source!.nets!)).toEqual(cidrs(300).map((c) => c.cidrIp));
    for (const r of ingress) expect(r.destination).toEqual({ ports: [443] });
  });

  it('a group with 1,500 rules becomes sg-local.<id> and sg-local.<id>-2 with increasing order, all rules kept in order', () => {
    const inbound = Array.from({ length: 1000 }, (_, i) => ({ ipProtocol: 'tcp', fromPort: i + 1, toPort: i + 1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }));
    const outbound = Array.from({ length: 500 }, (_, i) => ({ ipProtocol: 'udp', fromPort: i + 1, toPort: i + 1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }));
    const t = run(inventory([group(A, inbound, outbound)]));
    const parts = t.objects.filter((o) => o.metadata.name.startsWith(`sg-local.${A}`));
    expect(parts.map((p) => [p.metadata.name, p.spec.order])).toEqual([
      [`sg-local.${A}`, 100],
      [`sg-local.${A}-2`, 101],
    ]);
    const count = (p: (typeof parts)[0]) => rules(p, 'ingress').length + rules(p, 'egress').length;
    expect(parts.map(count)).toEqual([MAX_RULES_PER_POLICY, 1500 - MAX_RULES_PER_POLICY]);
    for (const p of parts) {
      expect(p.spec.selector).toBe(`has(sg.aws.tigera.io/${A})`);
      expect(p.spec.types).toEqual(['Ingress', 'Egress']);
    }
    const ports = (dir: 'ingress' | 'egress') => parts.flatMap((p) => rules(p, dir)).map((r: Rule) => r.destination?.ports?.[0]);
    expect(ports('ingress')).toEqual(inbound.map((p) => p.fromPort));
    expect(ports('egress')).toEqual(outbound.map((p) => p.fromPort));
  });

  it('no policy and no rule in a large VPC exceeds the limits', () => {
    const inv = largeInventory({ groups: 200, enis: 1000, nodes: 5 });
    inv.securityGroups[0]!.outbound.push({ ipProtocol: '-1', ipRanges: cidrs(1000) });
    const t = run(inv);
    for (const o of t.objects.filter((x) => x.kind === 'GlobalNetworkPolicy')) {
      const all = [...rules(o, 'ingress'), ...rules(o, 'egress')];
      expect(all.length).toBeLessThanOrEqual(MAX_RULES_PER_POLICY);
      for (const r of all) for (const side of [r.source, r.destination]) expect(side?.nets?.length ?? 0).toBeLessThanOrEqual(MAX_NETS_PER_RULE);
    }
  });
});

describe('determinism', () => {
  it('the same inventory in another order renders the same objects', () => {
    const inv = largeInventory({ groups: 100, enis: 500, nodes: 5 });
    const shuffled = { ...inv, securityGroups: [...inv.securityGroups].reverse(), networkInterfaces: [...inv.networkInterfaces].reverse(), nodes: [...inv.nodes!].reverse() };
    expect(JSON.stringify(run(shuffled).objects)).toBe(JSON.stringify(run(inv).objects));
  });

  it('object names are unique', () => {
    const t = run(largeInventory({ groups: 100, enis: 500, nodes: 5 }));
    const keys = t.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('VPC members and nodes', () => {
  const node = { name: 'node-a', instanceId: 'i-0aaaaaaaaaaaaaaa1', addresses: ['10.0.0.10', '2600:1f18::10', 'not-an-ip'] };
  const inv = inventory(
    [group(A), group(B)],
    [
      eni('eni-0000000000000000a', [A], '10.0.0.10', { attachment: { instanceId: node.instanceId } }),
      eni('eni-0000000000000000b', [A], '10.0.0.11', { description: 'aws-K8S-i-0aaaaaaaaaaaaaaa1' }),
      eni('eni-0000000000000000c', [A], '10.0.0.12', { interfaceType: 'branch' }),
      eni('eni-0000000000000000d', [B], '10.0.0.13', { ipv6Addresses: ['2600:1f18::13'], attachment: { instanceId: 'i-0bbbbbbbbbbbbbbb1' } }),
      eni('eni-0000000000000000e', [], '10.0.0.14', { description: 'Interface for NAT Gateway nat-0123' }),
      eni('eni-0000000000000000f', [B], '10.0.0.15', { vpcId: 'vpc-0999999999999999' }),
    ],
  );

  it('only ENIs that are not a node, not the VPC CNI, in the VPC and with groups get host endpoints', () => {
    const t = run(inv, { nodes: [node] });
    expect(t.objects.filter((o) => o.kind === 'HostEndpoint').map((o) => o.metadata.name)).toEqual(['vpc.eni-0000000000000000d']);
    expect(object(t, 'HostEndpoint', 'vpc.eni-0000000000000000d').spec).toEqual({ node: 'aws-vpc-member', expectedIPs: ['10.0.0.13', '2600:1f18::13'] });
  });

  it('only groups with VPC members get an sg-remote policy; the non-member policy comes last', () => {
    const names = run(inv, { nodes: [node] }).objects.filter((o) => o.spec.tier === 'sg-remote').map((o) => [o.metadata.name, o.spec.order]);
    expect(names).toEqual([
      [`sg-remote.${B}`, 100],
      ['sg-remote.not-vpc-member', 1000],
    ]);
  });

  it("without cluster facts a node's ENI counts as a VPC member", () => {
    const t = run(inv, { nodes: [] });
    expect(t.objects.some((o) => o.metadata.name === 'vpc.eni-0000000000000000a')).toBe(true);
  });

  it('a node carrier holds its IPs as /32 and /128 and its ENI groups; the configured node groups stand in when it has no ENI', () => {
    const t = run(inv, { nodes: [node, { name: 'node-b', addresses: ['10.0.9.9'] }] }, { ...defaultSettings(), nodeGroups: [B] });
    expect(object(t, 'GlobalNetworkSet', 'node.node-a').spec).toEqual({ nets: ['10.0.0.10/32', '2600:1f18::10/128'] });
    expect(object(t, 'GlobalNetworkSet', 'node.node-a').metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'sgbridge', [`sg.aws.tigera.io/${A}`]: '' });
    expect(object(t, 'GlobalNetworkSet', 'node.node-b').metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'sgbridge', [`sg.aws.tigera.io/${B}`]: '' });
    expect(t.objects.some((o) => o.kind === 'HostEndpoint' && o.metadata.name.includes('node'))).toBe(false);
  });

  it('the host endpoint node name comes from the setting', () => {
    const t = run(inv, { nodes: [node] }, { ...defaultSettings(), hostEndpointNode: 'not-a-node' });
    expect(object(t, 'HostEndpoint', 'vpc.eni-0000000000000000d').spec.node).toBe('not-a-node');
  });
});

describe('object shapes', () => {
  it('labels are ordinary objects (deep-equal to literals, prototype included)', () => {
    const t = run(inventory([group(A)], [eni('eni-0000000000000000d', [A], '10.0.0.13')]));
    const hep = object(t, 'HostEndpoint', 'vpc.eni-0000000000000000d');
    expect(Object.getPrototypeOf(hep.metadata.labels)).toBe(Object.prototype);
    expect(isDeepStrictEqual(hep, JSON.parse(JSON.stringify(hep)))).toBe(true);
  });
});
