// Does one compiled rule match a flow? Source and destination refer to the packet's source and
// destination in both directions, as in Calico. Selectors match a peer through every label
// carrier that holds its address (endpoints by IP, network sets by CIDR), like Felix's IP sets.
import { evaluate, type SelectorNode } from '../selector/index.js';
import { inAnyCidr } from '../ip.js';
import { isIcmp } from './protocol.js';
import type { CompiledRule, EntityMatch, Flow, Party, World } from './types.js';

export interface FlowContext {
  world: World;
  from: Party;
  to: Party;
  flow: Flow;
  ipVersion: 4 | 6;
}

/** Label sets a selector may see for this party. */
export function carriersOf(world: World, party: Party): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  if (party.endpoint) out.push(party.endpoint.labels);
  const ip = party.ip;
  if (ip) {
    for (const e of [...world.pods, ...world.hostEndpoints]) if (e !== party.endpoint && e.ips.includes(ip)) out.push(e.labels);
    for (const s of world.networkSets) if (inAnyCidr(ip, s.nets)) out.push(s.labels);
  }
  return out;
}

function selects(selector: SelectorNode, carriers: Record<string, string>[]): boolean {
  return carriers.some((labels) => evaluate(selector, labels));
}

function portIn(ports: readonly (number | string)[], ctx: FlowContext, local: Party): boolean {
  const port = ctx.flow.port;
  if (port === undefined) return false;
  return ports.some((p) => {
    if (typeof p === 'number') return p === port;
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) return port >= Number(range[1]) && port <= Number(range[2]);
    if (/^\d+$/.test(p)) return Number(p) === port;
    // A named port: the endpoint's container port of that name and protocol.
    return local.endpoint?.namedPorts.some((n) => n.name === p && n.protocol === ctx.flow.protocol && n.port === port) ?? false;
  });
}

/**
 * nets for a party whose address is unknown (a pod manifest without status): only a /0 of the
 * flow's IP version can be known to hold it; notNets are assumed not to (pods are never the
 * metadata service). explain notes when it had to assume.
 */
function netsMatch(nets: readonly string[], party: Party, ctx: FlowContext): boolean {
  if (party.ip) return inAnyCidr(party.ip, nets);
  return nets.some((n) => n === (ctx.ipVersion === 4 ? '0.0.0.0/0' : '::/0'));
}

function entityMatches(e: EntityMatch, party: Party, ctx: FlowContext, isDestination: boolean): boolean {
  if (e.unsupported) return false;
  if (e.nets && !netsMatch(e.nets, party, ctx)) return false;
  if (e.notNets && party.ip && inAnyCidr(party.ip, e.notNets)) return false;
  const carriers = e.selector || e.notSelector ? carriersOf(ctx.world, party) : [];
  if (e.selector && !selects(e.selector, carriers)) return false;
  if (e.notSelector && selects(e.notSelector, carriers)) return false;
  if (isDestination) {
    if (e.ports && !portIn(e.ports, ctx, party)) return false;
    if (e.notPorts && portIn(e.notPorts, ctx, party)) return false;
  } else if (e.ports) {
    // The source port of a new connection is an unknown ephemeral port: assume it is not listed.
    return false;
  }
  return true;
}

function icmpMatches(m: { type?: number; code?: number }, flow: Flow): boolean {
  if (!isIcmp(flow.protocol) || !flow.icmp) return false;
  if (m.type !== undefined && m.type !== flow.icmp.type) return false;
  if (m.code !== undefined && m.code !== flow.icmp.code) return false;
  return true;
}

export function ruleMatches(rule: CompiledRule, ctx: FlowContext): boolean {
  if (rule.unsupported) return false;
  if (rule.protocol !== undefined && rule.protocol !== ctx.flow.protocol) return false;
  if (rule.notProtocol !== undefined && rule.notProtocol === ctx.flow.protocol) return false;
  if (rule.ipVersion !== undefined && rule.ipVersion !== ctx.ipVersion) return false;
  if (rule.icmp && !icmpMatches(rule.icmp, ctx.flow)) return false;
  if (rule.notICMP && icmpMatches(rule.notICMP, ctx.flow)) return false;
  return entityMatches(rule.source, ctx.from, ctx, false) && entityMatches(rule.destination, ctx.to, ctx, true);
}
