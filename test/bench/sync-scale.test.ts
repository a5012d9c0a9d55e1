// The sync benchmark's size knob: the scale by default, other sizes in proportion, and a
// clear refusal of a size it cannot generate.
import { describe, expect, it } from 'vitest';
import { syncScale } from '../../bench/sync-scale.js';

describe('syncScale', () => {
  it('is the issue scale by default: 5,000 groups, 50,000 ENIs, 5,000 pods', () => {
    expect(syncScale({})).toEqual({ inventory: { groups: 5000, enis: 50_000 }, pods: 5000 });
  });

  it('keeps ENIs and pods in proportion to SGBRIDGE_BENCH_GROUPS', () => {
    expect(syncScale({ SGBRIDGE_BENCH_GROUPS: '1000' })).toEqual({ inventory: { groups: 1000, enis: 10_000 }, pods: 1000 });
  });

  it.each(['0', '5001', '1.5', 'many', ''])('refuses %j, naming the variable and the range', (raw) => {
    expect(() => syncScale({ SGBRIDGE_BENCH_GROUPS: raw })).toThrow(/SGBRIDGE_BENCH_GROUPS must be a whole number of security groups from 10 to 5000/);
  });
});
