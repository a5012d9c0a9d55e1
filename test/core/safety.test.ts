// The syncer's safety rules: failed reads change nothing; large deletions are held until they repeat.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeRound, NO_HOLD, type HoldState } from '../../src/core/safety.js';

const settings = { deleteThreshold: 0.5, deleteHoldRounds: 3, allowDeletions: false };
const keys = (n: number) => Array.from({ length: n }, (_, i) => `GlobalNetworkPolicy//p${i}`);

describe('judgeRound', () => {
  it('skips the round when any read failed, whatever the plan', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1 }), fc.nat(50), fc.nat(100), (failures, n, managed) => {
        const v = judgeRound({ readFailures: failures, deleteKeys: keys(n), managedCount: managed, settings, state: NO_HOLD });
        expect(v.action).toBe('skip');
      }),
    );
  });

  it('lets deletions at or under the threshold through at once', () => {
    const v = judgeRound({ readFailures: [], deleteKeys: keys(5), managedCount: 10, settings, state: NO_HOLD });
    expect(v).toMatchObject({ action: 'write', deleteKeys: keys(5).sort(), heldKeys: [] });
  });

  it('holds a 60 % deletion until the same set repeats for deleteHoldRounds rounds', () => {
    let state: HoldState = NO_HOLD;
    const seen: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const v = judgeRound({ readFailures: [], deleteKeys: keys(6), managedCount: 10, settings, state });
      if (v.action !== 'write') throw new Error('expected write');
      seen.push(v.heldKeys.length ? 'held' : `deleted ${v.deleteKeys.length}`);
      state = v.state;
    }
    expect(seen).toEqual(['held', 'held', 'deleted 6']);
    expect(state).toEqual(NO_HOLD);
  });

  it('starts counting again when the held set changes', () => {
    const first = judgeRound({ readFailures: [], deleteKeys: keys(6), managedCount: 10, settings, state: NO_HOLD });
    const changed = judgeRound({ readFailures: [], deleteKeys: keys(7), managedCount: 10, settings, state: first.state });
    expect(changed.state.rounds).toBe(1);
  });

  it('lets everything through with allowDeletions, and treats deleting all of nothing-known as over the threshold', () => {
    expect(judgeRound({ readFailures: [], deleteKeys: keys(9), managedCount: 10, settings: { ...settings, allowDeletions: true }, state: NO_HOLD })).toMatchObject({ action: 'write', heldKeys: [] });
    expect(judgeRound({ readFailures: [], deleteKeys: keys(1), managedCount: 0, settings, state: NO_HOLD })).toMatchObject({ action: 'write', deleteKeys: [] });
  });
});
