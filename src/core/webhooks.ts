// The webhooks sgbridge serves, by the names the running server and its registrations share: the
// paths the apiserver calls, the webhooks' names, and the namespaces whose pods it leaves alone.
import type { Settings } from './settings.js';

export const PATHS = { mutate: '/mutate', validate: '/validate' } as const;

export const WEBHOOK_NAMES = {
  mutatePods: 'pods.mutate.sgbridge.io',
  validateCalico: 'calico.validate.sgbridge.io',
  validateNetworkPolicies: 'networkpolicies.validate.sgbridge.io',
  validatePods: 'pods.validate.sgbridge.io',
  validatePodStatus: 'podstatus.validate.sgbridge.io',
  validatePodBinding: 'podbinding.validate.sgbridge.io',
  validateNamespaces: 'namespaces.validate.sgbridge.io',
  validateSecurityGroupPolicies: 'securitygrouppolicies.validate.sgbridge.io',
} as const;

/** Registered only with the setting securityGroupPolicies. */
export const SECURITY_GROUP_POLICY_WEBHOOKS: readonly string[] = [WEBHOOK_NAMES.validateSecurityGroupPolicies];

/** Registered only where matchConditions exist (Kubernetes >= 1.28): without them they would see every write of a busy kind. */
export const MATCH_CONDITION_WEBHOOKS: readonly string[] = [WEBHOOK_NAMES.validatePodStatus, WEBHOOK_NAMES.validatePodBinding, WEBHOOK_NAMES.validateNamespaces];

/** Namespaces whose pods sgbridge leaves alone: the control plane's, its own and Calico's. */
export function excludedNamespaces(s: Pick<Settings, 'namespace' | 'calicoNamespaces'>): string[] {
  return [...new Set(['kube-system', s.namespace, ...s.calicoNamespaces])];
}
