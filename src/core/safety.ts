// The syncer's safety rules (SPEC §4), pure:
// 1. a round in which any read failed changes nothing (partial data must never open or close traffic);
// 2. a round that would delete more than `deleteThreshold` of sgbridge's objects holds the
//    deletions back until the same deletions come up for `deleteHoldRounds` rounds in a row, or
//    an operator sets `allowDeletions`.
import type { Settings } from './settings.js';
import { sameItems } from './same-items.js';

export interface HoldState {
  /** The held deletion set (sorted keys) and how many consecutive rounds it has come up. */
  keys: string[];
  rounds: number;
}

export const NO_HOLD: HoldState = { keys: [], rounds: 0 };

export type SafetySettings = Pick<Settings, 'deleteThreshold' | 'deleteHoldRounds' | 'allowDeletions'>;

export type Verdict =
  | { action: 'skip'; reason: string; state: HoldState }
  | { action: 'write'; deleteKeys: string[]; heldKeys: string[]; reason?: string; state: HoldState };

export function judgeRound(input: { readFailures: string[]; deleteKeys: string[]; managedCount: number; settings: SafetySettings; state: HoldState }): Verdict {
  const { readFailures, managedCount, settings, state } = input;
  if (readFailures.length) {
    return { action: 'skip', reason: `not writing: ${readFailures.length} read(s) failed (${readFailures.join('; ')})`, state };
  }
  const deleteKeys = [...new Set(input.deleteKeys)].sort();
  if (deleteKeys.length === 0) return { action: 'write', deleteKeys, heldKeys: [], state: NO_HOLD };
  const share = managedCount > 0 ? deleteKeys.length / managedCount : 1;
  if (share <= settings.deleteThreshold) return { action: 'write', deleteKeys, heldKeys: [], state: NO_HOLD };
  if (settings.allowDeletions) {
    return { action: 'write', deleteKeys, heldKeys: [], reason: `deleting ${pct(share)} of sgbridge's objects: allowed by allowDeletions`, state: NO_HOLD };
  }
  const repeated = sameItems(state.keys, deleteKeys) ? state.rounds + 1 : 1;
  if (repeated >= settings.deleteHoldRounds) {
    return { action: 'write', deleteKeys, heldKeys: [], reason: `deleting ${pct(share)} of sgbridge's objects: the same deletions came up ${repeated} rounds in a row`, state: NO_HOLD };
  }
  return {
    action: 'write',
    deleteKeys: [],
    heldKeys: deleteKeys,
    reason: `holding ${deleteKeys.length} deletion(s), ${pct(share)} of ${managedCount} objects (threshold ${pct(settings.deleteThreshold)}): round ${repeated} of ${settings.deleteHoldRounds}; set allowDeletions to let them through now`,
    state: { keys: deleteKeys, rounds: repeated },
  };
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
