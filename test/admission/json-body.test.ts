// The body parser's nesting bound: exact where it matters, cheap for ordinary bodies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyError, makeJsonBodyParser, nestingExceeds } from '../../src/admission/json-body.js';

function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v === 'object' && v !== null) {
      max = Math.max(max, d + 1);
      for (const child of Object.values(v)) stack.push([child, d + 1]);
    }
  }
  return max;
}

describe('nestingExceeds', () => {
  it('counts only brackets outside strings', () => {
    const inString = JSON.stringify({ a: '[[[[[[[[[[{{{{{{{{{{\\"[[[[' });
    expect(nestingExceeds(inString, 2)).toBe(false);
    expect(nestingExceeds('[[[]]]', 2)).toBe(true);
    expect(nestingExceeds('[[[]]]', 3)).toBe(false);
    expect(nestingExceeds('[[],[],[],[]]', 2)).toBe(false); // many brackets, shallow
  });

  it('agrees with the parsed depth on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 10 }), (value, max) => {
        expect(nestingExceeds(JSON.stringify(value), max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses 10,000 levels before parsing, with a message naming the body', () => {
    const parse = makeJsonBodyParser(JSON.parse);
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(() => parse(deep)).toThrow(BodyError);
    expect(() => parse(deep)).toThrow(/body: JSON nested deeper than 1000 levels/);
    expect(parse('[' .repeat(1000) + ']'.repeat(1000))).toBeInstanceOf(Array);
  });
});
