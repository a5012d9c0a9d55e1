// The apiserver double serving AWS's SecurityGroupPolicy CRD (its real schema validates every
// policy the tests create) and ServiceAccounts, with sgbridge granted what the chart grants when
// the setting securityGroupPolicies is on.
import { API_PERMISSIONS, SECURITY_GROUP_POLICY_PERMISSIONS } from '../../src/kube/permissions.js';
import { clusterDouble } from '../sync/fixtures.js';
import type { ApiServerDouble } from './apiserver-double.js';
import { loadCrdFile } from './crd-schemas.js';
import { VPC_RESOURCE_CONTROLLER } from './fixtures.js';

export async function sgpClusterDouble(): Promise<ApiServerDouble> {
  const crd = loadCrdFile(`${VPC_RESOURCE_CONTROLLER}/vpcresources.k8s.aws_securitygrouppolicies.yaml`);
  return clusterDouble({
    securityGroupPolicies: true,
    permissions: [...API_PERMISSIONS, ...SECURITY_GROUP_POLICY_PERMISSIONS],
    validate: (obj) => {
      if (obj.kind !== crd.kind) return undefined;
      const problems = crd.validate(obj);
      return problems.length ? problems.map((message) => ({ field: 'spec', message })) : undefined;
    },
  });
}

export function serviceAccount(namespace: string, name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } };
}
