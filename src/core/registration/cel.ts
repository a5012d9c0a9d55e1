// What sgbridge's admission registrations share (webhook matchConditions and the
// ValidatingAdmissionPolicy): CEL string literals, the trusted-identity conditions, and the tests
// that decide whether a write reaches sgbridge at all. A condition that errors lets the request
// past a failurePolicy Ignore webhook, so every map access here is guarded.
import { GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER } from '../protection/identity.js';
import { MEMBERSHIP_LABEL_PREFIX, SG_ANNOTATION } from '../vocabulary.js';
import type { WebhookSettings } from './options.js';

/** The API groups Calico objects are written through: the aggregated v3 API and the CRDs. */
export const CALICO_API_GROUPS = { v3: 'projectcalico.org', crd: 'crd.projectcalico.org' } as const;

export interface MatchCondition {
  name: string;
  expression: string;
}

/** A CEL string literal (JSON string syntax is valid CEL for these). */
export function celString(value: string): string {
  return JSON.stringify(value);
}
export function celList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/**
 * CEL: the update changes the pod's labels. pods/status updates may change metadata (Kubernetes'
 * pod status strategy only resets spec and owner references), so a label change there must face
 * rule 6 too (MEMBERSHIP_SOURCE_CHANGED adds the pod annotation).
 */
export const LABELS_CHANGED =
  'has(object.metadata.labels) != has(oldObject.metadata.labels) || (has(object.metadata.labels) && object.metadata.labels != oldObject.metadata.labels)';

/**
 * CEL: the write sets, changes or removes annotation `key` (a CREATE that carries it sets it). Both
 * branches are plain booleans and every map access is guarded, so the condition never errors: an
 * error would let the request past a failurePolicy Ignore webhook.
 */
export function annotationChanged(key: string): string {
  const k = celString(key);
  const inOld = `oldObject != null && has(oldObject.metadata.annotations) && ${k} in oldObject.metadata.annotations`;
  return `has(object.metadata.annotations) && ${k} in object.metadata.annotations ? !(${inOld} && oldObject.metadata.annotations[${k}] == object.metadata.annotations[${k}]) : (${inOld})`;
}

/** CEL: a pods/status update moves what membership follows, the labels or the pod annotation; kubelet's own status updates move neither and never reach sgbridge. */
export const MEMBERSHIP_SOURCE_CHANGED = `(${LABELS_CHANGED}) || (${annotationChanged(SG_ANNOTATION)})`;

/** CEL: a Binding carries the pod annotation or a membership label (the apiserver copies its annotations onto the pod). */
export const BINDING_CARRIES_MEMBERSHIP =
  `(has(object.metadata.annotations) && (${celString(SG_ANNOTATION)} in object.metadata.annotations || object.metadata.annotations.exists(k, k.startsWith(${celString(MEMBERSHIP_LABEL_PREFIX)})))) || ` +
  `(has(object.metadata.labels) && object.metadata.labels.exists(k, k.startsWith(${celString(MEMBERSHIP_LABEL_PREFIX)})))`;

/** CEL: the requesting user is in one of `groups`. */
export function inGroups(groups: readonly string[]): string {
  return `has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${celList(groups)})`;
}

/** Conditions that skip `users` and members of `groups` (none for an empty list). */
function notAnyOf(name: string, users: readonly string[], groups: readonly string[]): MatchCondition[] {
  const out: MatchCondition[] = [];
  if (users.length > 0) out.push({ name: `not-${name}-user`, expression: `!(request.userInfo.username in ${celList(users)})` });
  if (groups.length > 0) out.push({ name: `not-${name}-group`, expression: `!(${inGroups(groups)})` });
  return out;
}

/** The webhook is called only when every condition holds: each names one trusted identity. */
export function conditions(s: WebhookSettings, which: { calicoRelay?: boolean; controllers?: boolean; breakGlass?: boolean; allowListWriters?: boolean }): MatchCondition[] {
  const out: MatchCondition[] = [{ name: 'not-sgbridge', expression: `request.userInfo.username != ${celString(s.syncerIdentity)}` }];
  if (which.calicoRelay) {
    out.push({
      name: 'not-calico-apiserver-relay',
      expression: `!(request.kind.group == ${celString(CALICO_API_GROUPS.crd)} && request.userInfo.username == ${celString(s.calicoApiserverIdentity)})`,
    });
  }
  if (which.controllers) {
    out.push({
      name: 'not-controller-delete',
      expression: `!(request.operation == "DELETE" && request.userInfo.username in ${celList([GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER])})`,
    });
  }
  if (which.breakGlass) out.push(...notAnyOf('break-glass', s.breakGlassUsers, s.breakGlassGroups));
  if (which.allowListWriters) out.push(...notAnyOf('allow-list-writer', s.allowListWriterUsers, s.allowListWriterGroups));
  return out;
}

