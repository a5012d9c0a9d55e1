// Rule 2 of SPEC §2: a Calico policy (or its Staged form) belongs to a protected tier when its
// spec.tier, its "<tier>." name prefix or its projectcalico.org/tier label says so, before or
// after the change. Checking all three in both objects catches moves in and out of a tier and
// renames that only change the prefix.
import { deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { CALICO_TIER_LABEL, PROTECTED_TIER_NAMES } from '../vocabulary.js';
import { messages } from './messages.js';
import { labelsOf, nameOf, specOf, type State } from './read.js';

type Claims = { ok: true; explicit: string[]; prefix: string | undefined } | { ok: false; problem: string };
type Tiers = { ok: true; tiers: string[] } | { ok: false; problem: string };

/** The core is also called without the codec's checks (tests, explain), so a non-string name is no prefix. */
function prefixTier(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

/** The tiers an object names outright (spec.tier, the tier label) and the one its name's prefix suggests. */
export function tierClaimsOf(state: State): Claims {
  const spec = specOf(state.value, state.where);
  if (!spec.ok) return { ok: false, problem: spec.problem };
  const labels = labelsOf(state.value, state.where);
  if (!labels.ok) return { ok: false, problem: labels.problem };
  const tier = spec.value.tier;
  if (tier !== undefined && tier !== null && typeof tier !== 'string') return { ok: false, problem: `${state.where}.spec.tier must be a string` };
  const explicit = [tier ?? undefined, labels.value[CALICO_TIER_LABEL]].filter((t): t is string => typeof t === 'string' && t !== '');
  return { ok: true, explicit, prefix: prefixTier(nameOf(state.value)) };
}

/** Every tier an object claims, by any of the three signs. */
export function tiersOf(state: State): Tiers {
  const claims = tierClaimsOf(state);
  if (!claims.ok) return claims;
  return { ok: true, tiers: claims.prefix ? [...claims.explicit, claims.prefix] : claims.explicit };
}

export function protectedPolicyRule(request: AdmissionRequest, kind: string, states: State[]): Decision | undefined {
  const fromRequest = prefixTier(request.name);
  const claimed = fromRequest ? [fromRequest] : [];
  for (const state of states) {
    const tiers = tiersOf(state);
    if (!tiers.ok) return deny(messages.unreadable(kind, tiers.problem), 400);
    claimed.push(...tiers.tiers);
  }
  const tier = claimed.find((t) => PROTECTED_TIER_NAMES.includes(t));
  if (!tier) return undefined;
  const name = request.name ?? states.map((s) => nameOf(s.value)).find(Boolean) ?? '(unnamed)';
  return deny(messages.protectedPolicy(kind, name, tier));
}
