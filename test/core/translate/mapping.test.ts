// SPEC §3 rule mapping, one case per row of the table (and the edge cases around each row).
import { describe, expect, it } from 'vitest';
import { A, B, inboundRules, outboundRules } from './helpers.js';

const has = (id: string) => `has(sg.aws.tigera.io/${id})`;

describe('protocol and ports', () => {
  it.each([
    ['-1: no protocol, no ports', { ipProtocol: '-1', ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', source: { nets: ['10.0.0.0/8'] } }]],
    ['tcp single port', { ipProtocol: 'tcp', fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'TCP', source: { nets: ['10.0.0.0/8'] }, destination: { ports: [80] } }]],
    ['udp port range', { ipProtocol: 'udp', fromPort: 1000, toPort: 2000, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'UDP', source: { nets: ['10.0.0.0/8'] }, destination: { ports: ['1000:2000'] } }]],
    ['tcp 0-65535: no ports', { ipProtocol: 'tcp', fromPort: 0, toPort: 65535, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'TCP', source: { nets: ['10.0.0.0/8'] } }]],
    ['tcp given as 6', { ipProtocol: '6', fromPort: 443, toPort: 443, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'TCP', source: { nets: ['10.0.0.0/8'] }, destination: { ports: [443] } }]],
    ['icmp all types (-1)', { ipProtocol: 'icmp', fromPort: -1, toPort: -1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'ICMP', ipVersion: 4, source: { nets: ['10.0.0.0/8'] } }]],
    ['icmp type only', { ipProtocol: 'icmp', fromPort: 8, toPort: -1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'ICMP', ipVersion: 4, icmp: { type: 8 }, source: { nets: ['10.0.0.0/8'] } }]],
    ['icmp type and code', { ipProtocol: 'icmp', fromPort: 3, toPort: 4, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 'ICMP', ipVersion: 4, icmp: { type: 3, code: 4 }, source: { nets: ['10.0.0.0/8'] } }]],
    ['icmpv6 by name', { ipProtocol: 'icmpv6', fromPort: 128, toPort: -1, ipv6Ranges: [{ cidrIpv6: '::/0' }] }, [{ action: 'Pass', protocol: 'ICMPv6', ipVersion: 6, icmp: { type: 128 }, source: { nets: ['::/0'] } }]],
    ['icmpv6 given as 58, type and code', { ipProtocol: '58', fromPort: 1, toPort: 3, ipv6Ranges: [{ cidrIpv6: '2600::/16' }] }, [{ action: 'Pass', protocol: 'ICMPv6', ipVersion: 6, icmp: { type: 1, code: 3 }, source: { nets: ['2600::/16'] } }]],
    ['other protocol number (47, GRE)', { ipProtocol: '47', ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 47, source: { nets: ['10.0.0.0/8'] } }]],
    ['numeric protocol ports are ignored (132, SCTP)', { ipProtocol: '132', fromPort: 5, toPort: 9, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }, [{ action: 'Pass', protocol: 132, source: { nets: ['10.0.0.0/8'] } }]],
  ])('%s', (_name, perm, expected) => {
    expect(inboundRules(perm).rules).toEqual(expected);
  });
});

describe('peers', () => {
  it('IPv4 and IPv6 ranges in one permission give one rule per IP version', () => {
    const { rules } = inboundRules({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: [{ cidrIp: '10.0.0.0/8' }, { cidrIp: '192.168.0.0/16' }], ipv6Ranges: [{ cidrIpv6: '2600:1f18::/32' }] });
    expect(rules).toEqual([
      { action: 'Pass', protocol: 'TCP', source: { nets: ['10.0.0.0/8', '192.168.0.0/16'] }, destination: { ports: [22] } },
      { action: 'Pass', protocol: 'TCP', source: { nets: ['2600:1f18::/32'] }, destination: { ports: [22] } },
    ]);
  });

  it('a prefix list becomes its CIDRs as nets (split by IP version)', () => {
    const { rules } = inboundRules(
      { ipProtocol: 'tcp', fromPort: 443, toPort: 443, prefixListIds: [{ prefixListId: 'pl-0123456789abcdef0' }] },
      { prefixLists: [{ prefixListId: 'pl-0123456789abcdef0', cidrs: ['52.94.0.0/22', '2600:1f00::/24', '54.231.0.0/16'] }] },
    );
    expect(rules).toEqual([
      { action: 'Pass', protocol: 'TCP', source: { nets: ['52.94.0.0/22', '54.231.0.0/16'] }, destination: { ports: [443] } },
      { action: 'Pass', protocol: 'TCP', source: { nets: ['2600:1f00::/24'] }, destination: { ports: [443] } },
    ]);
  });

  it('a group reference becomes a membership selector; inbound peers go in source', () => {
    expect(inboundRules({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, userIdGroupPairs: [{ groupId: B }] }).rules).toEqual([
      { action: 'Pass', protocol: 'TCP', source: { selector: has(B) }, destination: { ports: [80] } },
    ]);
  });

  it('outbound peers go in destination, next to the ports', () => {
    expect(outboundRules({ ipProtocol: 'udp', fromPort: 53, toPort: 53, userIdGroupPairs: [{ groupId: B }], ipRanges: [{ cidrIp: '10.0.0.2/32' }] }).rules).toEqual([
      { action: 'Pass', protocol: 'UDP', destination: { nets: ['10.0.0.2/32'], ports: [53] } },
      { action: 'Pass', protocol: 'UDP', destination: { selector: has(B), ports: [53] } },
    ]);
  });

  it('a self-reference selects the group itself', () => {
    expect(inboundRules({ ipProtocol: '-1', userIdGroupPairs: [{ groupId: A }] }).rules).toEqual([{ action: 'Pass', source: { selector: has(A) } }]);
  });

  it('a group in another VPC gives no rule and is reported', () => {
    const { rules, t } = inboundRules({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, userIdGroupPairs: [{ groupId: 'sg-0ddddddddddddddd0', vpcId: 'vpc-0fffffffffffffff0', userId: '999988887777' }] });
    expect(rules).toEqual([]);
    expect(t.skipped).toEqual([expect.objectContaining({ groupId: A, direction: 'inbound', peer: 'sg-0ddddddddddddddd0', reason: 'other-vpc' })]);
  });

  it('a group of another account that the inventory does not hold gives no rule', () => {
    const { rules, t } = inboundRules({ ipProtocol: '-1', userIdGroupPairs: [{ groupId: 'sg-0ddddddddddddddd0', userId: '999988887777' }] });
    expect(rules).toEqual([]);
    expect(t.skipped.map((s) => s.reason)).toEqual(['other-account']);
  });

  it('an unknown group and a missing prefix list give no rule and are reported', () => {
    const { rules, t } = inboundRules({ ipProtocol: '-1', userIdGroupPairs: [{ groupId: 'sg-0eeeeeeeeeeeeeee0' }], prefixListIds: [{ prefixListId: 'pl-0aaaaaaaaaaaaaaa0' }] });
    expect(rules).toEqual([]);
    expect(t.skipped.map((s) => [s.peer, s.reason])).toEqual([
      ['pl-0aaaaaaaaaaaaaaa0', 'missing-prefix-list'],
      ['sg-0eeeeeeeeeeeeeee0', 'unknown-group'],
    ]);
    expect(t.summary.skippedByReason).toEqual({ 'missing-prefix-list': 1, 'unknown-group': 1 });
  });

  it('an unresolvable peer does not take the resolvable ones of the same permission with it', () => {
    const { rules } = inboundRules({ ipProtocol: '-1', userIdGroupPairs: [{ groupId: 'sg-0eeeeeeeeeeeeeee0' }, { groupId: B }] });
    expect(rules).toEqual([{ action: 'Pass', source: { selector: has(B) } }]);
  });

  it('ICMP cannot match IPv6 ranges (nor ICMPv6 IPv4 ones): those are reported, not mapped', () => {
    const { rules, t } = inboundRules({ ipProtocol: 'icmp', fromPort: 8, toPort: -1, ipRanges: [{ cidrIp: '10.0.0.0/8' }], ipv6Ranges: [{ cidrIpv6: '::/0' }] });
    expect(rules).toEqual([{ action: 'Pass', protocol: 'ICMP', ipVersion: 4, icmp: { type: 8 }, source: { nets: ['10.0.0.0/8'] } }]);
    expect(t.skipped.map((s) => s.reason)).toEqual(['ip-version-mismatch']);
  });

  it('a bad CIDR, an unknown protocol name and an out-of-range ICMP type are reported, never written', () => {
    expect(inboundRules({ ipProtocol: 'tcp', fromPort: 1, toPort: 1, ipRanges: [{ cidrIp: '10.0.0.0/33' }] }).t.skipped[0]?.reason).toBe('invalid-cidr');
    expect(inboundRules({ ipProtocol: 'bogus', ipRanges: [{ cidrIp: '10.0.0.0/8' }] }).t.skipped[0]?.reason).toBe('unsupported-protocol');
    expect(inboundRules({ ipProtocol: 'icmp', fromPort: 300, toPort: -1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] }).t.skipped[0]?.reason).toBe('invalid-icmp');
  });
});

describe('annotations', () => {
  it('each rule names the AWS permission it came from', () => {
    const t = inboundRules({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, userIdGroupPairs: [{ groupId: B, description: 'web' }] }).t;
    const policy = t.objects.find((o) => o.metadata.name === `sg-local.${A}`)!;
    expect((policy.spec.ingress as { metadata: unknown }[])[0]!.metadata).toEqual({ annotations: { 'sgbridge.io/aws-rule': `inbound tcp/80 from ${B} (web)` } });
  });
});
