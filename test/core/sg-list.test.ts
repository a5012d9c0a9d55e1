// SPEC §1.1–1.2: the lenient security-group list reader, by example and by property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_GROUPS, parseSgList } from '../../src/core/sg-list.js';

const hex = fc.constantFrom(...'0123456789abcdef'.split(''));
/** SG ids as AWS and the integration's docs write them: 8 to 17 hex digits. */
const sgId = fc.array(hex, { minLength: 8, maxLength: 17 }).map((d) => `sg-${d.join('')}`);
/** The same id as a user might type it. */
const spelled = (id: string) => fc.boolean().map((upper) => (upper ? id.toUpperCase() : id));
const sep = fc.constantFrom(',', ', ', ' ', ' ,  ', '\t', '\n');

describe('parseSgList by example', () => {
  it.each([
    ['["sg-98765432109876"]', ['sg-98765432109876']],
    ['["sg-12345678901234, sg-98765432109876"]', ['sg-12345678901234', 'sg-98765432109876']], // the docs' form
    ['["sg-98765432109876", "sg-12345678901234"]', ['sg-12345678901234', 'sg-98765432109876']],
    ['sg-98765432109876,sg-12345678901234', ['sg-12345678901234', 'sg-98765432109876']], // bare list
    ['"sg-98765432109876"', ['sg-98765432109876']],
    ['[]', []],
    ['  [ "SG-0123456789ABCDEF0" , "sg-0123456789abcdef0" ]  ', ['sg-0123456789abcdef0']],
    ['["sg-12345678"]', ['sg-12345678']],
    ['["sg-0123456789abcdef0"]', ['sg-0123456789abcdef0']],
  ])('reads %s', (value, ids) => {
    expect(parseSgList(value)).toEqual({ ok: true, ids, wildcard: false });
  });

  it.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['["sg-98765432109876"', /is not valid JSON/],
    ['[1]', /must hold strings only, found 1/],
    ['[["sg-98765432109876"]]', /must hold strings only/],
    ['["sg-1234567"]', /holds "sg-1234567", which is not a security group id/], // 7 digits
    ['["sg-012345678901234567"]', /holds "sg-012345678901234567"/], // 18 digits
    ['["sg-12345678901234g"]', /holds "sg-12345678901234g"/],
    ['["web-sg"]', /holds "web-sg"/],
    ['null', /holds "null"/],
    ['{"a":1}', /holds/],
    ['["*"]', /holds "\*"/], // the wildcard is for namespaces only
  ])('refuses %j', (value, problem) => {
    const result = parseSgList(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('accepts the wildcard where asked (namespace allow-list)', () => {
    expect(parseSgList('["*"]', true)).toEqual({ ok: true, ids: [], wildcard: true });
    expect(parseSgList('["*", "sg-98765432109876"]', true)).toEqual({ ok: true, ids: ['sg-98765432109876'], wildcard: true });
  });

  it(`refuses more than ${MAX_GROUPS} groups`, () => {
    const ids = Array.from({ length: MAX_GROUPS + 1 }, (_, i) => `sg-${String(i).padStart(8, '0')}`);
    const result = parseSgList(JSON.stringify(ids));
    expect(result).toEqual({ ok: false, problem: `names ${MAX_GROUPS + 1} groups; at most ${MAX_GROUPS} are allowed` });
  });
});

describe('parseSgList properties', () => {
  const idsAndSpelling = fc.array(sgId, { minLength: 1, maxLength: 10 }).chain((ids) => fc.tuple(fc.constant(ids), fc.tuple(...ids.map(spelled))));
  const expected = (ids: string[]) => [...new Set(ids.map((i) => i.toLowerCase()))].sort();

  it('reads every written form to the same sorted, de-duplicated, lowercase ids', () => {
    fc.assert(
      fc.property(idsAndSpelling, sep, fc.constantFrom('array', 'one-string', 'bare', 'mixed'), ([ids, typed], separator, form) => {
        const value =
          form === 'array' ? JSON.stringify(typed)
          : form === 'one-string' ? JSON.stringify([typed.join(separator)])
          : form === 'bare' ? typed.join(separator.includes('\n') ? ',' : separator)
          : JSON.stringify([typed.slice(0, 1).join(''), typed.slice(1).join(separator)]);
        const result = parseSgList(value);
        expect(result).toEqual({ ok: true, ids: expected(ids), wildcard: false });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any list holding a token that is not an SG id, quoting it', () => {
    const badToken = fc.string({ minLength: 1, maxLength: 20 }).filter((t) => /^[^\s,"\\[\]]+$/.test(t) && !/^sg-[0-9a-f]{8,17}$/i.test(t) && t !== '*');
    fc.assert(
      fc.property(fc.array(sgId, { maxLength: 5 }), badToken, fc.nat(), (ids, bad, at) => {
        const list = [...ids];
        list.splice(at % (ids.length + 1), 0, bad);
        const result = parseSgList(JSON.stringify(list));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.problem).toContain(`"${bad.length > 60 ? bad.slice(0, 60) : bad}`);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (value) => {
        const result = parseSgList(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
