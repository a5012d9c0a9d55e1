// The validating webhook's decision (SPEC §2): a pure function of the request and a context
// built from settings and the inventory. It never throws: malformed input is denied for the
// kinds it guards (HTTP 400) and allowed for anything else.
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import type { NamespaceFacts } from '../membership/index.js';
import type { ProtectionContext } from './context.js';
import { earlyPolicyRule } from './early-policies.js';
import { endpointRule, profileRule } from './endpoints.js';
import { trustOf } from './identity.js';
import { classify } from './kinds.js';
import { messages } from './messages.js';
import { namespaceRule } from './namespaces.js';
import { podRule } from './pods.js';
import { protectedPolicyRule } from './policies.js';
import { statesOf } from './read.js';
import { isSecurityGroupPolicyRequest, securityGroupPolicyRule } from './security-group-policies.js';
import { internalSelectorRule } from './selectors.js';
import { NO_TIER_FACTS, type TierFacts } from './tier-facts.js';
import { allowListedTierRule, earlyTierRule, protectedTierRule } from './tiers.js';

export { protectionContextFrom, type ProtectionContext, type ProtectionOptions, type InternalGroup } from './context.js';
export { GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER } from './identity.js';
export { isSecurityGroupPolicyRequest, securityGroupPolicyRule } from './security-group-policies.js';
export { NO_TIER_FACTS, tierFactsFrom, type TierFacts, type TierObject } from './tier-facts.js';

/** What the adapter knows of the cluster for this request; each part defaults to "no cluster". */
export interface ValidationFacts {
  /**
   * The request namespace's allow-list, for pods that name groups (SPEC §1.8) and for
   * SecurityGroupPolicies; for the latter an unknown namespace fails closed.
   */
  namespace?: NamespaceFacts;
  /** The cluster's tiers, for Calico policies (SPEC §2 rule 3). */
  tiers?: TierFacts;
}

const NO_NAMESPACE: NamespaceFacts = { allowList: 'off' };
const NOT_LOOKED_UP: NamespaceFacts = { allowList: 'unknown', problem: 'the validating webhook was not given the namespace' };

export function decideValidation(request: AdmissionRequest, ctx: ProtectionContext, facts: ValidationFacts = {}): Decision {
  try {
    return decide(request, ctx, facts);
  } catch (err) {
    // Unreachable by design; a guard so that a bug can never turn into an allowed write.
    return deny(messages.unreadable('object', `internal error (${err instanceof Error ? err.message : String(err)})`), 500);
  }
}

function decide(request: AdmissionRequest, ctx: ProtectionContext, facts: ValidationFacts): Decision {
  if (request.operation === 'CONNECT') return allow();
  if (isSecurityGroupPolicyRequest(request)) return securityGroupPolicyRule(request, ctx, facts.namespace ?? NOT_LOOKED_UP);
  const guarded = classify(request);
  if (guarded.family === 'other') return allow();
  if (guarded.family === 'pod' && request.operation === 'DELETE') return allow();
  if (trustOf(request, ctx).trusted) return allow();
  if (guarded.family === 'pod') return podRule(request, ctx, facts.namespace ?? NO_NAMESPACE);
  if (guarded.family === 'namespace') return namespaceRule(request, ctx);

  const read = statesOf(request);
  if (!read.ok) {
    // A tier is identified by its name alone; deleting an unprotected one needs no object.
    if (guarded.family === 'tier' && request.operation === 'DELETE') return protectedTierRule(request, []) ?? allowListedTierRule(request, [], ctx) ?? allow();
    // Say "protected" rather than "unreadable" when the name alone shows it.
    const byName = guarded.family === 'tier' ? (protectedTierRule(request, []) ?? allowListedTierRule(request, [], ctx)) : guarded.family === 'calico-policy' ? protectedPolicyRule(request, guarded.kind, []) : undefined;
    return byName ?? deny(messages.unreadable(guarded.kind, read.problem), 400);
  }
  const { states } = read.value;
  const nextState = states.find((s) => s.where === 'object');

  switch (guarded.family) {
    case 'tier':
      return protectedTierRule(request, states) ?? allowListedTierRule(request, states, ctx) ?? earlyTierRule(request, states, ctx, nextState) ?? allow();
    case 'calico-policy':
      return (
        protectedPolicyRule(request, guarded.kind, states) ??
        earlyPolicyRule(request, guarded.kind, states, ctx, facts.tiers ?? NO_TIER_FACTS) ??
        internalSelectorRule(guarded.kind, nextState, request.name, ctx.internalGroups) ??
        allow()
      );
    case 'staged-k8s-policy':
    case 'k8s-policy':
      return internalSelectorRule(guarded.kind, nextState, request.name, ctx.internalGroups) ?? allow();
    case 'endpoint':
      return endpointRule(request, guarded.kind, states) ?? allow();
    case 'profile':
      return profileRule(request, states) ?? allow();
  }
}
