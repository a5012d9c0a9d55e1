import { describe, expect, it } from 'vitest';
import { cidrVersion, hostNets, inAnyCidr, inCidr, ipVersion } from '../../src/core/ip.js';

describe('IP helpers', () => {
  it('ipVersion: 4, 6, or undefined for what is no address', () => {
    expect(ipVersion('10.0.0.1')).toBe(4);
    expect(ipVersion('fd00:ec2::254')).toBe(6);
    expect([ipVersion('10.0.0.1/32'), ipVersion(''), ipVersion('sg-1')]).toEqual([undefined, undefined, undefined]);
  });

  it('cidrVersion: bare addresses and CIDRs with a prefix length the version allows', () => {
    expect(['10.0.0.0/8', '10.0.0.1', '0.0.0.0/0', '::/0', '2001:db8::/128'].map(cidrVersion)).toEqual([4, 4, 4, 6, 6]);
    expect(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8a', '10.0.0.0/0008', 'nonsense/8'].map(cidrVersion)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('hostNets: each distinct address once, as /32 or /128, in order; the rest left out', () => {
    expect(hostNets(['10.0.0.2', 'node-a', '2001:db8::1', '10.0.0.2'])).toEqual(['10.0.0.2/32', '2001:db8::1/128']);
    expect(hostNets([])).toEqual([]);
  });

  it('inCidr: within the prefix, of the same version; bad input never matches', () => {
    expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(inCidr('10.1.2.3', '10.1.2.3')).toBe(true);
    expect(inCidr('2001:db8::5', '2001:db8::/32')).toBe(true);
    expect(inCidr('10.1.2.3', '::/0')).toBe(false);
    expect([inCidr('x', '10.0.0.0/8'), inCidr('10.1.2.3', '10.0.0.0/40'), inCidr('10.1.2.3', 'x/8')]).toEqual([false, false, false]);
    expect(inAnyCidr('192.168.1.1', ['10.0.0.0/8', '192.168.0.0/16'])).toBe(true);
    expect(inAnyCidr('192.168.1.1', [])).toBe(false);
  });
});
