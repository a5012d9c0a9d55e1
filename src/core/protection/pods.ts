// Rule 6 of SPEC §2: the pod that is about to be stored must carry exactly the membership labels
// that SPEC §1 derives from its annotation. The mutating webhook makes that so; this catches a
// later mutating webhook (or anything else) that changed them afterwards.
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { deriveMembership, desiredLabels } from '../membership.js';
import { isMembershipLabel, MEMBERSHIP_LABEL_PREFIX } from '../vocabulary.js';
import type { ProtectionContext } from './context.js';
import { messages } from './messages.js';
import { annotationsOf, isRecord, labelsOf } from './read.js';

function membershipOf(labels: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(labels).filter(([k]) => isMembershipLabel(k)));
}

const groupOf = (label: string) => label.slice(MEMBERSHIP_LABEL_PREFIX.length);

/** Whether the update touches membership labels (unreadable labels count as a change). */
function membershipChanged(request: AdmissionRequest): boolean {
  const now = isRecord(request.object) ? labelsOf(request.object, 'object') : undefined;
  const before = isRecord(request.oldObject) ? labelsOf(request.oldObject, 'oldObject') : undefined;
  if (!now?.ok || !before?.ok) return true;
  const a = membershipOf(now.value);
  const b = membershipOf(before.value);
  return a.size !== b.size || [...a].some(([k, v]) => b.get(k) !== v);
}

export function podRule(request: AdmissionRequest, ctx: ProtectionContext): Decision {
  // Binding, ephemeral containers, resize…: labels are not written through these. pods/status is:
  // the pod status strategy keeps metadata changes, so a label change there faces this rule too.
  if (request.subResource && request.subResource !== 'status') return allow();
  const pod = request.object;
  if (request.subResource === 'status' && !membershipChanged(request)) return allow();
  if (!isRecord(pod)) return deny(messages.unreadable('pod', 'request.object is missing or not a JSON object'), 400);
  const labels = labelsOf(pod, 'object');
  if (!labels.ok) return deny(messages.unreadable('pod', labels.problem), 400);
  const annotations = annotationsOf(pod, 'object');
  if (!annotations.ok) return deny(messages.unreadable('pod', annotations.problem), 400);

  const meta = isRecord(pod.metadata) ? pod.metadata : {};
  const namespace = request.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : '');
  // The namespace allow-list was the mutating webhook's to check; membership itself does not depend on it.
  const membership = deriveMembership(annotations.value, ctx.membership, { allowList: 'off' }, namespace);
  if (!membership.ok) return deny(messages.podAnnotation(membership.message));

  const want = membershipOf(desiredLabels(labels.value, membership.groups));
  const have = membershipOf(labels.value);
  const missing = [...want.keys()].filter((k) => have.get(k) !== want.get(k)).map(groupOf);
  const extra = [...have.keys()].filter((k) => !want.has(k)).map(groupOf);
  if (missing.length === 0 && extra.length === 0) return allow();
  return deny(messages.podLabels(missing.sort(), extra.sort()));
}
