// memoByIdentity (src/core/memo.ts): one make() per key object, whatever the order of calls.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoByIdentity } from '../../src/core/memo.js';

describe('memoByIdentity', () => {
  it('makes each key\'s value once and gives every key its own value, in any order of calls', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 4 }), { maxLength: 40 }), (order) => {
        const keys = [0, 1, 2, 3, 4].map((n) => ({ n }));
        const made: number[] = [];
        const memo = memoByIdentity((k: { n: number }) => {
          made.push(k.n);
          return `value ${k.n}`;
        });
        for (const i of order) expect(memo(keys[i]!)).toBe(`value ${i}`);
        expect([...made].sort()).toEqual([...new Set(order)].sort());
      }),
    );
  });

  it('remembers an undefined value too', () => {
    let calls = 0;
    const memo = memoByIdentity((_: object) => {
      calls++;
      return undefined;
    });
    const a = {};
    const b = {};
    memo(a);
    memo(b);
    memo(a);
    expect(calls).toBe(2);
  });
});
