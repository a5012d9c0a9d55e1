// What a translation gives back: the objects, the peers of AWS permissions that became no rule,
// and a summary of both for people.
import type { CalicoObject } from '../calico.js';

export type SkipReason =
  | 'other-vpc'
  | 'other-account'
  | 'unknown-group'
  | 'missing-prefix-list'
  | 'invalid-cidr'
  | 'ip-version-mismatch'
  | 'unsupported-protocol'
  | 'invalid-icmp';

/** A peer of an AWS permission that became no Calico rule (fail closed), and why. */
export interface SkippedPeer {
  groupId: string;
  direction: 'inbound' | 'outbound';
  /** The peer as AWS names it: a group id, a prefix list id, a CIDR, or the protocol. */
  peer: string;
  reason: SkipReason;
  detail: string;
}

export interface TranslationSummary {
  groups: number;
  tiers: number;
  policies: number;
  rules: number;
  hostEndpoints: number;
  networkSets: number;
  skipped: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
}

export interface Translation {
  objects: CalicoObject[];
  skipped: SkippedPeer[];
  summary: TranslationSummary;
}

export function summarize(objects: readonly CalicoObject[], skipped: readonly SkippedPeer[], groups: number): TranslationSummary {
  const s: TranslationSummary = { groups, tiers: 0, policies: 0, rules: 0, hostEndpoints: 0, networkSets: 0, skipped: skipped.length, skippedByReason: {} };
  for (const o of objects) {
    if (o.kind === 'Tier') s.tiers++;
    else if (o.kind === 'GlobalNetworkPolicy' || o.kind === 'NetworkPolicy') {
      s.policies++;
      s.rules += ((o.spec.ingress as unknown[] | undefined)?.length ?? 0) + ((o.spec.egress as unknown[] | undefined)?.length ?? 0);
    } else if (o.kind === 'HostEndpoint') s.hostEndpoints++;
    else if (o.kind === 'GlobalNetworkSet' || o.kind === 'NetworkSet') s.networkSets++;
  }
  for (const k of skipped) s.skippedByReason[k.reason] = (s.skippedByReason[k.reason] ?? 0) + 1;
  return s;
}

/** One line for stderr: what was rendered and which peers were left out, and why. */
export function summaryLine(s: TranslationSummary): string {
  const reasons = Object.entries(s.skippedByReason)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  const skipped = s.skipped === 0 ? 'no peers skipped' : `${s.skipped} peer${s.skipped === 1 ? '' : 's'} skipped (${reasons})`;
  return `${s.groups} groups → ${s.tiers} tiers, ${s.policies} policies, ${s.rules} rules, ${s.hostEndpoints} host endpoints, ${s.networkSets} node network sets; ${skipped}`;
}
