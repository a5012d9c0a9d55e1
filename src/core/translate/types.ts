import type { CalicoObject } from '../calico.js';
import type { ClusterNode } from '../inventory.js';

/** What the cluster says that the translation needs (none without a cluster). */
export interface ClusterFacts {
  nodes: ClusterNode[];
}

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
