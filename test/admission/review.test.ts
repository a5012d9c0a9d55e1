// The AdmissionReview response codec (src/admission/review.ts): responseText(), which writes the
// common answers out directly, gives exactly the text of JSON.stringify(encodeResponse()); and
// decodeReview() names the field that is wrong.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReview, encodeResponse, responseText } from '../../src/admission/review.js';
import type { Decision, JsonPatchOp } from '../../src/core/admission-types.js';

const op: fc.Arbitrary<JsonPatchOp> = fc.record(
  { op: fc.constantFrom('add', 'remove', 'replace'), path: fc.string({ unit: 'grapheme' }), value: fc.oneof(fc.string({ unit: 'grapheme' }), fc.jsonValue()) },
  { requiredKeys: ['op', 'path'] },
) as fc.Arbitrary<JsonPatchOp>;

const decision: fc.Arbitrary<Decision> = fc.record(
  {
    allowed: fc.boolean(),
    code: fc.constantFrom(400, 403, 409, 422, 500, 418),
    message: fc.string({ unit: 'grapheme' }),
    patch: fc.array(op, { maxLength: 4 }),
    warnings: fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 2 }),
  },
  { requiredKeys: ['allowed'] },
);

describe('responseText', () => {
  it('is JSON.stringify(encodeResponse()) for any uid and decision', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), decision, (uid, d) => {
        expect(responseText(uid, d)).toBe(JSON.stringify(encodeResponse(uid, d)));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes a frozen (shared) patch once, and each one as itself', () => {
    const expected = (patch: readonly JsonPatchOp[]) => Buffer.from(JSON.stringify(patch)).toString('base64');
    const patchOf = (text: string) => (JSON.parse(text) as { response: { patch?: string } }).response.patch;
    fc.assert(
      fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (patches) => {
        const frozen = patches.map((p) => Object.freeze(p.map((o) => Object.freeze(o))));
        for (let round = 0; round < 2; round++) {
          for (const patch of frozen) expect(patchOf(responseText('u', { allowed: true, patch }))).toBe(expected(patch));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('echoes a uid that needs escaping, and carries the patch as base64 JSON', () => {
    const uid = 'a"b\\c\u2028\n';
    const patch: JsonPatchOp[] = [{ op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-12345678901234', value: '' }];
    const review = JSON.parse(responseText(uid, { allowed: true, patch })) as { response: { uid: string; patch: string; patchType: string } };
    expect(review.response.uid).toBe(uid);
    expect(review.response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(review.response.patch, 'base64').toString('utf8'))).toEqual(patch);
  });
});

describe('decodeReview names the wrong field', () => {
  const review = (request: Record<string, unknown>) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'DELETE', ...request },
  });

  it.each([
    [{ kind: 'Pod' }, 'request.kind', /request\.kind: expected an object with group, version, kind, got "Pod"/],
    [{ kind: { group: '', version: 'v1' } }, 'request.kind.kind', /request\.kind\.kind: expected a string, got nothing/],
    [{ resource: { group: '', version: 1, resource: 'pods' } }, 'request.resource.version', /expected a string, got 1/],
    [{ resource: { group: '', version: 'v1' } }, 'request.resource.resource', /expected a string, got nothing/],
    [{ subResource: 5 }, 'request.subResource', /request\.subResource: expected a string, got 5/],
    [{ name: ['a'] }, 'request.name', /expected a string, got an array/],
    [{ namespace: {} }, 'request.namespace', /expected a string, got an object/],
    [{ dryRun: 'true' }, 'request.dryRun', /expected a boolean, got "true"/],
  ])('%j → %s', (request, field, message) => {
    const decoded = decodeReview(review(request));
    expect(decoded).toMatchObject({ ok: false, field });
    expect(decoded.ok ? '' : decoded.message).toMatch(message);
  });

  it('accepts null for the optional fields', () => {
    expect(decodeReview(review({ subResource: null, name: null, namespace: null, dryRun: null })).ok).toBe(true);
  });
});
