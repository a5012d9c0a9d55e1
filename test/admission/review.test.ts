// The AdmissionReview codec (src/admission/review.ts): encodeResponse() carries the decision as the
// apiserver expects it; decodeReview() names the field that is wrong.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReview, encodeResponse } from '../../src/admission/review.js';
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

describe('encodeResponse', () => {
  const patchOf = (d: Decision) => encodeResponse('u', d).response.patch;
  const base64 = (patch: readonly JsonPatchOp[]) => Buffer.from(JSON.stringify(patch)).toString('base64');

  it('carries an allowed decision\'s patch as base64 JSON, the precomputed text when the decision has one', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 4 }), (patch) => {
        expect(patchOf({ allowed: true, patch })).toBe(base64(patch));
        expect(patchOf({ allowed: true, patch, patchBase64: 'cHJlY29tcHV0ZWQ=' })).toBe('cHJlY29tcHV0ZWQ=');
      }),
      { numRuns: 300 },
    );
  });

  it('never carries a patch on a denial, and names the reason for the code', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), decision, (uid, d) => {
        const { response } = encodeResponse(uid, { ...d, allowed: false });
        expect(response.uid).toBe(uid);
        expect(response.patch).toBeUndefined();
        expect(response.status?.code).toBe(d.code ?? 403);
        expect(response.status?.reason).toBe({ 400: 'BadRequest', 403: 'Forbidden', 409: 'Conflict', 422: 'Invalid', 500: 'InternalError' }[d.code ?? 403] ?? 'Forbidden');
      }),
    );
  });

  it('echoes a uid that needs escaping through JSON, and carries the patch as base64 JSON', () => {
    const uid = 'a"b\\c\u2028\n';
    const patch: JsonPatchOp[] = [{ op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-12345678901234', value: '' }];
    const review = JSON.parse(JSON.stringify(encodeResponse(uid, { allowed: true, patch }))) as { response: { uid: string; patch: string; patchType: string } };
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
