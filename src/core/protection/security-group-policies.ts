// SecurityGroupPolicies give pods groups as the annotation does (issue 22), so a policy faces the
// annotation's rules at admission: the trust and enforced groups are refused, the namespace's
// allow-list applies, unknown groups warn (or, strict, are refused). The groups go through the
// annotation's own derivation, so both say the same thing; an invalid policy (what the AWS
// controller would ignore, or a selector Kubernetes refuses) is refused with the field it is in.
// An item of groupIds that is not a group id only warns: AWS's own sample holds one.
import { isDeepStrictEqual } from 'node:util';
import { allow, deny, type AdmissionRequest, type Decision } from '../admission-types.js';
import { deriveMembership, type NamespaceFacts } from '../membership/index.js';
import { compilePolicy, SGP_GROUP, SGP_KIND, SGP_RESOURCE } from '../security-group-policy/index.js';
import { SG_ANNOTATION } from '../vocabulary.js';
import type { ProtectionContext } from './context.js';
import { fit, messages } from './messages.js';
import { isRecord } from './read.js';

export function isSecurityGroupPolicyRequest(request: AdmissionRequest): boolean {
  // Untrusted JSON: kind or resource may be missing or malformed.
  const kind: Partial<Record<string, unknown>> = isRecord(request.kind) ? request.kind : {};
  const resource: Partial<Record<string, unknown>> = isRecord(request.resource) ? request.resource : {};
  const group = typeof kind.group === 'string' && kind.group !== '' ? kind.group : resource.group;
  return group === SGP_GROUP && (kind.kind === SGP_KIND || resource.resource === SGP_RESOURCE);
}

/**
 * The decision for a SecurityGroupPolicy CREATE or UPDATE (other operations and subresources pass:
 * deleting a policy only takes groups away). Only the new object counts. Nobody is exempt, as
 * nobody is from the annotation's rules. An UPDATE that leaves the spec as it was (labels,
 * finalizers, owner references) passes, so that a policy stored before this rule, invalid or not,
 * can still be relabelled and garbage-collected; membership checks its groups again anyway.
 */
export function securityGroupPolicyRule(request: AdmissionRequest, ctx: ProtectionContext, namespace: NamespaceFacts): Decision {
  if ((request.operation !== 'CREATE' && request.operation !== 'UPDATE') || request.subResource) return allow();
  if (!isRecord(request.object)) return deny(messages.unreadable(SGP_KIND, 'request.object is missing or not a JSON object'), 400);
  if (request.operation === 'UPDATE' && isRecord(request.oldObject) && isDeepStrictEqual(request.object.spec, request.oldObject.spec)) return allow();
  const policy = compilePolicy(request.object, { namespace: request.namespace, name: request.name });
  const what = `${SGP_KIND} ${policy.ref.namespace}/${policy.ref.name}`;
  if (!policy.valid) return deny(fit(`${what} ${policy.reason}`));
  const membership = deriveMembership({ [SG_ANNOTATION]: JSON.stringify(policy.groups) }, ctx.membership, namespace, policy.ref.namespace);
  if (!membership.ok) return deny(fit(`${what} spec.securityGroups.groupIds: ${membership.message}`));
  const warnings = [...policy.warnings.map((w) => `${what} ${w}`), ...membership.warnings.map((w) => `${what}: ${w}`)];
  return warnings.length ? allow({ warnings }) : allow();
}
