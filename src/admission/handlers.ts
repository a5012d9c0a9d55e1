// The webhooks' handlers: for pods, core's membership decision, fed with what the adapter knows of
// the pod's namespace (looked up only for pods that name groups); for Calico objects and pods,
// core's protection rules.
import type { AdmissionRequest, Decision } from '../core/admission-types.js';
import { decideMutation, type MembershipPolicy, type NamespaceFacts } from '../core/membership/index.js';
import { decideValidation, type ProtectionContext } from '../core/protection/index.js';
import { SG_ANNOTATION } from '../core/vocabulary.js';
import { PATHS } from '../core/webhook-config.js';
import type { AdmissionHandler, HandlerContext } from './webhook.js';

export type NamespaceFactsLookup = (namespace: string, ctx: HandlerContext) => NamespaceFacts | Promise<NamespaceFacts>;

/** Without a cluster the namespace allow-list is off (SPEC §1.8 needs namespaces to read). */
export const NO_NAMESPACE_FACTS: NamespaceFactsLookup = () => ({ allowList: 'off' });

function namesGroups(request: AdmissionRequest): boolean {
  const annotations = request.object?.metadata?.annotations;
  return typeof annotations === 'object' && annotations !== null && typeof annotations[SG_ANNOTATION] === 'string';
}

const OFF: NamespaceFacts = { allowList: 'off' };

/** `policy` is read on every request, so a refreshed inventory takes effect at once. */
export function mutateHandler(policy: () => MembershipPolicy, namespaceFacts: NamespaceFactsLookup = NO_NAMESPACE_FACTS): AdmissionHandler {
  return (request, ctx): Decision | Promise<Decision> => {
    const namespace = request.namespace ?? request.object?.metadata?.namespace ?? '';
    if (!namesGroups(request) || !namespace) return decideMutation(request, policy(), OFF);
    const facts = namespaceFacts(namespace, ctx);
    return facts instanceof Promise ? facts.then((f) => decideMutation(request, policy(), f)) : decideMutation(request, policy(), facts);
  };
}

/** Webhook path → handler, as `serve` answers them. Both contexts are read on every request. */
export function webhookHandlers(policy: () => MembershipPolicy, protection: () => ProtectionContext, namespaceFacts: NamespaceFactsLookup = NO_NAMESPACE_FACTS): Record<string, AdmissionHandler> {
  return {
    [PATHS.mutate]: mutateHandler(policy, namespaceFacts),
    [PATHS.validate]: (request) => decideValidation(request, protection()),
  };
}
