// What the validating decision needs to know, built once from settings and the inventory (and
// rebuilt when either changes) so that each request is a cheap, pure lookup.
import { resolveInternalGroups } from '../internal-groups.js';
import type { ClusterNode, Inventory } from '../inventory.js';
import type { MembershipPolicy } from '../membership/index.js';
import { membershipPolicyFrom } from '../membership-policy.js';
import type { Settings } from '../settings.js';
import { ENFORCED_GROUP_NAME, TRUST_GROUP_NAME } from '../vocabulary.js';

export interface InternalGroup {
  id: string;
  /** What users know it as, for messages. */
  role: string;
}

export interface ProtectionContext {
  syncerIdentity: string;
  calicoApiserverIdentity: string;
  breakGlassUsers: ReadonlySet<string>;
  breakGlassGroups: ReadonlySet<string>;
  /** Trusted for the allow-listed tiers and for policies in tiers at or before order 107. */
  calicoOperatorIdentity: string;
  /** Who may change a namespace's allow-list annotation (besides sgbridge and break-glass). */
  allowListWriterUsers: ReadonlySet<string>;
  allowListWriterGroups: ReadonlySet<string>;
  /** Tiers that may run at or before the integration's tiers. */
  tierAllowList: ReadonlySet<string>;
  /** Trust, enforced and pod default groups that are known (by setting or by name). */
  internalGroups: readonly InternalGroup[];
  /** The same rules the mutating webhook applies, so both webhooks agree on every pod. */
  membership: MembershipPolicy;
}

export interface ProtectionOptions {
  /** Cluster nodes, when known, for node groups (default: the inventory's recorded nodes). */
  nodes?: ClusterNode[];
  /** The mutating webhook's policy: pass it so both webhooks derive identical membership. */
  membership?: MembershipPolicy;
}

export function protectionContextFrom(settings: Settings, inventory: Inventory, options: ProtectionOptions = {}): ProtectionContext {
  const internal = resolveInternalGroups(settings, inventory);
  const groups: InternalGroup[] = [];
  if (internal.trust) groups.push({ id: internal.trust.toLowerCase(), role: `trust group ${TRUST_GROUP_NAME}` });
  if (internal.enforced) groups.push({ id: internal.enforced.toLowerCase(), role: `enforced group ${ENFORCED_GROUP_NAME}` });
  if (internal.podDefault) groups.push({ id: internal.podDefault.toLowerCase(), role: 'pod default group' });
  return {
    syncerIdentity: settings.syncerIdentity,
    calicoApiserverIdentity: settings.calicoApiserverIdentity,
    breakGlassUsers: new Set(settings.breakGlassUsers),
    breakGlassGroups: new Set(settings.breakGlassGroups),
    calicoOperatorIdentity: settings.calicoOperatorIdentity,
    allowListWriterUsers: new Set(settings.allowListWriterUsers),
    allowListWriterGroups: new Set(settings.allowListWriterGroups),
    tierAllowList: new Set(settings.tierAllowList),
    internalGroups: groups,
    membership: options.membership ?? membershipPolicyFrom(settings, inventory, options.nodes ?? inventory.nodes ?? []),
  };
}
