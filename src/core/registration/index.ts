// The admission registration objects `sgbridge webhook-config` prints (SPEC §1, §2, §5): the two
// webhook configurations and, when asked, the ValidatingAdmissionPolicy that holds inside the
// apiserver when the webhook cannot be reached.
import { buildAdmissionPolicy } from './admission-policy.js';
import type { WebhookBundleOptions } from './options.js';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration } from './webhook-configurations.js';

export { ADMISSION_POLICY_MESSAGES, buildAdmissionPolicy } from './admission-policy.js';
export type { FailurePolicy, WebhookBundleOptions, WebhookConfigOptions, WebhookSettings, WebhookTarget } from './options.js';
export { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration, CALICO_RESOURCES, webhookBaseUrl } from './webhook-configurations.js';

/** Everything `webhook-config` prints, in apply order. */
export function buildWebhookObjects(opts: WebhookBundleOptions): Record<string, unknown>[] {
  const out = [buildMutatingWebhookConfiguration(opts), buildValidatingWebhookConfiguration(opts)];
  if (opts.admissionPolicy) out.push(...buildAdmissionPolicy(opts));
  return out;
}
