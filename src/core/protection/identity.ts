// Who may write the integration's objects (SPEC §2): sgbridge itself; calico-apiserver when it
// relays into crd.projectcalico.org (the user was already checked in projectcalico.org); the
// garbage collector and namespace controller when they delete; configured break-glass users.
import type { AdmissionRequest } from '../admission-types.js';
import type { ProtectionContext } from './context.js';
import { isRecord } from './read.js';

export const CRD_GROUP = 'crd.projectcalico.org';
export const GARBAGE_COLLECTOR = 'system:serviceaccount:kube-system:generic-garbage-collector';
export const NAMESPACE_CONTROLLER = 'system:serviceaccount:kube-system:namespace-controller';

export type Trust = { trusted: true; as: string } | { trusted: false; user: string };

/** The request's user name and groups, read defensively ('' and [] when absent or malformed). */
export function userOf(request: AdmissionRequest): { user: string; groups: string[] } {
  const info = isRecord(request.userInfo) ? request.userInfo : {};
  const user = typeof info.username === 'string' ? info.username : '';
  const groups = Array.isArray(info.groups) ? info.groups.filter((g): g is string => typeof g === 'string') : [];
  return { user, groups };
}

/**
 * Trusted for everything sgbridge protects. The Calico operator and the allow-list writers are
 * trusted for narrower things; the rules that need them ask `isCalicoOperator` or `mayWriteAllowList`.
 */
export function trustOf(request: AdmissionRequest, ctx: ProtectionContext): Trust {
  const { user, groups } = userOf(request);
  const group = isRecord(request.kind) && typeof request.kind.group === 'string' ? request.kind.group : '';

  if (user !== '' && user === ctx.syncerIdentity) return { trusted: true, as: 'syncer' };
  if (user !== '' && user === ctx.calicoApiserverIdentity && group === CRD_GROUP) return { trusted: true, as: 'calico-apiserver' };
  if (request.operation === 'DELETE' && (user === GARBAGE_COLLECTOR || user === NAMESPACE_CONTROLLER)) return { trusted: true, as: 'controller' };
  if (user !== '' && ctx.breakGlassUsers.has(user)) return { trusted: true, as: 'break-glass user' };
  const glass = groups.find((g) => ctx.breakGlassGroups.has(g));
  if (glass !== undefined) return { trusted: true, as: `break-glass group ${glass}` };
  return { trusted: false, user: user || '(anonymous)' };
}

/** SPEC §2 rule 3: Calico's operator installs the allow-listed tiers and the policies in them. */
export function isCalicoOperator(request: AdmissionRequest, ctx: ProtectionContext): boolean {
  const { user } = userOf(request);
  return user !== '' && user === ctx.calicoOperatorIdentity;
}

/** SPEC §2 rule 7: who may change a namespace's allow-list annotation, besides the fully trusted. */
export function mayWriteAllowList(request: AdmissionRequest, ctx: ProtectionContext): boolean {
  const { user, groups } = userOf(request);
  return (user !== '' && ctx.allowListWriterUsers.has(user)) || groups.some((g) => ctx.allowListWriterGroups.has(g));
}
