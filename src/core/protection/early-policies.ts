// SPEC §2 rule 3, for policies: a policy in a tier ordered at or before 107 (sgbridge's own tiers
// aside, which rule 2 guards) decides before sg-remote, so only sgbridge, the Calico operator and
// break-glass may create, change or delete one. The allow-listed tiers count as early whatever
// their order. Where sgbridge cannot prove a tier the policy names runs after 107 it refuses (fail
// closed): a tier it has not seen, or tier facts the cluster could not give. A name's "<tier>."
// prefix counts when it is a tier sgbridge knows (default-tier names may hold dots too).
import { deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { LAST_PROTECTED_ORDER } from '../vocabulary.js';
import type { ProtectionContext } from './context.js';
import { isCalicoOperator } from './identity.js';
import { messages } from './messages.js';
import { tierClaimsOf } from './policies.js';
import { nameOf, type State } from './read.js';
import { DEFAULT_TIER, type TierFacts } from './tier-facts.js';

type Placement = { early: false } | { early: true; why: string } | { unknown: string };

function placementOf(tier: string, ctx: ProtectionContext, facts: TierFacts): Placement {
  if (ctx.tierAllowList.has(tier)) return { early: true, why: 'is allow-listed to run before sgbridge' };
  if (facts.tiers === 'unknown') return tier === DEFAULT_TIER ? { early: false } : { unknown: `cannot read the cluster's tiers (${facts.problem})` };
  if (facts.tiers === 'off') return { early: false };
  const order = facts.orderOf(tier);
  if (order === undefined) return tier === DEFAULT_TIER ? { early: false } : { unknown: 'sgbridge has not seen that tier' };
  if (order === null || order > LAST_PROTECTED_ORDER) return { early: false };
  if (!Number.isFinite(order)) return { early: true, why: 'has an order sgbridge cannot read, so may run before its tiers' };
  return { early: true, why: `runs at order ${order}, before sgbridge's tiers` };
}

function isKnownTier(tier: string, ctx: ProtectionContext, facts: TierFacts): boolean {
  return ctx.tierAllowList.has(tier) || (facts.tiers === 'on' && facts.orderOf(tier) !== undefined);
}

/** Checked after rule 2, so the tiers here are never sgbridge's own. */
export function earlyPolicyRule(request: AdmissionRequest, kind: string, states: State[], ctx: ProtectionContext, facts: TierFacts): Decision | undefined {
  if (isCalicoOperator(request, ctx)) return undefined;
  const claimed = new Set<string>();
  const prefixes = new Set<string>();
  for (const state of states) {
    const claims = tierClaimsOf(state);
    if (!claims.ok) return deny(messages.unreadable(kind, claims.problem), 400);
    for (const t of claims.explicit) claimed.add(t);
    if (claims.prefix) prefixes.add(claims.prefix);
  }
  for (const p of prefixes) if (isKnownTier(p, ctx, facts)) claimed.add(p);
  // A policy that names no tier is in Calico's default tier.
  if (claimed.size === 0) claimed.add(DEFAULT_TIER);
  const name = request.name ?? states.map((s) => nameOf(s.value)).find(Boolean) ?? '(unnamed)';
  for (const tier of claimed) {
    const placed = placementOf(tier, ctx, facts);
    if ('unknown' in placed) return deny(messages.unprovenTier(kind, name, tier, placed.unknown));
    if (placed.early) return deny(messages.earlyPolicy(kind, name, tier, placed.why));
  }
  return undefined;
}
