// sg-local.<sg-id> (SPEC §3): a group's own rules on its members. A member of several groups is
// passed when any of them allows (union, as in AWS), since every rule in the tier passes.
import type { CalicoObject } from '../calico.js';
import type { SecurityGroup } from '../inventory.js';
import { TIERS } from '../vocabulary.js';
import { localPolicyName } from './naming.js';
import { groupPolicies, groupText } from './policy-split.js';
import { localEgress, localIngress, type MappedGroup } from './rule-mapping.js';
import { groupMembers } from './selectors.js';

export function localPolicies(group: SecurityGroup, mapped: MappedGroup): CalicoObject[] {
  const ingress = mapped.inbound.map(localIngress);
  const egress = mapped.outbound.map(localEgress);
  return groupPolicies({
    tier: TIERS.local.name,
    baseName: localPolicyName(group.groupId),
    selector: groupMembers(group.groupId),
    rules: { ingress, egress },
    groupText: groupText(group),
  });
}
