// The SecurityGroupPolicies and ServiceAccounts among explain's inputs (files, and the cluster's
// when one is read), compiled and indexed once as the policy source membership reads: explain
// derives a pod's groups as the webhook would with the same policies in its caches.
import { compilePolicy, indexPolicies, SGP_GROUP, SGP_KIND, staticPolicySource, type CompiledPolicy, type Labels, type PolicyMembershipSource } from '../security-group-policy/index.js';

interface Loose {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

export const isSecurityGroupPolicy = (o: Loose): boolean => o.kind === SGP_KIND && (o.apiVersion ?? '').split('/')[0] === SGP_GROUP;

export interface ExplainPolicySource {
  source: PolicyMembershipSource;
  /** Each policy that is ignored, and why. */
  problems: string[];
}

export function policySourceOf(objects: readonly Loose[]): ExplainPolicySource {
  const byNamespace = new Map<string, CompiledPolicy[]>();
  const serviceAccounts = new Map<string, Labels>();
  const problems: string[] = [];
  for (const o of objects) {
    const namespace = o.metadata?.namespace || 'default';
    if (o.kind === 'ServiceAccount' && o.apiVersion === 'v1' && o.metadata?.name) serviceAccounts.set(`${namespace}/${o.metadata.name}`, { ...(o.metadata.labels ?? {}) });
    if (!isSecurityGroupPolicy(o)) continue;
    const policy = compilePolicy(o, { namespace });
    if (!policy.valid) problems.push(`SecurityGroupPolicy ${policy.ref.namespace}/${policy.ref.name} is ignored, as the AWS controller ignores it: ${policy.reason}`);
    const list = byNamespace.get(policy.ref.namespace);
    if (list) list.push(policy);
    else byNamespace.set(policy.ref.namespace, [policy]);
  }
  const indexes = new Map([...byNamespace].map(([namespace, policies]) => [namespace, indexPolicies(namespace, policies)]));
  return { source: staticPolicySource(indexes, serviceAccounts), problems };
}
