// metadata tier (SPEC §3): pods reach the instance metadata service only when labelled
// aws.tigera.io/allow-metadata-access: "true" (setting metadataAccess=denied), or unless labelled
// "false" (allowed). Every other destination passes. Egress only. Rules may only Pass, so the
// metadata addresses are left out with notNets per IP version and the tier's Deny drops them.
import type { CalicoObject, Rule } from '../calico.js';
import type { Settings } from '../settings.js';
import { METADATA_ACCESS_LABEL, TIERS } from '../vocabulary.js';
import { METADATA_POLICY } from './naming.js';
import { globalPolicy } from './objects.js';
import { AWS_RULE_ANNOTATION } from './rule-mapping.js';
import { PODS_ONLY } from './selectors.js';

export const METADATA_NETS = { v4: '169.254.169.254/32', v6: 'fd00:ec2::254/128' } as const;

export function metadataPolicy(mode: Settings['metadataAccess']): CalicoObject {
  const note = (text: string) => ({ annotations: { [AWS_RULE_ANNOTATION]: text } });
  const allowedPods = mode === 'allowed' ? `${METADATA_ACCESS_LABEL} != 'false'` : `${METADATA_ACCESS_LABEL} == 'true'`;
  const egress: Rule[] = [
    { action: 'Pass', source: { selector: allowedPods }, metadata: note(`metadata access ${mode}: pods matching ${allowedPods} reach everything`) },
    { action: 'Pass', ipVersion: 4, destination: { notNets: [METADATA_NETS.v4] }, metadata: note('any IPv4 destination but the metadata service') },
    { action: 'Pass', ipVersion: 6, destination: { notNets: [METADATA_NETS.v6] }, metadata: note('any IPv6 destination but the metadata service') },
  ];
  return globalPolicy({ tier: TIERS.metadata.name, name: METADATA_POLICY, order: 100, ...PODS_ONLY, types: ['Egress'], egress });
}
