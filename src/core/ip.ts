// Addresses and CIDRs, for the translation (which nets a rule or a node network set names) and for
// explain (whether an address lies in them). Pure, on node:net's parsers; bad input never throws.
import { BlockList, isIP } from 'node:net';

/** 4 or 6 for an IPv4 or IPv6 address, undefined for anything else. */
export function ipVersion(ip: string): 4 | 6 | undefined {
  const v = isIP(ip);
  return v === 4 || v === 6 ? v : undefined;
}

/** The IP version of a CIDR (a bare address counts as one), or undefined when it is none. */
export function cidrVersion(cidr: string): 4 | 6 | undefined {
  const slash = cidr.indexOf('/');
  const version = ipVersion(slash < 0 ? cidr : cidr.slice(0, slash));
  if (version === undefined || slash < 0) return version;
  const bits = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (version === 4 ? 32 : 128)) return undefined;
  return version;
}

/** Each distinct address as its host CIDR (/32 or /128), in order; what is no address is left out. */
export function hostNets(addresses: readonly string[]): string[] {
  const nets: string[] = [];
  for (const a of new Set(addresses)) {
    const v = ipVersion(a);
    if (v === 4) nets.push(`${a}/32`);
    else if (v === 6) nets.push(`${a}/128`);
  }
  return nets;
}

/** Whether ip lies in cidr (a bare address counts as /32 or /128). Bad input never matches. */
export function inCidr(ip: string, cidr: string): boolean {
  const v = ipVersion(ip);
  const [addr, bitsText] = cidr.split('/');
  if (!v || !addr || ipVersion(addr) !== v) return false;
  const max = v === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return false;
  const list = new BlockList();
  list.addSubnet(addr, bits, v === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, v === 4 ? 'ipv4' : 'ipv6');
}

export function inAnyCidr(ip: string, cidrs: readonly string[]): boolean {
  return cidrs.some((c) => inCidr(ip, c));
}
