// Rule 6 of SPEC §2: the pod that is about to be stored must carry exactly the membership labels
// that SPEC §1 derives from its annotation under its namespace's allow-list. The mutating webhook
// makes that so; this catches a later mutating webhook, and writes that no mutating webhook sees:
// pods/status (the pod status strategy keeps label and annotation changes) and pods/binding (the
// apiserver copies a Binding's annotations onto the pod).
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { derivePodMembership, desiredLabels, serviceAccountOf, type NamespaceFacts } from '../membership/index.js';
import { groupOfMembershipLabel, isMembershipLabel, SG_ANNOTATION } from '../vocabulary.js';
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

/** Whether a status update leaves both the membership labels and the annotation as they were (unreadable old metadata counts as a change). */
function membershipSourceUnchanged(now: Map<string, string>, annotation: string | undefined, oldObject: unknown): boolean {
  const before = isRecord(oldObject) ? labelsOf(oldObject, 'oldObject') : undefined;
  const beforeAnnotations = isRecord(oldObject) ? annotationsOf(oldObject, 'oldObject') : undefined;
  if (!before?.ok || !beforeAnnotations?.ok) return false;
  const { missing, extra } = membershipDiff(now, membershipOf(before.value));
  return missing.length === 0 && extra.length === 0 && beforeAnnotations.value[SG_ANNOTATION] === annotation;
}

type Metadata = { labels: Record<string, string>; annotations: Record<string, string> };

/** The labels and annotations of `request.object`, or the 400 that says which one is unreadable. */
function metadataMaps(request: AdmissionRequest, kind: string): Metadata | Decision {
  const obj = request.object;
  if (!isRecord(obj)) return deny(messages.unreadable(kind, 'request.object is missing or not a JSON object'), 400);
  const labels = labelsOf(obj, 'object');
  if (!labels.ok) return deny(messages.unreadable(kind, labels.problem), 400);
  const annotations = annotationsOf(obj, 'object');
  if (!annotations.ok) return deny(messages.unreadable(kind, annotations.problem), 400);
  return { labels: labels.value, annotations: annotations.value };
}

const isDecision = (m: Metadata | Decision): m is Decision => 'allowed' in m;

/** A Binding's annotations land on the pod unchecked, so one that carries the annotation or a membership label is refused. */
function bindingRule(request: AdmissionRequest): Decision {
  const meta = metadataMaps(request, 'Binding');
  if (isDecision(meta)) return meta;
  if (meta.annotations[SG_ANNOTATION] !== undefined) return deny(messages.binding(`annotation ${SG_ANNOTATION}`));
  const forged = [...Object.keys(meta.annotations), ...Object.keys(meta.labels)].find(isMembershipLabel);
  return forged ? deny(messages.binding(forged)) : allow();
}

export function podRule(request: AdmissionRequest, ctx: ProtectionContext, ns: NamespaceFacts): Decision {
  if (request.subResource === 'binding') return bindingRule(request);
  // Ephemeral containers, resize…: labels and annotations are not written through these.
  if (request.subResource && request.subResource !== 'status') return allow();
  const meta = metadataMaps(request, 'pod');
  if (isDecision(meta)) return meta;
  const have = membershipOf(meta.labels);
  // A status update that moves neither the labels nor the annotation leaves membership as it was.
  if (request.subResource === 'status' && membershipSourceUnchanged(have, meta.annotations[SG_ANNOTATION], request.oldObject)) return allow();

  const podMeta = request.object?.metadata;
  const namespace = request.namespace ?? (typeof podMeta?.namespace === 'string' ? podMeta.namespace : '');
  const membership = derivePodMembership({ annotations: meta.annotations, labels: meta.labels, serviceAccountName: serviceAccountOf(request.object) }, ctx.membership, ns, namespace);
  if (!membership.ok) return deny(messages.podAnnotation(membership.message));

  const { missing, extra } = membershipDiff(membershipOf(desiredLabels(meta.labels, membership.groups)), have);
  if (missing.length === 0 && extra.length === 0) return allow();
  return deny(messages.podLabels(missing.map(groupOfMembershipLabel).sort(), extra.map(groupOfMembershipLabel).sort()));
}
