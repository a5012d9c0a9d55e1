// Rule 7 of SPEC §2: a namespace's aws.tigera.io/allowed-security-groups annotation decides which
// groups its pods may join (SPEC §1.8), so changing it (setting, editing or removing it, or creating
// a namespace with it) is a privilege sgbridge checks rather than leaving it to RBAC on namespaces.
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { NAMESPACE_ALLOWED_ANNOTATION } from '../vocabulary.js';
import type { ProtectionContext } from './context.js';
import { mayWriteAllowList } from './identity.js';
import { messages } from './messages.js';
import { annotationsOf, nameOf, type Readout } from './read.js';

export function namespaceRule(request: AdmissionRequest, ctx: ProtectionContext): Decision {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow();
  if (mayWriteAllowList(request, ctx)) return allow();
  const after = annotationsOf(request.object, 'object');
  if (!after.ok) return deny(messages.unreadable('Namespace', after.problem), 400);
  const before: Readout<Record<string, string>> = request.operation === 'UPDATE' ? annotationsOf(request.oldObject, 'oldObject') : { ok: true, value: {} };
  if (!before.ok) return deny(messages.unreadable('Namespace', before.problem), 400);
  if (after.value[NAMESPACE_ALLOWED_ANNOTATION] === before.value[NAMESPACE_ALLOWED_ANNOTATION]) return allow();
  return deny(messages.allowListAnnotation(nameOf(request.object) ?? request.name ?? '(unnamed)'));
}
