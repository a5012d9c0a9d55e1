// What users read after `admission webhook "…" denied the request: `. Each message says what is
// protected and what to do instead, and stays under 256 characters (kubectl prints it on one line).
import { groupOfMembershipLabel, LAST_PROTECTED_ORDER, MEMBERSHIP_LABEL_PREFIX, NAMESPACE_ALLOWED_ANNOTATION, PROTECTED_TIER_NAMES, SG_ANNOTATION } from '../vocabulary.js';

export const MAX_MESSAGE = 255;

export function fit(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

function short(value: string, max = 63): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

const SG_IN_NAME = /sg-[0-9a-f]{8,17}/;

/** "change security group sg-… in AWS" when the name says which group, else the general advice. */
function inAws(name: string, tier: string): string {
  const sg = SG_IN_NAME.exec(name)?.[0];
  return sg ? `change security group ${sg} in AWS; sgbridge keeps ${tier} in step` : `change the security groups in AWS; sgbridge keeps ${tier} in step`;
}

export const messages = {
  protectedTier: (tier: string) =>
    fit(`tier ${tier} belongs to sgbridge (tiers ${PROTECTED_TIER_NAMES.join(', ')} mirror AWS security groups); change the security groups in AWS and sgbridge updates it`),

  protectedPolicy: (kind: string, name: string, tier: string) =>
    fit(`${kind} ${short(name)} is in tier ${tier}, which only sgbridge writes; ${inAws(name, tier)}`),

  earlyTier: (tier: string, order: number) =>
    fit(`tier ${short(tier)} at order ${order} would run before sgbridge's tiers (up to ${LAST_PROTECTED_ORDER}); give it an order above ${LAST_PROTECTED_ORDER}, or ask the sgbridge admin to add it to tierAllowList`),

  earlyPolicy: (kind: string, name: string, tier: string, why: string) =>
    fit(`${kind} ${short(name, 50)} is in tier ${short(tier, 40)}, which ${why}: only sgbridge, the Calico operator and break-glass write there; put your policy in a tier after ${LAST_PROTECTED_ORDER}`),

  unprovenTier: (kind: string, name: string, tier: string, why: string) =>
    fit(`${kind} ${short(name, 50)} names tier ${short(tier, 40)}, which sgbridge cannot confirm runs after order ${LAST_PROTECTED_ORDER} (${short(why, 70)}); create the tier first, or retry shortly`),

  allowListedTier: (tier: string) =>
    fit(`tier ${short(tier)} is allow-listed to run before sgbridge's tiers, so only sgbridge, the Calico operator and break-glass may write it; use a tier after ${LAST_PROTECTED_ORDER} for your own policies`),

  allowListAnnotation: (namespace: string) =>
    fit(`namespace ${short(namespace)}: ${NAMESPACE_ALLOWED_ANNOTATION} decides which security groups its pods may join, so only sgbridge's allow-list writers change it; ask the sgbridge admin (setting allowListWriterUsers/Groups)`),

  binding: (what: string) =>
    fit(`this Binding carries ${short(what, 60)}, which the apiserver would copy onto the pod past sgbridge's membership check; bind without it and set ${SG_ANNOTATION} on the pod instead`),

  membershipLabelOnEndpoint: (kind: string, name: string, label: string) => {
    const group = short(groupOfMembershipLabel(label), 40) || 'the group';
    return fit(`${kind} ${short(name)} may not carry ${short(label, 60)}: only sgbridge sets security group membership; put the addresses' ENIs in ${group} in AWS instead`);
  },

  selectedLabelOnEndpoint: (kind: string, name: string, label: string) =>
    fit(`${kind} ${short(name)} may not carry ${short(label, 60)}: sgbridge's policies select on it, so only sgbridge sets it; use a label of your own (outside aws.tigera.io/) instead`),

  managedEndpoint: (kind: string, name: string) =>
    fit(`${kind} ${short(name)} is managed by sgbridge and mirrors AWS; change the network interface or its security groups in AWS and sgbridge updates it`),

  internalSelector: (kind: string, name: string, path: string, role: string, id: string) =>
    fit(`${kind} ${short(name, 50)}: ${short(path, 60)} selects ${id}, sgbridge's ${role}, which policies may not reference; select your own security groups' labels instead`),

  podLabels: (missing: string[], unexpected: string[]) =>
    fit(`pod ${MEMBERSHIP_LABEL_PREFIX}* labels must match annotation ${SG_ANNOTATION} (${[missing.length ? `missing ${missing.join(', ')}` : '', unexpected.length ? `not allowed ${unexpected.join(', ')}` : ''].filter(Boolean).join('; ')}); set the annotation, not the labels`),

  podAnnotation: (problem: string) => fit(problem),

  unreadable: (kind: string, problem: string) =>
    fit(`cannot check this ${short(kind, 40)} against sgbridge's protection rules: ${short(problem, 140)}; send a well-formed object`),
};
