// The webhooks' handlers: for pods, core's membership decision, fed with what the adapter knows of
// the pod's namespace (looked up only for pods that name groups, or whose namespace holds
// SecurityGroupPolicies); for Calico objects, pods and SecurityGroupPolicies, core's protection
// rules (a policy's namespace allow-list is looked up for it).
import type { AdmissionRequest, Decision } from '../core/admission-types.js';
import { decideMutation, type MembershipPolicy, type NamespaceFacts } from '../core/membership/index.js';
import { classify } from '../core/protection/kinds.js';
import { decideValidation, isSecurityGroupPolicyRequest, NO_TIER_FACTS, type ProtectionContext, type TierFacts } from '../core/protection/index.js';
import { SG_ANNOTATION } from '../core/vocabulary.js';
import { PATHS } from '../core/webhooks.js';
import type { AdmissionHandler, HandlerContext } from './webhook.js';

export type NamespaceFactsLookup = (namespace: string, ctx: HandlerContext) => NamespaceFacts | Promise<NamespaceFacts>;

/** Without a cluster the namespace allow-list is off (SPEC §1.8 needs namespaces to read). */
export const NO_NAMESPACE_FACTS: NamespaceFactsLookup = () => ({ allowList: 'off' });

/** The cluster's tiers, for policies (SPEC §2 rule 3); without a cluster only tier names decide. */
export type TierFactsLookup = (ctx: HandlerContext) => TierFacts | Promise<TierFacts>;

function namesGroups(request: AdmissionRequest): boolean {
  const annotations = request.object?.metadata?.annotations;
  return typeof annotations === 'object' && annotations !== null && typeof annotations[SG_ANNOTATION] === 'string';
}

/** The pod's groups may come from the allow-listed sources: its annotation, or its namespace's SecurityGroupPolicies. */
function needsNamespace(request: AdmissionRequest, policy: MembershipPolicy, namespace: string): boolean {
  return namesGroups(request) || policy.securityGroupPolicies?.policies(namespace) !== undefined;
}

const OFF: NamespaceFacts = { allowList: 'off' };

/** `policy` is read on every request, so a refreshed inventory takes effect at once. */
export function mutateHandler(policy: () => MembershipPolicy, namespaceFacts: NamespaceFactsLookup = NO_NAMESPACE_FACTS): AdmissionHandler {
  return (request, ctx): Decision | Promise<Decision> => {
    const namespace = request.namespace ?? request.object?.metadata?.namespace ?? '';
    const current = policy();
    if (!namespace || !needsNamespace(request, current, namespace)) return decideMutation(request, current, OFF);
    const facts = namespaceFacts(namespace, ctx);
    return facts instanceof Promise ? facts.then((f) => decideMutation(request, current, f)) : decideMutation(request, current, facts);
  };
}

/**
 * Protection, fed with the pod's namespace (pods that name groups: rule 6 derives membership under
 * the allow-list, as the mutating webhook does) and the cluster's tiers (Calico policies: rule 3).
 */
export function validateHandler(protection: () => ProtectionContext, namespaceFacts: NamespaceFactsLookup = NO_NAMESPACE_FACTS, tierFacts?: TierFactsLookup): AdmissionHandler {
  return (request, ctx): Decision | Promise<Decision> => {
    const family = classify(request).family;
    const namespace = request.namespace ?? request.object?.metadata?.namespace ?? '';
    if ((family === 'pod' && namespace && needsNamespace(request, protection().membership, namespace)) || (isSecurityGroupPolicyRequest(request) && namespace)) {
      const facts = namespaceFacts(namespace, ctx);
      return facts instanceof Promise ? facts.then((f) => decideValidation(request, protection(), { namespace: f })) : decideValidation(request, protection(), { namespace: facts });
    }
    if (family === 'calico-policy' && tierFacts) {
      const facts = tierFacts(ctx);
      return facts instanceof Promise ? facts.then((f) => decideValidation(request, protection(), { tiers: f })) : decideValidation(request, protection(), { tiers: facts });
    }
    return decideValidation(request, protection(), { tiers: NO_TIER_FACTS });
  };
}

/** Webhook path → handler, as `serve` answers them. Both contexts are read on every request. */
export function webhookHandlers(
  policy: () => MembershipPolicy,
  protection: () => ProtectionContext,
  namespaceFacts: NamespaceFactsLookup = NO_NAMESPACE_FACTS,
  tierFacts?: TierFactsLookup,
): Record<string, AdmissionHandler> {
  return {
    [PATHS.mutate]: mutateHandler(policy, namespaceFacts),
    [PATHS.validate]: validateHandler(protection, namespaceFacts, tierFacts),
  };
}
