// The body budget (src/admission/body-budget.ts): what it lets through at once, in which order, and
// that every reserved byte comes back however a request ends.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyBudget } from '../../src/admission/body-budget.js';

describe('BodyBudget', () => {
  it('starts a reservation at once while it fits, and the next one when bytes return', () => {
    const budget = new BodyBudget(10);
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const reserve = (name: string, bytes: number) => budget.reserve(bytes, (release) => (started.push(name), releases.set(name, release)));
    reserve('a', 6);
    reserve('b', 4);
    reserve('c', 5);
    expect(started).toEqual(['a', 'b']);
    expect(budget.free).toBe(0);
    releases.get('b')!();
    expect(started).toEqual(['a', 'b']); // 4 free, c needs 5
    releases.get('a')!();
    expect(started).toEqual(['a', 'b', 'c']);
    expect(budget.free).toBe(5);
  });

  it('keeps arrival order: a small body does not overtake a large one waiting', () => {
    const budget = new BodyBudget(10);
    const started: string[] = [];
    let releaseA: () => void = () => undefined;
    budget.reserve(8, (r) => ((releaseA = r), started.push('a')));
    budget.reserve(10, () => started.push('large'));
    budget.reserve(1, () => started.push('small'));
    expect(started).toEqual(['a']);
    releaseA();
    expect(started).toEqual(['a', 'large']);
  });

  it('counts a release once, caps a reservation at the capacity, and lets a waiting one withdraw', () => {
    const budget = new BodyBudget(10);
    let release: () => void = () => undefined;
    budget.reserve(50, (r) => (release = r));
    expect(budget.free).toBe(0);
    const started: string[] = [];
    const withdraw = budget.reserve(3, () => started.push('gone'));
    budget.reserve(2, () => started.push('next'));
    expect(budget.waiting).toBe(2);
    withdraw();
    expect(budget.waiting).toBe(1);
    release();
    release();
    expect(started).toEqual(['next']);
    expect(budget.free).toBe(8);
  });

  it('returns to full capacity after any sequence of reservations, releases and withdrawals', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), bytes: fc.integer({ min: 0, max: 15 }) }),
      fc.record({ kind: fc.constant('release' as const), which: fc.nat() }),
      fc.record({ kind: fc.constant('withdraw' as const), which: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const budget = new BodyBudget(10);
        const releases: (() => void)[] = [];
        const withdrawals: (() => void)[] = [];
        for (const s of steps) {
          if (s.kind === 'reserve') withdrawals.push(budget.reserve(s.bytes, (r) => releases.push(r)));
          else if (s.kind === 'release' && releases.length) releases[s.which % releases.length]!();
          else if (s.kind === 'withdraw' && withdrawals.length) withdrawals[s.which % withdrawals.length]!();
          expect(budget.free).toBeGreaterThanOrEqual(0);
        }
        for (const w of withdrawals) w();
        // Whatever started before its withdrawal ran still holds bytes until released.
        for (let i = 0; i < releases.length; i++) releases[i]!();
        expect(budget.waiting).toBe(0);
        expect(budget.free).toBe(10);
      }),
      { numRuns: 500 },
    );
  });
});
