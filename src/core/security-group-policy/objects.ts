// SecurityGroupPolicy and ServiceAccount objects read once (explain's files, a cluster listed by
// explain or doctor), compiled and indexed as the policy source membership reads: those commands
// derive a pod's groups as the webhook does with the same policies in its watch-fed caches.
import { SGP_GROUP, SGP_KIND } from './api.js';
import { indexPolicies } from './groups.js';
import type { Labels } from './label-selector.js';
import { compilePolicy, type CompiledPolicy, type PolicyRef } from './policy.js';
import { staticPolicySource, type PolicyMembershipSource } from './source.js';

interface Loose {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

export const isSecurityGroupPolicy = (o: Loose): boolean => o.kind === SGP_KIND && (o.apiVersion ?? '').split('/')[0] === SGP_GROUP;

export interface ObjectPolicySource {
  source: PolicyMembershipSource;
  /** How many policies were read, in how many namespaces. */
  policies: number;
  namespaces: number;
  /** Each policy that is ignored, and why. */
  invalid: { policy: PolicyRef; reason: string }[];
  /** The same, in words. */
  problems: string[];
}

/** Reads the SecurityGroupPolicies and ServiceAccounts (v1) among `objects`; other objects are left out. */
export function policySourceOf(objects: readonly Loose[]): ObjectPolicySource {
  const byNamespace = new Map<string, CompiledPolicy[]>();
  const serviceAccounts = new Map<string, Labels>();
  const invalid: ObjectPolicySource['invalid'] = [];
  const problems: string[] = [];
  let policies = 0;
  for (const o of objects) {
    const namespace = o.metadata?.namespace || 'default';
    if (o.kind === 'ServiceAccount' && o.apiVersion === 'v1' && o.metadata?.name) serviceAccounts.set(`${namespace}/${o.metadata.name}`, { ...(o.metadata.labels ?? {}) });
    if (!isSecurityGroupPolicy(o)) continue;
    const policy = compilePolicy(o, { namespace });
    policies++;
    if (!policy.valid) invalid.push({ policy: policy.ref, reason: policy.reason });
    if (!policy.valid) problems.push(`SecurityGroupPolicy ${policy.ref.namespace}/${policy.ref.name} is ignored, as the AWS controller ignores it: ${policy.reason}`);
    const list = byNamespace.get(policy.ref.namespace);
    if (list) list.push(policy);
    else byNamespace.set(policy.ref.namespace, [policy]);
  }
  const indexes = new Map([...byNamespace].map(([namespace, policies]) => [namespace, indexPolicies(namespace, policies)]));
  return { source: staticPolicySource(indexes, serviceAccounts), policies, namespaces: indexes.size, invalid, problems };
}
