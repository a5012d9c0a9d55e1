// What the adapter knows of the cluster's tiers, for SPEC §2 rule 3: a policy in a tier ordered at
// or before 107 decides before the integration, so the webhook must know the order of the tier a
// policy names. `off`: no cluster to read (names alone decide, see earlyPolicyRule); `on`: the
// adapter's view of every Tier; `unknown`: the cluster could not tell, and the rule fails closed.
export type TierFacts =
  | { tiers: 'off' }
  /** `orderOf` gives a tier's spec.order, null for a tier without one (Calico runs it last), undefined for a tier it has not seen. */
  | { tiers: 'on'; orderOf: (tier: string) => number | null | undefined }
  | { tiers: 'unknown'; problem: string };

export const NO_TIER_FACTS: TierFacts = { tiers: 'off' };

/** Calico's own last tier: always there, and rule 3 keeps it from moving to 107 or before. */
export const DEFAULT_TIER = 'default';
