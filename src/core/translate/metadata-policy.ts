// metadata tier (SPEC §3): pods reach the instance metadata service only when labelled
// aws.tigera.io/allow-metadata-access: "true" (setting metadataAccess=denied), or unless labelled
// "false" (allowed). Every other destination passes. Egress only.
//
// Who may reach the service is decided by the policy's own `selector` (which, with a
// namespaceSelector, matches pods only), never by a rule selector: Calico turns a rule selector
// into an IP set that also takes in NetworkSets, GlobalNetworkSets and HostEndpoints, so a label
// on any of those would open the service to whatever addresses they list (SPEC §2 rule 4). The
// policy selects the pods that may NOT reach it; a pod no policy of a tier selects skips the tier,
// so the others pass on untouched. Rules may only Pass, so the metadata addresses are left out
// with notNets per IP version and the tier's Deny drops them.
import type { CalicoObject, Rule } from '../calico.js';
import type { Settings } from '../settings.js';
import { TIERS } from '../vocabulary.js';
import { METADATA_POLICY } from './naming.js';
import { globalPolicy } from './objects.js';
import { AWS_RULE_ANNOTATION } from './rule-mapping.js';
import { metadataDeniedPods } from './selectors.js';

export const METADATA_NETS = { v4: '169.254.169.254/32', v6: 'fd00:ec2::254/128' } as const;

export function metadataPolicy(mode: Settings['metadataAccess']): CalicoObject {
  const note = (text: string) => ({ annotations: { [AWS_RULE_ANNOTATION]: text } });
  const denied = metadataDeniedPods(mode);
  const egress: Rule[] = [
    { action: 'Pass', ipVersion: 4, destination: { notNets: [METADATA_NETS.v4] }, metadata: note(`metadata access ${mode}: pods matching ${denied.selector} reach any IPv4 destination but the metadata service`) },
    { action: 'Pass', ipVersion: 6, destination: { notNets: [METADATA_NETS.v6] }, metadata: note(`metadata access ${mode}: pods matching ${denied.selector} reach any IPv6 destination but the metadata service`) },
  ];
  return globalPolicy({ tier: TIERS.metadata.name, name: METADATA_POLICY, order: 100, ...denied, types: ['Egress'], egress });
}
