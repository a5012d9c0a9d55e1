// The body parser: its nesting bound is exact where it matters and cheap for ordinary bodies, and
// its pre-check in front of secure-json-parse never lets a forbidden key through.
import fc from 'fast-check';
import sjson from 'secure-json-parse';
import { describe, expect, it } from 'vitest';
import { BodyError, makeJsonBodyParser, mayHoldForbiddenKey, jsonShapeExceeds, MAX_JSON_CONTAINERS, parseAdmissionBody } from '../../src/admission/json-body.js';

function containersOf(value: unknown): number {
  return typeof value === 'object' && value !== null ? 1 + Object.values(value).reduce((n: number, v) => n + containersOf(v), 0) : 0;
}

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

describe('jsonShapeExceeds', () => {
  it('counts only brackets outside strings', () => {
    const inString = JSON.stringify({ a: '[[[[[[[[[[{{{{{{{{{{\\"[[[[' });
    expect(jsonShapeExceeds(inString, 2) === 'depth').toBe(false);
    expect(jsonShapeExceeds('[[[]]]', 2) === 'depth').toBe(true);
    expect(jsonShapeExceeds('[[[]]]', 3) === 'depth').toBe(false);
    expect(jsonShapeExceeds('[[],[],[],[]]', 2) === 'depth').toBe(false); // many brackets, shallow
  });

  it('agrees with the parsed depth on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 10 }), (value, max) => {
        expect(jsonShapeExceeds(JSON.stringify(value), max) === 'depth').toBe(depthOf(value) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the objects and arrays outside strings exactly, on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 30 }), (value, max) => {
        expect(jsonShapeExceeds(JSON.stringify(value), 1000, max) === 'containers').toBe(containersOf(value) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses 7 MiB of shallow brackets before parsing, and takes a body of as many as allowed', () => {
    const parse = makeJsonBodyParser(JSON.parse);
    const many = `[${'[],'.repeat(MAX_JSON_CONTAINERS)}[]]`;
    expect(() => parse(many)).toThrow(/body: more than 250000 JSON objects and arrays/);
    expect(parse(`[${'[],'.repeat(MAX_JSON_CONTAINERS - 2)}[]]`)).toHaveLength(MAX_JSON_CONTAINERS - 1);
  });

  it('refuses 10,000 levels before parsing, with a message naming the body', () => {
    const parse = makeJsonBodyParser(JSON.parse);
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(() => parse(deep)).toThrow(BodyError);
    expect(() => parse(deep)).toThrow(/body: JSON nested deeper than 1000 levels/);
    expect(parse('[' .repeat(1000) + ']'.repeat(1000))).toBeInstanceOf(Array);
  });
});

describe('parseAdmissionBody', () => {
  // What it was before the pre-check: secure-json-parse on every body.
  const reference = makeJsonBodyParser((text) => sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) as unknown);
  const outcome = (parse: (text: string) => unknown, text: string) => {
    try {
      return { value: parse(text) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  /** A key written with any of its letters as a \u escape, hex digits in either case. */
  const escapedKey = (key: string) =>
    fc.tuple(fc.array(fc.boolean(), { minLength: key.length, maxLength: key.length }), fc.boolean()).map(([escapes, upper]) =>
      [...key]
        .map((ch, i) => {
          const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
          return escapes[i] ? `\\u${upper ? hex.toUpperCase() : hex}` : ch;
        })
        .join(''),
    );

  it('refuses "__proto__" and "constructor.prototype" keys however their letters are escaped', () => {
    fc.assert(
      fc.property(fc.oneof(escapedKey('__proto__').map((k) => [k, '{"x": 1}']), escapedKey('constructor').map((k) => [k, '{"prototype": {"x": 1}}'])), fc.jsonValue({ maxDepth: 3 }), ([key, forbidden], value) => {
        const text = `{"request": {"a": ${JSON.stringify(value)}, "${key}": ${forbidden}}}`;
        expect(() => parseAdmissionBody(text)).toThrow(/forbidden "__proto__" or "constructor.prototype"/);
      }),
      { numRuns: 300 },
    );
  });

  it('answers every body as secure-json-parse alone does', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto', 'construct'), fc.constantFrom('__proto__', 'constructor', 'prototype').chain(escapedKey));
    const text = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.tuple(key, fc.jsonValue({ maxDepth: 3 }), fc.boolean()).map(([k, v, bom]) => `${bom ? '\ufeff' : ''}{"${k.replace(/["\\]/g, '')}": ${JSON.stringify(v)}}`),
      fc.string(),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(outcome(parseAdmissionBody, t)).toEqual(outcome(reference, t));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses the keys written plainly, in any body', () => {
    for (const text of ['{"__proto__": {"x": 1}}', '{"a": [{"constructor": {"prototype": {"x": 1}}}]}', '\ufeff{"constructor": {"prototype": {}}}']) {
      expect(() => parseAdmissionBody(text)).toThrow(/forbidden "__proto__" or "constructor.prototype"/);
    }
    expect(parseAdmissionBody('{"constructor": "a string"}')).toEqual({ constructor: 'a string' });
  });

  it('still parses a body that starts with a byte-order mark', () => {
    expect(parseAdmissionBody('\ufeff{"a": 1}')).toEqual({ a: 1 });
    expect(mayHoldForbiddenKey('{"a": 1}')).toBe(false);
  });
});
