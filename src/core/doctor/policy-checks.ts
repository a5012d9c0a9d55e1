// doctor with the setting securityGroupPolicies: the cluster's SecurityGroupPolicies as a source of
// pod groups. A policy the AWS controller would ignore is ignored by sgbridge too, and reported
// here, since its author expects its groups on the pods it names.
import type { ObjectPolicySource } from '../security-group-policy/index.js';
import type { DoctorCheck } from './types.js';

export const POLICY_CHECK = 'SecurityGroupPolicies';

export function unreadablePolicyChecks(error: string): DoctorCheck[] {
  return [
    {
      name: POLICY_CHECK,
      ok: false,
      detail: `cannot list SecurityGroupPolicies and ServiceAccounts: ${error}; pods' membership labels were not checked, since their groups depend on the policies`,
      fix: 'check that the CRD securitygrouppolicies.vpcresources.k8s.aws is installed (kubectl get crd securitygrouppolicies.vpcresources.k8s.aws) and that doctor may list SecurityGroupPolicies and ServiceAccounts in all namespaces',
    },
  ];
}

export function policyValidityChecks(read: ObjectPolicySource): DoctorCheck[] {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (!read.invalid.length) return [{ name: POLICY_CHECK, ok: true, detail: `${count(read.policies, 'SecurityGroupPolicy', 'SecurityGroupPolicies')} in ${count(read.namespaces, 'namespace', 'namespaces')}, none ignored`, fix: '' }];
  return read.invalid.map(({ policy, reason }) => ({
    name: `${POLICY_CHECK}: ${policy.namespace}/${policy.name}`,
    ok: false,
    detail: `SecurityGroupPolicy ${policy.namespace}/${policy.name} is ignored, as the AWS controller ignores it, so it gives no pod a group: ${reason}`,
    fix: `correct it (kubectl -n ${policy.namespace} edit securitygrouppolicy ${policy.name}) or delete it; sgbridge's validating webhook refuses such a policy when it is written`,
  }));
}
