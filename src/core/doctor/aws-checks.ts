// Checks on the inventory alone: internal groups found, the trust group on every VPC member, the
// enforced group on every ENI of a cluster node, and AWS rules sgbridge cannot map.
import type { InternalGroups } from '../internal-groups.js';
import type { ClusterNode, Inventory, NetworkInterface } from '../inventory.js';
import type { SkippedPeer } from '../translate/index.js';
import { eniKind } from '../translate/index.js';
import { ENFORCED_GROUP_NAME, TRUST_GROUP_NAME } from '../vocabulary.js';
import type { DoctorCheck } from './types.js';

const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail, fix: '' });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });

export function internalGroupChecks(groups: InternalGroups, clusterName: string, vpcId: string): DoctorCheck[] {
  const wanted: [keyof InternalGroups, string, string][] = [
    ['trust', TRUST_GROUP_NAME, '--trust-group-id'],
    ['enforced', ENFORCED_GROUP_NAME, '--enforced-group-id'],
    ['podDefault', `tigera-cluster-${clusterName}-TigeraPodDefault-<suffix>`, '--pod-default-group-id'],
  ];
  return wanted.map(([key, name, flag]) => {
    const id = groups[key];
    return id
      ? pass(`internal group ${name}`, `found: ${id}`)
      : fail(`internal group ${name}`, `no security group named ${name} in ${vpcId}, and ${flag} is not set`, `create the security group ${name} in ${vpcId} (as the integration's setup does), or give its id with ${flag}`);
  });
}

function eniName(eni: NetworkInterface): string {
  const owner = eni.attachment?.instanceId ? ` of ${eni.attachment.instanceId}` : eniKind(eni) === 'rds' ? ' of an RDS instance' : '';
  return `ENI ${eni.networkInterfaceId}${owner}`;
}

function addGroupFix(eni: NetworkInterface, groupId: string, groupName: string): string {
  const groups = [...eni.groups, groupId].join(' ');
  if (eniKind(eni) === 'rds') return `add ${groupId} (${groupName}) to the RDS instance's VPC security groups: aws rds modify-db-instance --db-instance-identifier <db> --vpc-security-group-ids ${groups}`;
  if (eni.requesterManaged) return `add ${groupId} (${groupName}) to the security groups of the service that owns ${eni.networkInterfaceId} (requester ${eni.requesterId ?? 'unknown'})`;
  return `add it in AWS: aws ec2 modify-network-interface-attribute --network-interface-id ${eni.networkInterfaceId} --groups ${groups}`;
}

export function trustGroupChecks(members: NetworkInterface[], trust: string | undefined): DoctorCheck[] {
  const name = 'trust group on VPC members';
  if (!trust) return [fail(name, `cannot check: ${TRUST_GROUP_NAME} was not found`, `create ${TRUST_GROUP_NAME} first (see "internal group ${TRUST_GROUP_NAME}")`)];
  const missing = members.filter((e) => !e.groups.includes(trust));
  if (missing.length === 0) return [pass(name, `all ${members.length} VPC members carry ${TRUST_GROUP_NAME} (${trust})`)];
  return missing.map((eni) => fail(`${name}: ${eni.networkInterfaceId}`, `${eniName(eni)} lacks ${TRUST_GROUP_NAME}: AWS then enforces its own rules against cluster traffic`, addGroupFix(eni, trust, TRUST_GROUP_NAME)));
}

export function enforcedGroupChecks(inventory: Inventory, nodes: ClusterNode[], enforced: string | undefined): DoctorCheck[] {
  const name = 'enforced group on cluster nodes';
  if (!enforced) return [fail(name, `cannot check: ${ENFORCED_GROUP_NAME} was not found`, `create ${ENFORCED_GROUP_NAME} first (see "internal group ${ENFORCED_GROUP_NAME}")`)];
  if (nodes.length === 0) return [pass(name, 'no cluster nodes known (no cluster and none in the inventory file): nothing to check')];
  const out: DoctorCheck[] = [];
  let checked = 0;
  for (const node of nodes) {
    const enis = inventory.networkInterfaces.filter((e) => node.instanceId && e.attachment?.instanceId === node.instanceId);
    if (enis.length === 0) {
      out.push(fail(`${name}: ${node.name}`, `node ${node.name} (${node.instanceId ?? 'no providerID'}) has no ENI in the inventory of ${inventory.vpcId}`, `check that the node runs in ${inventory.vpcId} and that its spec.providerID names its instance (aws:///<zone>/<instance-id>)`));
      continue;
    }
    for (const eni of enis) {
      checked++;
      if (!eni.groups.includes(enforced)) {
        out.push(fail(`${name}: ${eni.networkInterfaceId}`, `${eniName(eni)} (node ${node.name}) lacks ${ENFORCED_GROUP_NAME}: VPC members' trust group does not admit its traffic`, `${addGroupFix(eni, enforced, ENFORCED_GROUP_NAME)} (and add it to the node group's launch template so new nodes get it)`));
      }
    }
  }
  return out.length ? out : [pass(name, `all ${checked} ENIs of ${nodes.length} nodes carry ${ENFORCED_GROUP_NAME} (${enforced})`)];
}

export function skippedRuleChecks(skipped: SkippedPeer[]): DoctorCheck[] {
  const name = 'AWS rules sgbridge can map';
  if (skipped.length === 0) return [pass(name, 'every rule of every security group maps to Calico')];
  return skipped.map((s) =>
    fail(`${name}: ${s.groupId} ${s.direction} ${s.peer}`, `${s.detail} (${s.reason}): no Calico rule, so this traffic is dropped (fail closed)`, s.reason === 'other-vpc' || s.reason === 'other-account' || s.reason === 'unknown-group' ? `refer to a group in the cluster's VPC, or to the peer's CIDR, in ${s.groupId}` : `change the rule of ${s.groupId} so that it can be expressed (${s.reason})`),
  );
}
