// AWS SecurityGroupPolicies as a source of pod membership (issue 22): pure, no I/O. Callers compile
// each policy once (compilePolicy, per watch event), index a namespace's policies when they change
// (indexPolicies), and match pods against the index (groupsFromPolicies).
export { SGP_API_VERSION, SGP_CRD_NAME, SGP_GROUP, SGP_KIND, SGP_RESOURCE, SGP_VERSION, securityGroupPolicySchema, type LabelSelector, type LabelSelectorRequirement, type SecurityGroupPolicy } from './api.js';
export { compileLabelSelector, SELECTOR_OPERATORS, type CompiledSelector, type LabelSelectorMatcher, type Labels } from './label-selector.js';
export { compilePolicy, type CompiledPolicy, type InvalidPolicy, type PolicyRef, type ValidPolicy } from './policy.js';
export { groupsFromPolicies, indexPolicies, type NamespacePolicies, type PodFacts, type PolicyGroups, type PolicyMatchInput } from './groups.js';
export { membershipGroupsWith, type MembershipGroups, type MembershipSource } from './membership-groups.js';
export { inPolicyScope, policyGroupsFor, staticPolicySource, type PolicyMembershipSource, type PolicyPod, type PolicyScope } from './source.js';
export { isSecurityGroupPolicy, policySourceOf, type ObjectPolicySource } from './objects.js';
