// The mutating webhook's decision for a pod (SPEC §1, points 1–9).
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { annotationsOf, isRecord, labelsOf } from '../read.js';
import type { NamespaceFacts } from './annotation.js';
import { deriveMembership, type MembershipPolicy } from './derive.js';
import { defaultMembership, hasMembershipLabel, membershipPatch } from './patch.js';
import { derivePodMembership, serviceAccountOf } from './pod.js';

/** Only core/v1 pods carry membership; anything else sent to the pod webhook passes untouched. */
function isPod(request: AdmissionRequest): boolean {
  return request.resource.group === '' && request.resource.resource === 'pods';
}

/** Pure and idempotent. */
export function decideMutation(request: AdmissionRequest, policy: MembershipPolicy, ns: NamespaceFacts): Decision {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow();
  if (request.subResource || !isPod(request)) return allow();
  const pod = request.object;
  if (!isRecord(pod) || !isRecord(pod.metadata)) return deny('request.object is not a pod: it has no metadata', 400);
  const labels = labelsOf(pod, 'request.object');
  if (!labels.ok) return deny(labels.problem, 400);
  const annotations = annotationsOf(pod, 'request.object');
  if (!annotations.ok) return deny(annotations.problem, 400);
  const namespace = request.namespace ?? pod.metadata.namespace ?? '';
  // Setting off (nearly every cluster): the annotation alone, read as before.
  const membership = policy.securityGroupPolicies
    ? derivePodMembership({ annotations: pod.metadata.annotations, labels: pod.metadata.labels, serviceAccountName: serviceAccountOf(pod) }, policy, ns, namespace)
    : deriveMembership(pod.metadata.annotations, policy, ns, namespace);
  if (!membership.ok) return deny(membership.message);
  // Absent labels stay absent (not {}): the patch must then add /metadata/labels whole.
  const current = pod.metadata.labels as Record<string, string> | null | undefined;
  const decision = allow();
  if (membership.byDefault && current && !hasMembershipLabel(current)) {
    if (policy.defaults.patch.length) {
      decision.patch = policy.defaults.patch;
      decision.patchBase64 = policy.defaults.patchBase64;
    }
  } else if (membership.policies?.length && current && !hasMembershipLabel(current)) {
    // The same whole-set patch a default pod gets, made for this pod's groups: the patch and its
    // base64 text in one go.
    const { patch, patchBase64 } = defaultMembership(membership.groups);
    if (patch.length) {
      decision.patch = patch;
      decision.patchBase64 = patchBase64;
    }
  } else {
    const patch = membershipPatch(current, membership.groups);
    if (patch.length) decision.patch = patch;
  }
  if (membership.warnings.length) decision.warnings = membership.warnings;
  return decision;
}
