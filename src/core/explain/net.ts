// Address and CIDR helpers (pure, on node:net's parsers).
import { BlockList, isIP } from 'node:net';

export function ipVersion(ip: string): 4 | 6 | undefined {
  const v = isIP(ip);
  return v === 4 || v === 6 ? v : undefined;
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
