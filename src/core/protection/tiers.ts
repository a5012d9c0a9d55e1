// Rules 1 and 3 of SPEC §2: the integration's tiers are sgbridge's alone, and no other tier may
// run at or before them unless allow-listed; the allow-listed tiers (which may run before them,
// and so decide first) are written by sgbridge, the Calico operator and break-glass only: the
// allow-list is by name, so anyone else could otherwise create `calico-system` at order 1.
import { deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { LAST_PROTECTED_ORDER, PROTECTED_TIER_NAMES } from '../vocabulary.js';
import type { ProtectionContext } from './context.js';
import { isCalicoOperator } from './identity.js';
import { messages } from './messages.js';
import { nameOf, specOf, type State } from './read.js';

/** Rule 1: any write to sg-remote, sg-local or metadata, named by the request or either object. */
export function protectedTierRule(request: AdmissionRequest, states: State[]): Decision | undefined {
  const names = [request.name, ...states.map((s) => nameOf(s.value))];
  const tier = names.find((n): n is string => typeof n === 'string' && PROTECTED_TIER_NAMES.includes(n));
  return tier ? deny(messages.protectedTier(tier)) : undefined;
}

type Order = { ok: true; order: number | undefined } | { ok: false; problem: string };

function orderOf(state: State): Order {
  const spec = specOf(state.value, state.where);
  if (!spec.ok) return { ok: false, problem: spec.problem };
  const order = spec.value.order;
  // Calico treats a tier without an order as the last one.
  if (order === undefined || order === null) return { ok: true, order: undefined };
  if (typeof order !== 'number' || Number.isNaN(order)) return { ok: false, problem: `${state.where}.spec.order must be a number` };
  return { ok: true, order };
}

/** Rule 3: any write to an allow-listed tier, named by the request or either object, by anyone but the operator. */
export function allowListedTierRule(request: AdmissionRequest, states: State[], ctx: ProtectionContext): Decision | undefined {
  if (isCalicoOperator(request, ctx)) return undefined;
  const names = [request.name, ...states.map((s) => nameOf(s.value))];
  const tier = names.find((n): n is string => typeof n === 'string' && ctx.tierAllowList.has(n));
  return tier ? deny(messages.allowListedTier(tier)) : undefined;
}

/** Rule 3: creating a tier at order ≤ 107, or moving one to such an order, outside the allow-list. */
export function earlyTierRule(request: AdmissionRequest, states: State[], ctx: ProtectionContext, next: State | undefined): Decision | undefined {
  if (!next) return undefined;
  const name = nameOf(next.value) ?? request.name ?? '';
  if (ctx.tierAllowList.has(name)) return undefined;
  const after = orderOf(next);
  if (!after.ok) return deny(messages.unreadable('Tier', after.problem), 400);
  if (after.order === undefined || after.order > LAST_PROTECTED_ORDER) return undefined;
  const old = states.find((s) => s.where === 'oldObject');
  if (old) {
    const before = orderOf(old);
    // An edit that leaves an existing early tier where it is does not move it.
    if (before.ok && before.order === after.order) return undefined;
  }
  return deny(messages.earlyTier(name || '(unnamed)', after.order));
}
