// What the adapter knows of the cluster's tiers, for SPEC §2 rule 3: a policy in a tier ordered at
// or before 107 decides before the integration, so the webhook must know the order of the tier a
// policy names. `off`: no cluster to read (names alone decide, see earlyPolicyRule); `on`: the
// adapter's view of every Tier; `unknown`: the cluster could not tell, and the rule fails closed.
export type TierFacts =
  | { tiers: 'off' }
  /** `orderOf` gives a tier's spec.order (not finite when unreadable), null for a tier without one (Calico runs it last), undefined for a tier it has not seen. */
  | { tiers: 'on'; orderOf: (tier: string) => number | null | undefined }
  | { tiers: 'unknown'; problem: string };

export const NO_TIER_FACTS: TierFacts = { tiers: 'off' };

/** Calico's own last tier: always there, and rule 3 keeps it from moving to 107 or before. */
export const DEFAULT_TIER = 'default';

/** The shape of a Tier the adapter's cache holds (either Calico API group). */
export interface TierObject {
  metadata?: { name?: unknown } | null;
  spec?: { order?: unknown } | null;
}

/**
 * Tier facts from the Tier objects an adapter's watch holds, or `unknown` (with why) while the watch
 * has not listed them or has failed. A tier whose order is not a number is placed at or before 107
 * (it cannot be proven later), a tier without an order runs last.
 */
export function tierFactsFrom(tiers: readonly TierObject[] | { problem: string }): TierFacts {
  if (!Array.isArray(tiers)) return { tiers: 'unknown', problem: (tiers as { problem: string }).problem };
  const orders = new Map<string, number | null>();
  for (const t of tiers as readonly TierObject[]) {
    const name = t.metadata?.name;
    if (typeof name !== 'string' || name === '') continue;
    const order = t.spec?.order;
    orders.set(name, order === undefined || order === null ? null : typeof order === 'number' && Number.isFinite(order) ? order : Number.NEGATIVE_INFINITY);
  }
  return { tiers: 'on', orderOf: (tier) => orders.get(tier) };
}
