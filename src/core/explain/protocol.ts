// Protocols as Calico names them, and the `--port N/PROTO` form of a flow.
import type { Flow } from './types.js';

const NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132, udplite: 136 };
const NAMES: Record<number, string> = { 6: 'TCP', 17: 'UDP', 1: 'ICMP', 58: 'ICMPv6', 132: 'SCTP', 136: 'UDPLite' };
const PORTED = new Set([6, 17, 132, 136]);

/** Calico protocol (name or number) → IP protocol number; undefined when unknown. */
export function protocolNumber(p: string | number): number | undefined {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 0 && p <= 255 ? p : undefined;
  const named = NUMBERS[p.toLowerCase()];
  if (named !== undefined) return named;
  return /^\d+$/.test(p) ? protocolNumber(Number(p)) : undefined;
}

export function protocolName(n: number): string {
  return NAMES[n] ?? String(n);
}

export function hasPorts(protocol: number): boolean {
  return PORTED.has(protocol);
}

export function isIcmp(protocol: number): boolean {
  return protocol === 1 || protocol === 58;
}

const PORT_SPEC_HELP = 'expected PORT/PROTOCOL such as 80/tcp or 53/udp, TYPE[:CODE]/icmp such as 8/icmp, or a protocol alone such as icmp or 47';

/** Parses `80/tcp`, `53/UDP`, `8/icmp`, `3:1/icmpv6`, `icmp`, `47`. */
export function parsePortSpec(spec: string): Flow {
  const text = spec.trim();
  const slash = text.lastIndexOf('/');
  const head = slash === -1 ? undefined : text.slice(0, slash);
  const protoText = slash === -1 ? text : text.slice(slash + 1);
  const protocol = protocolNumber(protoText);
  if (protocol === undefined) throw new Error(`--port ${JSON.stringify(spec)}: unknown protocol ${JSON.stringify(protoText)}; ${PORT_SPEC_HELP}`);
  const name = protocolName(protocol);
  if (hasPorts(protocol)) {
    if (head === undefined) throw new Error(`--port ${JSON.stringify(spec)}: ${name} needs a port; ${PORT_SPEC_HELP}`);
    const port = Number(head);
    if (!/^\d+$/.test(head) || port < 1 || port > 65535) throw new Error(`--port ${JSON.stringify(spec)}: port must be a number from 1 to 65535; ${PORT_SPEC_HELP}`);
    return { protocol, port, display: `${port}/${name}` };
  }
  if (isIcmp(protocol)) {
    if (head === undefined) return { protocol, icmp: { type: 8, code: 0 }, display: `8:0/${name}` };
    const m = /^(\d+)(?::(\d+))?$/.exec(head);
    const type = Number(m?.[1]);
    const code = Number(m?.[2] ?? 0);
    if (!m || type > 255 || code > 255) throw new Error(`--port ${JSON.stringify(spec)}: ICMP type and code must be numbers from 0 to 255; ${PORT_SPEC_HELP}`);
    return { protocol, icmp: { type, code }, display: `${type}:${code}/${name}` };
  }
  if (head !== undefined) throw new Error(`--port ${JSON.stringify(spec)}: protocol ${name} has no ports; ${PORT_SPEC_HELP}`);
  return { protocol, display: name };
}
