// Calico's order of evaluation for one endpoint and direction: tiers by order (then name), only
// tiers with a policy that selects the endpoint for that direction; within a tier, policies by
// order (then name) and the first matching rule decides (Log continues, Pass leaves the tier);
// no match in a tier that applies → the tier's defaultAction; past the last tier → profiles.
import { evaluate as evalSelector, printSelector } from '../selector/index.js';
import { protocolName } from './protocol.js';
import { ruleMatches, type FlowContext } from './rules.js';
import type { CompiledRule, Direction, Endpoint, Policy, Step, Tier } from './types.js';

const byOrderThenName = <T extends { order?: number; name: string }>(a: T, b: T) =>
  (a.order ?? Infinity) - (b.order ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function describeRule(rule: CompiledRule): string {
  const parts: string[] = [rule.action];
  if (rule.protocol !== undefined) parts.push(protocolName(rule.protocol));
  if (rule.ipVersion) parts.push(`ipv${rule.ipVersion}`);
  const side = (name: string, e: CompiledRule['source']) => {
    const bits: string[] = [];
    if (e.selector) bits.push(`selector ${printSelector(e.selector)}`);
    if (e.notSelector) bits.push(`notSelector ${printSelector(e.notSelector)}`);
    if (e.nets) bits.push(`nets ${e.nets.join(',')}`);
    if (e.notNets) bits.push(`notNets ${e.notNets.join(',')}`);
    if (e.ports) bits.push(`ports ${e.ports.join(',')}`);
    if (e.notPorts) bits.push(`notPorts ${e.notPorts.join(',')}`);
    if (bits.length) parts.push(`${name} {${bits.join('; ')}}`);
  };
  side('from', rule.source);
  side('to', rule.destination);
  if (rule.icmp) parts.push(`icmp ${JSON.stringify(rule.icmp)}`);
  return parts.join(' ');
}

export interface DirectionResult {
  allowed: boolean;
  steps: Step[];
}

export function policiesSelecting(policies: readonly Policy[], endpoint: Endpoint, direction: Direction): Policy[] {
  return policies.filter((p) => p.types[direction] && evalSelector(p.selector, endpoint.labels));
}

export function evaluateDirection(ctx: FlowContext, endpoint: Endpoint, direction: Direction): DirectionResult {
  const steps: Step[] = [];
  const applicable = policiesSelecting(ctx.world.policies, endpoint, direction);
  const tierNames = [...new Set(applicable.map((p) => p.tier))];
  const tiers = tierNames.map((n) => ctx.world.tiers.get(n) ?? ({ name: n, defaultAction: 'Deny' } as Tier)).sort(byOrderThenName);

  for (const tier of tiers) {
    const policies = applicable.filter((p) => p.tier === tier.name).sort(byOrderThenName);
    let decided: Step | undefined;
    for (const policy of policies) {
      const rules = policy[direction];
      for (let i = 0; i < rules.length && !decided; i++) {
        const rule = rules[i]!;
        if (!ruleMatches(rule, ctx)) continue;
        const step: Step = { direction, tier: tier.name, policy: policy.name, rule: i, action: rule.action, reason: `${direction} rule ${i}: ${describeRule(rule)}` };
        steps.push(step);
        if (rule.action !== 'Log') decided = step;
      }
      if (decided) break;
    }
    if (decided?.action === 'Allow') return { allowed: true, steps };
    if (decided?.action === 'Deny') return { allowed: false, steps };
    if (decided?.action === 'Pass') continue;
    const names = policies.map((p) => p.name).join(', ');
    steps.push({
      direction,
      tier: tier.name,
      policy: null,
      rule: null,
      action: tier.defaultAction,
      reason: `no rule of ${names} matched: end of tier ${tier.name}, defaultAction ${tier.defaultAction}`,
    });
    if (tier.defaultAction === 'Deny') return { allowed: false, steps };
  }

  const why = applicable.length === 0 ? 'no policy selects this endpoint in any tier' : 'every tier passed the traffic on';
  if (endpoint.kind === 'pod') {
    const profile = endpoint.profiles[0]!;
    steps.push({ direction, tier: null, policy: profile, rule: 0, action: 'Allow', reason: `${why}; the namespace profile ${profile} allows all` });
    return { allowed: true, steps };
  }
  if (endpoint.profiles.includes('projectcalico-default-allow')) {
    steps.push({ direction, tier: null, policy: 'projectcalico-default-allow', rule: 0, action: 'Allow', reason: `${why}; profile projectcalico-default-allow allows all` });
    return { allowed: true, steps };
  }
  steps.push({ direction, tier: null, policy: null, rule: null, action: 'Deny', reason: `${why}; no profile allows it (host endpoints deny by default)` });
  return { allowed: false, steps };
}
