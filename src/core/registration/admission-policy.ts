// The ValidatingAdmissionPolicy backstop (Kubernetes >= 1.30): kube-apiserver itself refuses,
// webhook up or not, what CEL can check of SPEC §2 without the inventory, to anyone but sgbridge
// and the identities SPEC §2 trusts. The pod and NetworkPolicy webhooks fail open (Ignore), so
// this is what holds while sgbridge is down.
import { SELECTED_LABEL_KEYS } from '../translate/selectors.js';
import { CALICO_TIER_LABEL, LAST_PROTECTED_ORDER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MEMBERSHIP_LABEL_PREFIX, NAMESPACE_ALLOWED_ANNOTATION, PROTECTED_TIER_NAMES, SG_ANNOTATION } from '../vocabulary.js';
import { excludedNamespaces } from '../webhooks.js';
import { annotationChanged, BINDING_CARRIES_MEMBERSHIP, CALICO_API_GROUPS, celList, celString, conditions, inGroups, MEMBERSHIP_SOURCE_CHANGED } from './cel.js';
import type { WebhookSettings } from './options.js';

type Json = Record<string, unknown>;

/** CEL: whether `o` (object or oldObject) is a policy in one of the tiers of the list variable `tiers`. */
function inTiers(o: 'object' | 'oldObject', tiers: string): string {
  return [
    `${o} != null && (`,
    `  ${tiers}.exists(t, ${o}.metadata.name.startsWith(t + ".")) ||`,
    `  (has(${o}.spec) && has(${o}.spec.tier) && ${o}.spec.tier in ${tiers}) ||`,
    `  (has(${o}.metadata.labels) && ${celString(CALICO_TIER_LABEL)} in ${o}.metadata.labels && ${o}.metadata.labels[${celString(CALICO_TIER_LABEL)}] in ${tiers})`,
    `)`,
  ].join('\n');
}

/** CEL: whether `o` carries a label key sgbridge's policies select on, or sgbridge's managed-by label. */
function carriesSelectedLabel(o: 'object' | 'oldObject'): string {
  return (
    `${o} != null && has(${o}.metadata.labels) && ${o}.metadata.labels.exists(k, k.startsWith(${celString(MEMBERSHIP_LABEL_PREFIX)}) || k in variables.selectedKeys || ` +
    `(k == ${celString(MANAGED_BY_LABEL)} && ${o}.metadata.labels[k] == ${celString(MANAGED_BY_VALUE)}))`
  );
}

/** CEL: whether `o` is a Profile whose labelsToApply (applied to the endpoints that name it) carry such a key. */
function appliesSelectedLabel(o: 'object' | 'oldObject'): string {
  return (
    `${o} != null && has(${o}.spec) && has(${o}.spec.labelsToApply) && ` +
    `${o}.spec.labelsToApply.exists(k, k.startsWith(${celString(MEMBERSHIP_LABEL_PREFIX)}) || k in variables.selectedKeys)`
  );
}

/**
 * CEL: membership label `k` of the pod is one SPEC §1 could have given it: the pod default group,
 * a group its annotation names (as a whole id: a longer id that starts with it does not count), or,
 * without the annotation, a node group.
 */
function justifiedMembership(k: string): string {
  const group = `${k}.substring(${MEMBERSHIP_LABEL_PREFIX.length})`;
  const ann = `object.metadata.annotations[${celString(SG_ANNOTATION)}]`;
  const annotated = `has(object.metadata.annotations) && ${celString(SG_ANNOTATION)} in object.metadata.annotations`;
  return `(${group} == variables.podDefaultGroup || (${annotated} ? ${ann}.lowerAscii().matches("(^|[^0-9a-z-])" + ${group} + "($|[^0-9a-z-])") : ${group} in variables.nodeGroups))`;
}

/** CEL: a label selector (matchLabels / matchExpressions) names one of variables.internalLabels. */
function selectsInternal(sel: string): string {
  return `(has(${sel}.matchLabels) && ${sel}.matchLabels.exists(k, k in variables.internalLabels)) || (has(${sel}.matchExpressions) && ${sel}.matchExpressions.exists(e, e.key in variables.internalLabels))`;
}

export const ADMISSION_POLICY_MESSAGES = {
  tier: 'the tiers sg-remote, sg-local and metadata are written by sgbridge from AWS security groups: change the security groups in AWS instead',
  order: `no tier may run at or before order ${LAST_PROTECTED_ORDER}, ahead of sg-remote (105), sg-local (106) and metadata (107): choose an order after ${LAST_PROTECTED_ORDER}`,
  policy: 'policies in the tiers sg-remote, sg-local and metadata are written by sgbridge from AWS security groups: change the security groups in AWS, or use a tier after 107',
  allowListedTier: `the allow-listed tiers run before sgbridge's tiers: only sgbridge, the Calico operator and break-glass write them or their policies; use a tier after ${LAST_PROTECTED_ORDER}`,
  endpoint: 'host endpoints and network sets with sg.aws.tigera.io/* labels, labels sgbridge selects on (aws.tigera.io/vpc-member, allow-metadata-access, ...) or managed by sgbridge: only sgbridge writes them',
  profile: "a Profile's labelsToApply reach every host endpoint that names it: they may not hold sg.aws.tigera.io/* or a label sgbridge selects on; use labels of your own",
  binding: `a Binding's annotations are copied onto the pod: it may not carry ${SG_ANNOTATION} or sg.aws.tigera.io/* keys; set the annotation on the pod instead`,
  namespace: `${NAMESPACE_ALLOWED_ANNOTATION} decides which security groups a namespace's pods may join: only sgbridge's allow-list writers change it`,
  pod: `pod sg.aws.tigera.io/* labels follow annotation ${SG_ANNOTATION}: set the annotation, not the labels`,
  networkPolicy: "a NetworkPolicy may not select sgbridge's internal security groups (trust, enforced, pod default): select your own groups' labels instead",
} as const;

const POLICY_RESOURCES = ['globalnetworkpolicies', 'networkpolicies', 'stagedglobalnetworkpolicies', 'stagednetworkpolicies'];
const ENDPOINT_RESOURCES = ['hostendpoints', 'globalnetworksets', 'networksets'];


const rule = (expression: string, message: string) => ({ expression, message, reason: 'Forbidden' });

/**
 * The backstop: SPEC §2 rules 1–4 and 7, rule 6 for Bindings, and — where the settings name the
 * groups, since CEL cannot read the inventory — rule 6 for pods (nodeGroups and podDefaultGroupId)
 * and rule 5 for Kubernetes NetworkPolicies (the internal group ids). A tier's order is not in the
 * request, so policies in early tiers other than the allow-listed ones stay with the webhook.
 */
export function buildAdmissionPolicy(opts: { settings: WebhookSettings }): Json[] {
  const s = opts.settings;
  const name = `${s.serviceName}-protected-tiers`;
  const resource = 'request.resource.resource';
  const podCheck = s.podDefaultGroupId !== '' && s.nodeGroups.length > 0;
  const internal = [s.trustGroupId, s.enforcedGroupId, s.podDefaultGroupId].filter((g) => g !== '').map((g) => `${MEMBERSHIP_LABEL_PREFIX}${g.toLowerCase()}`);
  const isCore = `request.resource.group == ""`;
  const variables = [
    { name: 'protectedTiers', expression: celList(PROTECTED_TIER_NAMES) },
    { name: 'allowListedTiers', expression: celList(s.tierAllowList) },
    { name: 'selectedKeys', expression: celList(SELECTED_LABEL_KEYS) },
    { name: 'isTier', expression: `${resource} == "tiers"` },
    // networkpolicies is also Kubernetes' own resource, which the policy matches when it checks rule 5.
    { name: 'isPolicy', expression: `request.resource.group != "networking.k8s.io" && ${resource} in ${celList(POLICY_RESOURCES)}` },
    { name: 'isEndpoint', expression: `${resource} in ${celList(ENDPOINT_RESOURCES)}` },
    { name: 'isOperator', expression: `request.userInfo.username == ${celString(s.calicoOperatorIdentity)}` },
    { name: 'isBinding', expression: `${isCore} && ${resource} == "pods" && request.subResource == "binding"` },
    { name: 'isNamespace', expression: `${isCore} && ${resource} == "namespaces"` },
    {
      name: 'isAllowListWriter',
      expression: `request.userInfo.username in ${celList(s.allowListWriterUsers)} || (${inGroups(s.allowListWriterGroups)})`,
    },
  ];
  const validations = [
    // Rule 1: the three tiers themselves.
    rule('!(variables.isTier && ((object != null && object.metadata.name in variables.protectedTiers) || (oldObject != null && oldObject.metadata.name in variables.protectedTiers)))', ADMISSION_POLICY_MESSAGES.tier),
    // Rule 3: no other tier created at, or moved to, an order at or before 107.
    rule(
      [
        `!(variables.isTier && object != null && !(object.metadata.name in variables.protectedTiers) && !(object.metadata.name in variables.allowListedTiers) &&`,
        `  has(object.spec) && has(object.spec.order) && double(object.spec.order) <= ${LAST_PROTECTED_ORDER}.0 &&`,
        `  (oldObject == null || !has(oldObject.spec) || !has(oldObject.spec.order) || double(oldObject.spec.order) != double(object.spec.order)))`,
      ].join('\n'),
      ADMISSION_POLICY_MESSAGES.order,
    ),
    // Rule 2: policies in those tiers, before or after the change (moving in or out counts).
    rule(`!(variables.isPolicy && ((${inTiers('object', 'variables.protectedTiers')}) || (${inTiers('oldObject', 'variables.protectedTiers')})))`, ADMISSION_POLICY_MESSAGES.policy),
    // Rule 3: the allow-listed tiers and their policies are the Calico operator's (the allow-list is by name).
    rule(
      '!(variables.isTier && !variables.isOperator && ((object != null && object.metadata.name in variables.allowListedTiers) || (oldObject != null && oldObject.metadata.name in variables.allowListedTiers)))',
      ADMISSION_POLICY_MESSAGES.allowListedTier,
    ),
    rule(`!(variables.isPolicy && !variables.isOperator && ((${inTiers('object', 'variables.allowListedTiers')}) || (${inTiers('oldObject', 'variables.allowListedTiers')})))`, ADMISSION_POLICY_MESSAGES.allowListedTier),
    // Rule 4: endpoints and sets that carry a key sgbridge selects on, before or after the change.
    rule(`!(variables.isEndpoint && ((${carriesSelectedLabel('object')}) || (${carriesSelectedLabel('oldObject')})))`, ADMISSION_POLICY_MESSAGES.endpoint),
    rule(`!(${resource} == "profiles" && ((${appliesSelectedLabel('object')}) || (${appliesSelectedLabel('oldObject')})))`, ADMISSION_POLICY_MESSAGES.profile),
    // Rule 6: a Binding's annotations land on the pod.
    rule(`!(variables.isBinding && (${BINDING_CARRIES_MEMBERSHIP}))`, ADMISSION_POLICY_MESSAGES.binding),
    // Rule 7: the namespace allow-list.
    rule(`!(variables.isNamespace && !variables.isAllowListWriter && (${annotationChanged(NAMESPACE_ALLOWED_ANNOTATION)}))`, ADMISSION_POLICY_MESSAGES.namespace),
  ];
  const coreResources = ['pods/binding', 'namespaces'];
  if (podCheck) {
    coreResources.unshift('pods', 'pods/status');
    variables.push(
      { name: 'podDefaultGroup', expression: celString(s.podDefaultGroupId.toLowerCase()) },
      { name: 'nodeGroups', expression: celList(s.nodeGroups.map((g) => g.toLowerCase())) },
      { name: 'isPod', expression: `${isCore} && ${resource} == "pods" && request.subResource in ["", "status"] && !(request.namespace in ${celList(excludedNamespaces(s))})` },
    );
    // Rule 6: no membership label SPEC §1 could not have given, on a pod created, or updated in its labels or annotation.
    validations.push(
      rule(
        `!(variables.isPod && (request.operation == "CREATE" || (${MEMBERSHIP_SOURCE_CHANGED})) && has(object.metadata.labels) && object.metadata.labels.exists(k, k.startsWith(${celString(MEMBERSHIP_LABEL_PREFIX)}) && !${justifiedMembership('k')}))`,
        ADMISSION_POLICY_MESSAGES.pod,
      ),
    );
  }
  const resourceRules: Json[] = [
    { apiGroups: [CALICO_API_GROUPS.v3, CALICO_API_GROUPS.crd], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['tiers', ...POLICY_RESOURCES, ...ENDPOINT_RESOURCES, 'profiles'] },
    { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: coreResources },
  ];
  if (internal.length > 0) {
    resourceRules.push({ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['networkpolicies'] });
    variables.push({ name: 'internalLabels', expression: celList(internal) });
    const peers = (dir: 'ingress' | 'egress', side: 'from' | 'to') =>
      `(has(object.spec.${dir}) && object.spec.${dir}.exists(r, has(r.${side}) && r.${side}.exists(p, has(p.podSelector) && (${selectsInternal('p.podSelector')}))))`;
    // Rule 5 on Kubernetes NetworkPolicies: the internal groups' labels in any pod selector.
    validations.push(
      rule(
        `!(request.resource.group == "networking.k8s.io" && has(object.spec) && ((has(object.spec.podSelector) && (${selectsInternal('object.spec.podSelector')})) || ${peers('ingress', 'from')} || ${peers('egress', 'to')}))`,
        ADMISSION_POLICY_MESSAGES.networkPolicy,
      ),
    );
  }
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'sgbridge' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules },
      matchConditions: conditions(s, { calicoRelay: true, controllers: true, breakGlass: true }),
      variables,
      validations,
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'sgbridge' } },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  return [policy, binding];
}
