// Every real AdmissionReview in test/fixtures/admission-samples, with the verdict SPEC §2 gives it in
// the tutorial VPC (examples/inventory.yaml, default settings).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../../src/core/admission-types.js';
import { decideMutation } from '../../../src/core/membership/index.js';
import { decideValidation, type ProtectionContext } from '../../../src/core/protection/index.js';
import { exampleContext, IDENTITIES } from './support.js';
import { ADMISSION_SAMPLES } from '../../support/fixtures.js';

const SAMPLES = ADMISSION_SAMPLES;
const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort();
const load = (file: string): AdmissionRequest => (JSON.parse(readFileSync(join(SAMPLES, file), 'utf8')) as { request: AdmissionRequest }).request;

type Expect = { verdict: 'allow' } | { verdict: 'deny'; mentions: string[] };
const allow: Expect = { verdict: 'allow' };
const deny = (...mentions: string[]): Expect => ({ verdict: 'deny', mentions });

/**
 * The captures were taken behind a capture webhook that never patched, so the pods reached the
 * validating call without the membership labels SPEC §1 gives them: rule 6 refuses every one.
 * ("missing" names the pod default group, which every pod must carry.)
 */
const EXPECTED: Record<string, Expect> = {
  '002': deny('missing', 'sg-0a9b8c7d6e5f40312'),
  '004': deny('missing', 'sg-0a9b8c7d6e5f40312'),
  '006': deny('missing', 'sg-0a9b8c7d6e5f40312'),
  '008': deny('missing', 'sg-0a9b8c7d6e5f40312'),
  '010': deny('missing', 'sg-98765432109876'),
  '012': deny('missing', 'sg-12345678901234', 'sg-98765432109876'),
  '014': deny('not allowed sg-0123456789abcdef0'), // dev's forged label
  '016': deny('missing', 'sg-12345678901234'), // dry run: same answer as a real request
  '017': allow, // default-deny: no membership labels
  '018': allow, // selects instance-sg, a user group
  '019': allow, // deleting a Kubernetes NetworkPolicy
  '020': deny('tier sg-local'), // admin is not trusted
  '021': deny('sg-local', 'change security group sg-98765432109876 in AWS'),
  '022': deny('sg-local', 'change security group sg-98765432109876 in AWS'),
  '023': deny('sg-local', 'change security group sg-98765432109876 in AWS'),
  '024': deny('order 50', 'above 107'),
  '025': deny('HostEndpoint', 'sg.aws.tigera.io/sg-12345678901234'),
  '026': deny('NetworkSet', 'sg.aws.tigera.io/sg-12345678901234'),
  '027': allow, // namespaces are not guarded
  '028': deny('GlobalNetworkSet', 'sg.aws.tigera.io/sg-12345678901234'),
  '029': allow, // default tier, selects a user group
  '030': allow, // deleting tier "early"
  '031': deny('tier sg-local'),
  '032': deny('HostEndpoint'),
  '033': deny('tier sg-local'),
  '034': deny('sg-local'),
  '035': deny('sg-local'),
  '036': deny('sg-local'),
  '037': deny('order 50'),
  '038': deny('HostEndpoint'),
  '039': allow, // pod DELETE, three calls for one delete: each allowed
  '040': allow,
  '041': allow,
  '044': deny('not allowed sg-98765432109876', 'missing'), // a later mutating webhook added a label
};

const validating = files.filter((f) => f.includes('-validate-'));
const numberOf = (f: string) => f.slice(0, 3);

describe('admission samples through decideValidation', () => {
  let ctx: ProtectionContext;
  beforeAll(async () => {
    ctx = await exampleContext();
  });

  it('has an expectation for every validating sample and no other', () => {
    expect(validating.map(numberOf).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of validating) {
    it(`${file}`, () => {
      const expected = EXPECTED[numberOf(file)]!;
      const decision = decideValidation(load(file), ctx);
      expect(decision.allowed ? 'allow' : 'deny').toBe(expected.verdict);
      if (expected.verdict === 'deny') {
        expect(decision.code).toBe(403);
        expect(decision.message!.length).toBeLessThan(256);
        for (const m of expected.mentions) expect(decision.message).toContain(m);
      }
    });
  }

  it('answers repeated DELETE calls for one pod the same way (039–041)', () => {
    const verdicts = ['039', '040', '041'].map((n) => decideValidation(load(validating.find((f) => f.startsWith(n))!), ctx));
    expect(verdicts).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
  });

  it('allows what sgbridge itself writes in the same requests (the syncer identity)', () => {
    for (const file of validating) {
      const r = load(file);
      expect(decideValidation({ ...r, userInfo: IDENTITIES.syncer }, ctx).allowed, file).toBe(true);
    }
  });
});

describe('pod samples after sgbridge’s own mutating webhook', () => {
  let ctx: ProtectionContext;
  beforeAll(async () => {
    ctx = await exampleContext();
  });

  // What kube-apiserver does with sgbridge in place: apply /mutate's patch, then call /validate.
  const pods = files.filter((f) => /-(mutate|behave_[a-z-]+)-pods-(CREATE|UPDATE)\.json$/.test(f));
  for (const file of pods) {
    it(`${file}: the mutated pod passes validation`, () => {
      const r = load(file);
      const mutation = decideMutation(r, ctx.membership, { allowList: 'off' });
      expect(mutation.allowed).toBe(true);
      const object = jsonpatch.applyPatch(structuredClone(r.object), (mutation.patch ?? []) as jsonpatch.Operation[], true, false).newDocument;
      expect(decideValidation({ ...r, object }, ctx)).toMatchObject({ allowed: true });
    });
  }

  it('refuses the behaviour test’s extra label added after sgbridge’s patch (043 → 044)', () => {
    const r = load(files.find((f) => f.startsWith('043'))!);
    const ours = decideMutation(r, ctx.membership, { allowList: 'off' }).patch ?? [];
    const later = [{ op: 'add' as const, path: '/metadata/labels/sg.aws.tigera.io~1sg-98765432109876', value: '' }];
    const object = jsonpatch.applyPatch(structuredClone(r.object), [...ours, ...later] as jsonpatch.Operation[], true, false).newDocument;
    const decision = decideValidation({ ...r, object }, ctx);
    expect(decision.allowed).toBe(false);
    expect(decision.message).toContain('not allowed sg-98765432109876');
    expect(decision.message).not.toContain('missing');
  });
});
