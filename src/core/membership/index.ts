// Pod membership (SPEC §1): the annotation alone decides a pod's sg.aws.tigera.io/* labels.
export { groupsNamed, namespaceRefusal, type NamespaceFacts } from './annotation.js';
export { decideMutation } from './decide.js';
export { deriveMembership, withDefaults, type Membership, type MembershipPolicy } from './derive.js';
export { defaultMembership, desiredLabels, escapePointer, hasMembershipLabel, labelPatch, membershipPatch, type DefaultMembership } from './patch.js';
