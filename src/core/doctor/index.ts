// `doctor` (SPEC §6): the integration's troubleshooting list as checks, each failure with its fix.
// Pure: the CLI reads the inventory and, when reachable, the cluster, and hands in the facts.
import { resolveInternalGroups } from '../internal-groups.js';
import type { ClusterNode, Inventory } from '../inventory.js';
import { membershipPolicyOf } from '../membership-policy.js';
import { policySourceOf } from '../security-group-policy/index.js';
import type { Settings } from '../settings.js';
import { translate, vpcMembers } from '../translate/index.js';
import { enforcedGroupChecks, internalGroupChecks, skippedRuleChecks, trustGroupChecks } from './aws-checks.js';
import { certificateChecks, hostEndpointChecks, leaseChecks, policyChecks, webhookChecks } from './cluster-checks.js';
import { podLabelChecks } from './pod-checks.js';
import { policyValidityChecks, unreadablePolicyChecks } from './policy-checks.js';
import type { ClusterFacts, DoctorCheck } from './types.js';

export type { CertificateFacts, ClusterFacts, DoctorCheck, LeaseFacts, RegisteredWebhook } from './types.js';
export { CERTIFICATE_WARN_DAYS } from './cluster-checks.js';
export { renderDoctorText } from './render.js';

export interface DoctorInputs {
  inventory: Inventory;
  settings: Settings;
  /** Cluster nodes (from the cluster, else the inventory file's). */
  nodes: ClusterNode[];
  /** Facts read from the cluster; undefined when no cluster is reachable. */
  cluster?: ClusterFacts;
  /** Webhook names sgbridge registers. */
  webhookNames: string[];
  leaseName: string;
  now: Date;
}

export function runDoctor(inputs: DoctorInputs): DoctorCheck[] {
  const { inventory, settings, nodes, cluster } = inputs;
  const internal = resolveInternalGroups(settings, inventory);
  const members = vpcMembers(inventory, nodes);
  const translation = translate(inventory, { nodes }, settings);
  const checks: DoctorCheck[] = [
    ...internalGroupChecks(internal, settings.clusterName, inventory.vpcId),
    ...trustGroupChecks(members, internal.trust),
    ...enforcedGroupChecks(inventory, nodes, internal.enforced),
    ...skippedRuleChecks(translation.skipped),
  ];
  if (!cluster) {
    const where = 'among the rendered objects';
    checks.push(...hostEndpointChecks(members, translation.objects, where), ...policyChecks(translation.objects, translation.objects, where));
    const pods = settings.securityGroupPolicies ? "pods' membership labels and their sources (annotation, SecurityGroupPolicies, node groups), SecurityGroupPolicies" : "pods' membership labels";
    checks.push({ name: 'cluster checks', ok: true, detail: `skipped: no cluster reachable (KUBECONFIG or in-cluster); webhooks, caBundle, certificate expiry, Lease, last sync and ${pods} were not checked, and host endpoints and policies were compared with the rendered objects only`, fix: '' });
    return checks;
  }
  const where = 'in the cluster';
  if (typeof cluster.objects === 'string') checks.push({ name: 'Calico objects in the cluster', ok: false, detail: `cannot list sgbridge's Calico objects: ${cluster.objects}`, fix: 'check that Calico (v3.29+) is installed and that doctor may list its resources' });
  else checks.push(...hostEndpointChecks(members, cluster.objects, where), ...policyChecks(translation.objects, cluster.objects, where));
  checks.push(...webhookChecks(cluster.webhooks, inputs.webhookNames, cluster.certificate));
  checks.push(...certificateChecks(cluster.certificate, inputs.now));
  checks.push(...leaseChecks(cluster.lease, settings.namespace, inputs.leaseName, inputs.now, settings.resyncInterval));
  // The cluster's SecurityGroupPolicies, where the setting reads them: without them pods' groups are unknown.
  const sgp = cluster.securityGroupPolicies;
  const read = settings.securityGroupPolicies && typeof sgp === 'object' ? policySourceOf(sgp.objects as Parameters<typeof policySourceOf>[0]) : undefined;
  if (read) checks.push(...policyValidityChecks(read));
  else if (settings.securityGroupPolicies) checks.push(...unreadablePolicyChecks(typeof sgp === 'string' ? sgp : 'not read'));
  if (typeof cluster.pods === 'string') checks.push({ name: 'pod membership labels', ok: false, detail: `cannot list pods and namespaces: ${cluster.pods}`, fix: 'check that doctor may list pods and namespaces in all namespaces' });
  else if (cluster.pods && (read || !settings.securityGroupPolicies)) {
    // the one membership policy (issue 23): the same facts the webhooks and the relabeller use
    const { namespaces } = cluster.pods;
    const policy = membershipPolicyOf(settings, { inventory, clusterNodes: nodes, ...(read ? { securityGroupPolicies: read.source } : {}) });
    checks.push(...podLabelChecks(cluster.pods.pods, (ns) => namespaces[ns], policy));
  }
  return checks;
}
