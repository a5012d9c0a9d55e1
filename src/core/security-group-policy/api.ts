// AWS's SecurityGroupPolicy (vpcresources.k8s.aws/v1beta1), as its CRD defines it. The shape is
// checked with zod so that a malformed object (from an admission request, or a cache fed by a
// cluster whose CRD differs) is reported with the path of the bad field, never half-read.
import { z } from 'zod';

export const SGP_GROUP = 'vpcresources.k8s.aws';
export const SGP_VERSION = 'v1beta1';
export const SGP_API_VERSION = `${SGP_GROUP}/${SGP_VERSION}`;
export const SGP_KIND = 'SecurityGroupPolicy';
export const SGP_RESOURCE = 'securitygrouppolicies';
export const SGP_CRD_NAME = `${SGP_RESOURCE}.${SGP_GROUP}`;

/** Fields Go decodes `null` into as absent are nullish here, so `values: null` reads like no values. */
const labelSelectorRequirement = z.object({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).nullish(),
});

const labelSelector = z.object({
  matchLabels: z.record(z.string(), z.string()).nullish(),
  matchExpressions: z.array(labelSelectorRequirement).nullish(),
});

export const securityGroupPolicySchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z
    .object({
      name: z.string().optional(),
      namespace: z.string().optional(),
    })
    .nullish(),
  spec: z
    .object({
      podSelector: labelSelector.nullish(),
      serviceAccountSelector: labelSelector.nullish(),
      securityGroups: z.object({ groupIds: z.array(z.string()).nullish() }).nullish(),
    })
    .nullish(),
});

/** metav1.LabelSelector. */
export type LabelSelector = z.infer<typeof labelSelector>;
/** metav1.LabelSelectorRequirement. */
export type LabelSelectorRequirement = z.infer<typeof labelSelectorRequirement>;
export type SecurityGroupPolicy = z.infer<typeof securityGroupPolicySchema>;
