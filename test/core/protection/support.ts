// Builders for validating-webhook requests and the context of the tutorial VPC
// (examples/inventory.yaml), shared by the protection tests.
import type { AdmissionRequest, Operation, UserInfo } from '../../../src/core/admission-types.js';
import type { Inventory } from '../../../src/core/inventory.js';
import { protectionContextFrom, type ProtectionContext } from '../../../src/core/protection/index.js';
import { defaultSettings, type Settings } from '../../../src/core/settings.js';
import { readInventoryFile, EXAMPLE_INVENTORY } from '../../../src/aws/inventory-file.js';

export { TRUST, ENFORCED, POD_DEFAULT, NODE_GROUP, INSTANCE_SG, POD_SG } from '../../support/example-ids.js';
export const BREAK_GLASS_GROUP = 'sgbridge-break-glass';

export const IDENTITIES = {
  syncer: { username: 'system:serviceaccount:sgbridge-system:sgbridge', groups: ['system:serviceaccounts', 'system:serviceaccounts:sgbridge-system', 'system:authenticated'] },
  calicoApiserver: { username: 'system:serviceaccount:calico-apiserver:calico-apiserver', groups: ['system:serviceaccounts', 'system:serviceaccounts:calico-apiserver', 'system:authenticated'] },
  clusterAdmin: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
  namespaceUser: { username: 'dev', groups: ['developers', 'system:authenticated'] },
  garbageCollector: { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
  breakGlass: { username: 'oncall-alice', groups: [BREAK_GLASS_GROUP, 'system:authenticated'] },
  calicoOperator: { username: 'system:serviceaccount:tigera-operator:tigera-operator', groups: ['system:serviceaccounts', 'system:serviceaccounts:tigera-operator', 'system:authenticated'] },
} satisfies Record<string, UserInfo>;
export type IdentityName = keyof typeof IDENTITIES;

export async function exampleInventory(): Promise<Inventory> {
  return readInventoryFile(EXAMPLE_INVENTORY);
}

export function settingsWith(overrides: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), breakGlassGroups: [BREAK_GLASS_GROUP], ...overrides };
}

export async function exampleContext(overrides: Partial<Settings> = {}): Promise<ProtectionContext> {
  return protectionContextFrom(settingsWith(overrides), await exampleInventory());
}

const RESOURCES: Record<string, string> = {
  Tier: 'tiers',
  GlobalNetworkPolicy: 'globalnetworkpolicies',
  NetworkPolicy: 'networkpolicies',
  StagedGlobalNetworkPolicy: 'stagedglobalnetworkpolicies',
  StagedNetworkPolicy: 'stagednetworkpolicies',
  StagedKubernetesNetworkPolicy: 'stagedkubernetesnetworkpolicies',
  HostEndpoint: 'hostendpoints',
  GlobalNetworkSet: 'globalnetworksets',
  NetworkSet: 'networksets',
  Pod: 'pods',
};

const VERSIONS: Record<string, string> = { 'projectcalico.org': 'v3', 'crd.projectcalico.org': 'v1', 'networking.k8s.io': 'v1', '': 'v1' };

export interface RequestParts {
  group: string;
  kind: string;
  operation: Operation;
  user?: UserInfo;
  object?: unknown;
  oldObject?: unknown;
  name?: string;
  namespace?: string;
  subResource?: string;
}

/** An AdmissionRequest shaped like the apiserver's (see test/fixtures/admission-samples). */
export function request(p: RequestParts): AdmissionRequest {
  const version = VERSIONS[p.group] ?? 'v1';
  const resource = RESOURCES[p.kind] ?? `${p.kind.toLowerCase()}s`;
  const meta = (o: unknown) => (o && typeof o === 'object' && 'metadata' in o ? (o as { metadata?: { name?: string; namespace?: string } }).metadata : undefined);
  const name = p.name ?? meta(p.object)?.name ?? meta(p.oldObject)?.name;
  const namespace = p.namespace ?? meta(p.object)?.namespace ?? meta(p.oldObject)?.namespace;
  return {
    uid: '00000000-0000-4000-8000-000000000001',
    kind: { group: p.group, version, kind: p.kind },
    resource: { group: p.group, version, resource },
    ...(p.subResource ? { subResource: p.subResource } : {}),
    ...(name ? { name } : {}),
    ...(namespace ? { namespace } : {}),
    operation: p.operation,
    userInfo: p.user ?? IDENTITIES.namespaceUser,
    object: (p.operation === 'DELETE' ? null : (p.object ?? null)) as AdmissionRequest['object'],
    oldObject: (p.operation === 'CREATE' ? null : (p.oldObject ?? null)) as AdmissionRequest['oldObject'],
    dryRun: false,
  };
}

/** A write of `obj`: CREATE has it as object, UPDATE as both, DELETE as oldObject. */
export function write(group: string, kind: string, operation: Operation, obj: unknown, user?: UserInfo): AdmissionRequest {
  return request({ group, kind, operation, object: obj, oldObject: obj, ...(user ? { user } : {}) });
}

export function calicoObject(group: string, kind: string, name: string, spec: Record<string, unknown>, labels?: Record<string, string>, namespace?: string) {
  return {
    apiVersion: `${group}/${VERSIONS[group] ?? 'v1'}`,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
    spec,
  };
}

export const membership = (sg: string) => `sg.aws.tigera.io/${sg}`;
