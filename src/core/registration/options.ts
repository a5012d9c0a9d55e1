// What the registration printers are given: the settings they read, where the apiserver reaches
// sgbridge, and how the webhooks fail.
import type { Settings } from '../settings.js';

export type FailurePolicy = 'Ignore' | 'Fail';

/** How the apiserver reaches sgbridge: a URL (running outside the cluster) or the Service. */
export type WebhookTarget = { url: string } | { service: { namespace: string; name: string; port: number } };

export type WebhookSettings = Pick<
  Settings,
  | 'namespace'
  | 'serviceName'
  | 'calicoNamespaces'
  | 'syncerIdentity'
  | 'calicoApiserverIdentity'
  | 'calicoOperatorIdentity'
  | 'breakGlassUsers'
  | 'breakGlassGroups'
  | 'allowListWriterUsers'
  | 'allowListWriterGroups'
  | 'tierAllowList'
  // The ValidatingAdmissionPolicy checks pods and NetworkPolicies only where these name the groups.
  | 'nodeGroups'
  | 'podDefaultGroupId'
  | 'trustGroupId'
  | 'enforcedGroupId'
  // The SecurityGroupPolicy webhook is registered only when sgbridge reads them.
  | 'securityGroupPolicies'
>;

export interface WebhookConfigOptions {
  target: WebhookTarget;
  /** base64 of the CA bundle PEM; left out when undefined (sgbridge injects it in a cluster). */
  caBundle?: string;
  /** For pods and Kubernetes NetworkPolicies; Calico objects always fail closed. */
  failurePolicy: FailurePolicy;
  /** matchConditions need Kubernetes ≥ 1.28 (beta, on by default) — GA in 1.30. Default true. */
  matchConditions?: boolean;
  settings: WebhookSettings;
}

export interface WebhookBundleOptions extends WebhookConfigOptions {
  admissionPolicy?: boolean;
}
