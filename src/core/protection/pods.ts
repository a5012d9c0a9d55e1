// Rule 6 of SPEC §2: the pod that is about to be stored must carry exactly the membership labels
// that SPEC §1 derives from its annotation. The mutating webhook makes that so; this catches a
// later mutating webhook (or anything else) that changed them afterwards.
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { deriveMembership, desiredLabels } from '../membership/index.js';
import { groupOfMembershipLabel, isMembershipLabel } from '../vocabulary.js';
import type { ProtectionContext } from './context.js';
import { messages } from './messages.js';
import { annotationsOf, isRecord, labelsOf } from './read.js';

function membershipOf(labels: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(labels).filter(([k]) => isMembershipLabel(k)));
}

/** Membership labels `want` has that `have` lacks or holds with another value, and those only `have` has. */
function membershipDiff(want: Map<string, string>, have: Map<string, string>): { missing: string[]; extra: string[] } {
  return { missing: [...want.keys()].filter((k) => have.get(k) !== want.get(k)), extra: [...have.keys()].filter((k) => !want.has(k)) };
}

/** Whether an update changes the membership labels `now` holds (unreadable old labels count as a change). */
function membershipChanged(now: Map<string, string>, oldObject: unknown): boolean {
  const before = isRecord(oldObject) ? labelsOf(oldObject, 'oldObject') : undefined;
  if (!before?.ok) return true;
  const { missing, extra } = membershipDiff(now, membershipOf(before.value));
  return missing.length > 0 || extra.length > 0;
}

export function podRule(request: AdmissionRequest, ctx: ProtectionContext): Decision {
  // Binding, ephemeral containers, resize…: labels are not written through these. pods/status is:
  // the pod status strategy keeps metadata changes, so a label change there faces this rule too.
  if (request.subResource && request.subResource !== 'status') return allow();
  const pod = request.object;
  if (!isRecord(pod)) return deny(messages.unreadable('pod', 'request.object is missing or not a JSON object'), 400);
  const labels = labelsOf(pod, 'object');
  if (!labels.ok) return deny(messages.unreadable('pod', labels.problem), 400);
  const have = membershipOf(labels.value);
  if (request.subResource === 'status' && !membershipChanged(have, request.oldObject)) return allow();
  const annotations = annotationsOf(pod, 'object');
  if (!annotations.ok) return deny(messages.unreadable('pod', annotations.problem), 400);

  const meta = isRecord(pod.metadata) ? pod.metadata : {};
  const namespace = request.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : '');
  // The namespace allow-list was the mutating webhook's to check; membership itself does not depend on it.
  const membership = deriveMembership(annotations.value, ctx.membership, { allowList: 'off' }, namespace);
  if (!membership.ok) return deny(messages.podAnnotation(membership.message));

  const { missing, extra } = membershipDiff(membershipOf(desiredLabels(labels.value, membership.groups)), have);
  if (missing.length === 0 && extra.length === 0) return allow();
  return deny(messages.podLabels(missing.map(groupOfMembershipLabel).sort(), extra.map(groupOfMembershipLabel).sort()));
}
