// The protocol half of the rule mapping (SPEC §3 table): protocol, ports, ICMP type and code.
import type { IpPermission } from '../inventory.js';

export interface Match {
  protocol?: string | number;
  /** Set for ICMP and ICMPv6: Calico needs the version for ICMP type matching. */
  ipVersion?: 4 | 6;
  icmp?: { type: number; code?: number };
  ports?: (number | string)[];
}

export type ProtocolMapping =
  | { ok: true; match: Match; /** nets of the other IP version can never match */ onlyVersion?: 4 | 6; text: string }
  | { ok: false; reason: 'unsupported-protocol' | 'invalid-icmp'; text: string };

const isAll = (n: number | undefined) => n === undefined || n === -1;

function portMatch(name: 'TCP' | 'UDP', perm: IpPermission): ProtocolMapping {
  const lower = name.toLowerCase();
  const { fromPort: from, toPort: to } = perm;
  if (isAll(from) || (from === 0 && (to === 65535 || isAll(to)))) return { ok: true, match: { protocol: name }, text: `${lower}/all` };
  const end = isAll(to) ? from! : to!;
  if (end < from!) return { ok: false, reason: 'unsupported-protocol', text: `${lower} ports ${from}-${to} (start after end)` };
  if (end === from) return { ok: true, match: { protocol: name, ports: [from!] }, text: `${lower}/${from}` };
  return { ok: true, match: { protocol: name, ports: [`${from}:${end}`] }, text: `${lower}/${from}-${end}` };
}

function icmpMatch(version: 4 | 6, perm: IpPermission): ProtocolMapping {
  const name = version === 4 ? 'ICMP' : 'ICMPv6';
  const lower = name.toLowerCase();
  const { fromPort: type, toPort: code } = perm;
  if (isAll(type)) return { ok: true, match: { protocol: name, ipVersion: version }, text: `${lower}/all`, onlyVersion: version };
  if (type! < 0 || type! > 254) return { ok: false, reason: 'invalid-icmp', text: `${lower} type ${type} (expected 0-254 or -1)` };
  if (isAll(code)) return { ok: true, match: { protocol: name, ipVersion: version, icmp: { type: type! } }, text: `${lower} type ${type}`, onlyVersion: version };
  if (code! < 0 || code! > 255) return { ok: false, reason: 'invalid-icmp', text: `${lower} code ${code} (expected 0-255 or -1)` };
  return { ok: true, match: { protocol: name, ipVersion: version, icmp: { type: type!, code: code! } }, text: `${lower} type ${type} code ${code}`, onlyVersion: version };
}

export function mapProtocol(perm: IpPermission): ProtocolMapping {
  const p = String(perm.ipProtocol).trim().toLowerCase();
  switch (p) {
    case '-1':
    case 'all':
      return { ok: true, match: {}, text: 'all traffic' };
    case 'tcp':
    case '6':
      return portMatch('TCP', perm);
    case 'udp':
    case '17':
      return portMatch('UDP', perm);
    case 'icmp':
    case '1':
      return icmpMatch(4, perm);
    case 'icmpv6':
    case '58':
      return icmpMatch(6, perm);
  }
  if (/^\d{1,3}$/.test(p) && Number(p) >= 1 && Number(p) <= 255) return { ok: true, match: { protocol: Number(p) }, text: `protocol ${p}` };
  return { ok: false, reason: 'unsupported-protocol', text: `protocol "${perm.ipProtocol}" (expected -1, tcp, udp, icmp, icmpv6 or a number 1-255)` };
}
