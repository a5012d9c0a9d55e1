// SecurityGroupPolicy objects as a user would write them (and as the CRD stores them), and AWS's
// own samples, for the security-group-policy tests.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { LabelSelector, SecurityGroupPolicy } from '../../../src/core/security-group-policy/index.js';
import { VPC_RESOURCE_CONTROLLER } from '../../support/fixtures.js';

export interface PolicySpec {
  podSelector?: LabelSelector | null;
  serviceAccountSelector?: LabelSelector | null;
  groupIds?: string[];
}

export function sgp(name: string, namespace: string, spec: PolicySpec): SecurityGroupPolicy & { metadata: { name: string; namespace: string } } {
  const out: Record<string, unknown> = {};
  if (spec.podSelector !== undefined) out.podSelector = spec.podSelector;
  if (spec.serviceAccountSelector !== undefined) out.serviceAccountSelector = spec.serviceAccountSelector;
  if (spec.groupIds !== undefined) out.securityGroups = { groupIds: spec.groupIds };
  return { apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy', metadata: { name, namespace }, spec: out };
}

/** securitygrouppolicy-samples.yaml: the podSelector sample, then the serviceAccountSelector one (no namespace of their own). */
export function awsSamples(): SecurityGroupPolicy[] {
  const text = readFileSync(`${VPC_RESOURCE_CONTROLLER}/securitygrouppolicy-samples.yaml`, 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as SecurityGroupPolicy);
}

/** The samples' selector, `role: db` and environment in (production, qa). */
export const SAMPLE_MATCH = { role: 'db', environment: 'qa' };
