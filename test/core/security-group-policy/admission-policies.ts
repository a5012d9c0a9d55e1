// The SecurityGroupPolicies the admission tests send, as users write them: the CRD test checks
// that the real CRD stores each of them.
import { ENFORCED, INSTANCE_SG, POD_SG, TRUST } from '../../support/example-ids.js';
import { sgp } from './builders.js';

export const UNKNOWN_SG = 'sg-0fedcba9876543210';

export const ADMISSION_POLICIES = [
  sgp('db-pods', 'shop', { podSelector: { matchLabels: { role: 'db' } }, groupIds: [POD_SG] }),
  sgp('both-selectors', 'shop', { podSelector: { matchLabels: { role: 'db' } }, serviceAccountSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, groupIds: [POD_SG, INSTANCE_SG] }),
  sgp('names-trust', 'shop', { podSelector: {}, groupIds: [POD_SG, TRUST] }),
  sgp('names-enforced', 'shop', { serviceAccountSelector: {}, groupIds: [ENFORCED.toUpperCase()] }),
  sgp('unknown-group', 'shop', { podSelector: {}, groupIds: [UNKNOWN_SG] }),
  sgp('bad-operator', 'shop', { podSelector: { matchExpressions: [{ key: 'role', operator: 'Equals', values: ['db'] }] }, groupIds: [POD_SG] }),
  sgp('exists-with-values', 'shop', { serviceAccountSelector: { matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] }, groupIds: [POD_SG] }),
  sgp('no-selector', 'shop', { groupIds: [POD_SG] }),
  sgp('selects-membership', 'shop', { podSelector: { matchLabels: { [`sg.aws.tigera.io/${POD_SG}`]: '' } }, groupIds: [INSTANCE_SG] }),
];

export function admissionPolicy(name: string): (typeof ADMISSION_POLICIES)[number] {
  const found = ADMISSION_POLICIES.find((p) => p.metadata.name === name);
  if (!found) throw new Error(`no admission test policy ${name}`);
  return found;
}
