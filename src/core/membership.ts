// Pod membership (SPEC §1): the annotation alone decides a pod's sg.aws.tigera.io/* labels.
import { allow, deny, type AdmissionRequest, type Decision, type JsonPatchOp } from './admission-types.js';
import { memoByIdentity } from './memo.js';
import { annotationsOf, isRecord, labelsOf } from './read.js';
import { parseSgList, SG_LIST_EXAMPLE } from './sg-list.js';
import { groupOfMembershipLabel, isMembershipLabel, MEMBERSHIP_LABEL_PREFIX, membershipLabel, NAMESPACE_ALLOWED_ANNOTATION, SG_ANNOTATION } from './vocabulary.js';

/** Read-only: the groups of pods without the annotation are computed once per policy object. */
export interface MembershipPolicy {
  /** Groups of pods without the annotation. */
  readonly nodeGroups: readonly string[];
  /** Every pod is in it (absent when the inventory has none). */
  readonly podDefaultGroup?: string;
  /** Trust and enforced groups: never named by users. */
  forbiddenGroups: ReadonlySet<string>;
  /** Groups the inventory knows; others warn, or deny when strict. */
  knownGroups: ReadonlySet<string>;
  strict: boolean;
  /** What a namespace without the allow-list annotation permits. */
  namespaceDefault: 'all' | 'none';
}

/**
 * What the adapter knows of the pod's namespace: `off` when no cluster is reachable; `unknown`
 * when the cluster could not tell (the allow-list then fails closed for pods that name groups).
 */
export type NamespaceFacts =
  | { allowList: 'off' }
  | { allowList: 'on'; annotations: Record<string, string> }
  | { allowList: 'unknown'; problem: string };

export type Membership = { ok: true; groups: readonly string[]; warnings: string[] } | { ok: false; message: string };

/** The groups of a pod without the annotation: the node groups and the pod default, sorted; computed once per policy. */
const defaultGroupsOf = memoByIdentity((policy: MembershipPolicy): readonly string[] => Object.freeze(sortedGroups(policy.nodeGroups, policy.podDefaultGroup)));

function sortedGroups(base: readonly string[], podDefaultGroup: string | undefined): string[] {
  const groups = new Set(base);
  if (podDefaultGroup) groups.add(podDefaultGroup);
  return [...groups].sort();
}

/** The groups a pod belongs to, from its annotations alone. */
export function deriveMembership(annotations: Record<string, string> | null | undefined, policy: MembershipPolicy, ns: NamespaceFacts, namespaceName = ''): Membership {
  const raw = annotations?.[SG_ANNOTATION];
  // Most pods: no annotation, so nothing to check and the policy's default groups.
  if (raw === undefined) return { ok: true, groups: defaultGroupsOf(policy), warnings: [] };
  const parsed = parseSgList(raw);
  if (!parsed.ok) return { ok: false, message: `annotation ${SG_ANNOTATION} ${parsed.problem}; expected a JSON array of security group ids, e.g. ${SG_ANNOTATION}=${SG_LIST_EXAMPLE}` };
  const named = parsed.ids;
  const forbidden = named.filter((g) => policy.forbiddenGroups.has(g));
  if (forbidden.length) return { ok: false, message: `security group ${forbidden.join(', ')} is internal to the integration and cannot be named in ${SG_ANNOTATION}; use your own groups` };

  const nsCheck = checkNamespace(named, ns, policy.namespaceDefault, namespaceName);
  if (nsCheck) return { ok: false, message: nsCheck };

  const unknown = named.filter((g) => !policy.knownGroups.has(g) && g !== policy.podDefaultGroup);
  if (unknown.length && policy.strict) return { ok: false, message: `security group ${unknown.join(', ')} is not in the VPC sgbridge reads; create it in AWS first (strict mode)` };
  const warnings = unknown.map((g) => `${SG_ANNOTATION}: ${g} is not a security group sgbridge knows; no policy enforces it until it exists in the VPC`);

  return { ok: true, groups: sortedGroups(named, policy.podDefaultGroup), warnings };
}

function checkNamespace(named: string[], ns: NamespaceFacts, dflt: 'all' | 'none', namespaceName: string): string | undefined {
  if (ns.allowList === 'off' || named.length === 0) return undefined;
  if (ns.allowList === 'unknown') {
    return `cannot check ${NAMESPACE_ALLOWED_ANNOTATION} of namespace ${namespaceName} (${ns.problem}), so pods there may not name security groups until the Kubernetes API answers; retry shortly`;
  }
  const value = ns.annotations[NAMESPACE_ALLOWED_ANNOTATION];
  if (value === undefined) {
    return dflt === 'all' ? undefined : `namespace ${namespaceName} does not allow security groups (no ${NAMESPACE_ALLOWED_ANNOTATION} annotation); ask its owner to list ${named[0]} there`;
  }
  const allowed = parseSgList(value, true);
  if (!allowed.ok) return `namespace ${namespaceName} annotation ${NAMESPACE_ALLOWED_ANNOTATION} ${allowed.problem}; expected e.g. '["sg-0123456789abcdef0"]' or '["*"]'`;
  if (allowed.wildcard) return undefined;
  const refused = named.filter((g) => !allowed.ids.includes(g));
  return refused.length
    ? `security group ${refused.join(', ')} is not permitted for pods in namespace ${namespaceName} (${NAMESPACE_ALLOWED_ANNOTATION} lists ${allowed.ids.join(', ') || 'none'})`
    : undefined;
}

/** The labels the pod must end up with: its own non-membership labels plus one per group. */
export function desiredLabels(current: Record<string, string> | null | undefined, groups: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(current ?? {})) if (!isMembershipLabel(k)) out[k] = v;
  for (const g of groups) out[membershipLabel(g)] = '';
  return out;
}

/** RFC 6901 reference token. */
export function escapePointer(token: string): string {
  const tildes = token.includes('~') ? token.replaceAll('~', '~0') : token;
  return tildes.includes('/') ? tildes.replaceAll('/', '~1') : tildes;
}

const LABELS_POINTER = '/metadata/labels/';
const MEMBERSHIP_POINTER = LABELS_POINTER + escapePointer(MEMBERSHIP_LABEL_PREFIX);

/** A minimal RFC 6902 patch from the current labels to the desired ones. */
export function labelPatch(current: Record<string, string> | null | undefined, desired: Record<string, string>): JsonPatchOp[] {
  if (current === null || current === undefined) return Object.keys(desired).length ? [{ op: 'add', path: '/metadata/labels', value: desired }] : [];
  const ops: JsonPatchOp[] = [];
  for (const key of Object.keys(current)) if (!(key in desired)) ops.push({ op: 'remove', path: LABELS_POINTER + escapePointer(key) });
  for (const [key, value] of Object.entries(desired)) {
    if (!(key in current)) ops.push({ op: 'add', path: LABELS_POINTER + escapePointer(key), value });
    else if (current[key] !== value) ops.push({ op: 'replace', path: LABELS_POINTER + escapePointer(key), value });
  }
  return ops;
}

const addMembership = (group: string): JsonPatchOp => ({ op: 'add', path: MEMBERSHIP_POINTER + escapePointer(group), value: '' });

/** A frozen patch of one add per group, for a frozen list of groups: made once per list. */
const sharedAddsOf = memoByIdentity((groups: readonly string[]): readonly JsonPatchOp[] => Object.freeze(groups.map((g) => Object.freeze(addMembership(g)))));

/**
 * One add per group. A frozen list of groups (a policy's default groups: most pods carry no
 * annotation) gets one shared, frozen patch, so that the codec can also encode it once.
 */
function addsOf(groups: readonly string[]): readonly JsonPatchOp[] {
  return Object.isFrozen(groups) ? sharedAddsOf(groups) : groups.map(addMembership);
}

/**
 * labelPatch(current, desiredLabels(current, groups)), the same operations in the same order,
 * without building the desired labels: only membership labels can differ. It runs on every pod
 * creation. `groups` are distinct, as deriveMembership gives them.
 */
export function membershipPatch(current: Record<string, string> | null | undefined, groups: readonly string[]): readonly JsonPatchOp[] {
  if (current === null || current === undefined) return labelPatch(current, desiredLabels(current, groups));
  const ops: JsonPatchOp[] = [];
  // The pod's own membership labels, group → value, read from its keys rather than looked up by
  // a label key built per group (most pods have none, so this stays undefined).
  let present: Map<string, string> | undefined;
  for (const key of Object.keys(current)) {
    if (!isMembershipLabel(key)) continue;
    const group = groupOfMembershipLabel(key);
    if (groups.includes(group)) (present ??= new Map()).set(group, current[key]!);
    else ops.push({ op: 'remove', path: LABELS_POINTER + escapePointer(key) });
  }
  // No membership label yet (nearly every pod): one add per group, shared when the groups are.
  if (present === undefined && ops.length === 0) return addsOf(groups);
  for (const group of groups) {
    const value = present?.get(group);
    if (value === undefined) ops.push(addMembership(group));
    else if (value !== '') ops.push({ op: 'replace', path: MEMBERSHIP_POINTER + escapePointer(group), value: '' });
  }
  return ops;
}

/** Only core/v1 pods carry membership; anything else sent to the pod webhook passes untouched. */
function isPod(request: AdmissionRequest): boolean {
  return request.resource.group === '' && request.resource.resource === 'pods';
}

/** The mutating webhook's decision for a pod (SPEC §1, points 1–9). Pure and idempotent. */
export function decideMutation(request: AdmissionRequest, policy: MembershipPolicy, ns: NamespaceFacts): Decision {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow();
  if (request.subResource || !isPod(request)) return allow();
  const pod = request.object;
  if (!isRecord(pod) || !isRecord(pod.metadata)) return deny('request.object is not a pod: it has no metadata', 400);
  const labels = labelsOf(pod, 'request.object');
  if (!labels.ok) return deny(labels.problem, 400);
  const annotations = annotationsOf(pod, 'request.object');
  if (!annotations.ok) return deny(annotations.problem, 400);
  const membership = deriveMembership(pod.metadata.annotations, policy, ns, request.namespace ?? pod.metadata.namespace ?? '');
  if (!membership.ok) return deny(membership.message);
  // Absent labels stay absent (not {}): the patch must then add /metadata/labels whole.
  const current = pod.metadata.labels as Record<string, string> | null | undefined;
  const patch = membershipPatch(current, membership.groups);
  const decision = allow();
  if (patch.length) decision.patch = patch;
  if (membership.warnings.length) decision.warnings = membership.warnings;
  return decision;
}
