// Pod membership (SPEC §1): the annotation and, when read, the SecurityGroupPolicies that match the
// pod decide its sg.aws.tigera.io/* labels.
export { groupsNamed, namespaceRefusal, type NamespaceFacts } from './annotation.js';
export { decideMutation } from './decide.js';
export { deriveMembership, membershipOfNamed, withDefaults, type Membership, type MembershipPolicy } from './derive.js';
export { defaultMembership, desiredLabels, escapePointer, hasMembershipLabel, labelPatch, membershipPatch, type DefaultMembership } from './patch.js';
export { derivePodMembership, serviceAccountOf, type PodMembershipFacts } from './pod.js';
export { describeFrom, describeSource, membershipOrigin, type GroupOrigin, type GroupSource, type MembershipOrigin } from './origin.js';
