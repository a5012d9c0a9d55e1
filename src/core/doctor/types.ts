// doctor's result (SPEC §6, §7): one entry per check, the exact fix on failure.
import type { PodFacts } from '../relabel.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do; empty when ok. */
  fix: string;
}

/** A webhook as registered in a Mutating/ValidatingWebhookConfiguration. */
export interface RegisteredWebhook {
  configuration: string;
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
  name: string;
  /** base64 PEM bundle, as stored; undefined when missing. */
  caBundle?: string;
}

export interface CertificateFacts {
  /** PEM of the serving certificate and where it came from (Secret ns/name or a directory). */
  servingPem?: string;
  caPem?: string;
  source: string;
}

export interface LeaseFacts {
  holder?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
  annotations: Record<string, string>;
}

/** What doctor read from the cluster; a field is an error text when its read failed. */
export interface ClusterFacts {
  /** sgbridge's Calico objects in the cluster (kind, name, labels, spec). */
  objects: { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> }[] | string;
  webhooks: RegisteredWebhook[] | string;
  certificate: CertificateFacts | string;
  lease: LeaseFacts | undefined | string;
  /** The cluster's pods (as the pod cache keeps them) and namespace annotations, for the membership label check. */
  pods?: { pods: PodFacts[]; namespaces: Record<string, Record<string, string>> } | string;
  /**
   * With the setting securityGroupPolicies: the cluster's SecurityGroupPolicy and ServiceAccount
   * objects (apiVersion, kind, metadata, spec), the pods' sources of groups besides the annotation.
   */
  securityGroupPolicies?: { objects: unknown[] } | string;
}
