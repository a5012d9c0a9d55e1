// The JSON Patch (RFC 6902) that gives a pod exactly the membership labels of its groups, and the
// one most pods get, built once per membership policy.
import type { JsonPatchOp } from '../admission-types.js';
import { groupOfMembershipLabel, isMembershipLabel, MEMBERSHIP_LABEL_PREFIX, membershipLabel } from '../vocabulary.js';

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

/** True when the labels hold a membership label (most pods' do not). */
export function hasMembershipLabel(labels: Record<string, string>): boolean {
  for (const key in labels) if (isMembershipLabel(key)) return true;
  return false;
}

/**
 * labelPatch(current, desiredLabels(current, groups)), the same operations in the same order,
 * without building the desired labels: only membership labels can differ. `groups` are
 * distinct, as deriveMembership gives them.
 */
export function membershipPatch(current: Record<string, string> | null | undefined, groups: readonly string[]): JsonPatchOp[] {
  if (current === null || current === undefined) return labelPatch(current, desiredLabels(current, groups));
  // The pod's own membership labels, group → [label key, value], read from its keys rather than
  // looked up by a label key built per group; one pass over each side, so a pod carrying hundreds
  // of groups costs linear, not quadratic, time.
  let present: Map<string, [string, string]> | undefined;
  for (const key of Object.keys(current)) {
    if (isMembershipLabel(key)) (present ??= new Map()).set(groupOfMembershipLabel(key), [key, current[key]!]);
  }
  const keep: JsonPatchOp[] = [];
  let wanted = 0;
  for (const group of groups) {
    const label = present?.get(group);
    if (label === undefined) keep.push(addMembership(group));
    else {
      wanted++;
      if (label[1] !== '') keep.push({ op: 'replace', path: MEMBERSHIP_POINTER + escapePointer(group), value: '' });
    }
  }
  if (present === undefined || wanted === present.size) return keep;
  const wantedGroups = new Set(groups);
  const removes: JsonPatchOp[] = [];
  for (const [group, [key]] of present) if (!wantedGroups.has(group)) removes.push({ op: 'remove', path: LABELS_POINTER + escapePointer(key) });
  return [...removes, ...keep];
}

/**
 * What a pod without the annotation and without membership labels gets (nearly every pod): the
 * default groups, one add per group, and that patch as the base64 JSON an AdmissionReview
 * response carries. Made once with the policy, since it is the same for all those pods.
 */
export interface DefaultMembership {
  readonly groups: readonly string[];
  readonly patch: readonly JsonPatchOp[];
  /** `patch` as base64-encoded JSON text; empty when the patch is. */
  readonly patchBase64: string;
}

export function defaultMembership(groups: readonly string[]): DefaultMembership {
  const patch = groups.map(addMembership);
  return { groups, patch, patchBase64: patch.length ? Buffer.from(JSON.stringify(patch)).toString('base64') : '' };
}
