import { evaluate, parse } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';
import { ADMISSION_POLICY_MESSAGES, buildAdmissionPolicy } from '../../../src/core/registration/index.js';
import { conditionsHold, ruleMatches } from '../../support/admission-routing.js';
import { CALICO_APISERVER, samples, settings, SYNCER, withUser, type Any } from './setup.js';

describe('ValidatingAdmissionPolicy backstop', () => {
  const [policy, binding] = buildAdmissionPolicy({ settings }) as Any[];
  const messages = Object.fromEntries(Object.entries(ADMISSION_POLICY_MESSAGES).map(([k, v]) => [v, k]));

  /** As kube-apiserver runs a VAP: match, matchConditions, variables, then every validation. */
  function verdict(req: Any): string {
    const rr = policy.spec.matchConstraints.resourceRules;
    if (!rr.some((r: Any) => ruleMatches({ ...r, scope: '*' }, req))) return 'not-matched';
    if (!conditionsHold(policy.spec.matchConditions, req)) return 'not-matched';
    const variables: Record<string, unknown> = {};
    const ctx = { request: req, object: req.object, oldObject: req.oldObject, variables };
    for (const v of policy.spec.variables) variables[v.name] = evaluate(v.expression, ctx);
    const failed = policy.spec.validations.filter((v: Any) => evaluate(v.expression, ctx) !== true);
    return failed.length === 0 ? 'allowed' : `denied:${failed.map((f: Any) => messages[f.message]).join(',')}`;
  }
  const sample = (prefix: string): Any => structuredClone(samples.find((x) => x.file.startsWith(prefix))!.request);

  it('is bound with Deny, fails closed, and says what to do in under 256 characters', () => {
    expect(policy).toMatchObject({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', spec: { failurePolicy: 'Fail' } });
    expect(binding).toMatchObject({ kind: 'ValidatingAdmissionPolicyBinding', spec: { policyName: policy.metadata.name, validationActions: ['Deny'] } });
    for (const v of policy.spec.validations) {
      expect(v.message.length).toBeLessThan(256);
      expect(v.reason).toBe('Forbidden');
    }
    for (const e of [...policy.spec.variables, ...policy.spec.validations, ...policy.spec.matchConditions]) expect(() => parse(e.expression)).not.toThrow();
  });

  it('refuses what SPEC §2 rules 1-4 refuse in the samples, by admins and users alike', () => {
    const expected: Record<string, string> = {
      '020': 'denied:tier', '021': 'denied:policy', '022': 'denied:policy', '023': 'denied:policy', '031': 'denied:tier',
      '033': 'denied:tier', '034': 'denied:policy', '035': 'denied:policy', '036': 'denied:policy',
      '024': 'denied:order', '037': 'denied:order', '030': 'allowed', '029': 'allowed',
      '025': 'denied:endpoint', '026': 'denied:endpoint', '028': 'denied:endpoint', '032': 'denied:endpoint', '038': 'denied:endpoint',
      '017': 'not-matched', '004': 'not-matched', '027': 'allowed', // 027: an admin changes a namespace's labels, not its allow-list
    };
    for (const [prefix, want] of Object.entries(expected)) expect(verdict(sample(prefix)), prefix).toBe(want);
  });

  it('catches every way to name the tier, before or after the change', () => {
    const base = sample('029'); // a NetworkPolicy in the default tier
    const obj = base.object;
    const variants: [string, Any, Any][] = [
      ['name prefix', { ...obj, metadata: { ...obj.metadata, name: 'metadata.x' } }, null],
      ['spec.tier', { ...obj, spec: { ...obj.spec, tier: 'sg-remote' } }, null],
      ['tier label', { ...obj, metadata: { ...obj.metadata, labels: { 'projectcalico.org/tier': 'sg-local' } } }, null],
      ['moved out', obj, { ...obj, spec: { ...obj.spec, tier: 'sg-local' } }],
    ];
    for (const [what, object, oldObject] of variants) {
      expect(verdict({ ...base, operation: oldObject ? 'UPDATE' : 'CREATE', object, oldObject }), what).toBe('denied:policy');
    }
    expect(verdict({ ...base, object: { ...obj, metadata: { ...obj.metadata, name: 'default.sg-local-like' } } })).toBe('allowed');
  });

  it('tier order: only creating or moving a tier to 107 or before, outside the allow-list', () => {
    const early = sample('024'); // tier "early", order 50
    const tier = (name: string, order?: number) => ({ ...early.object, metadata: { ...early.object.metadata, name }, spec: order === undefined ? {} : { order } });
    expect(verdict({ ...early, object: tier('late', 108) })).toBe('allowed');
    expect(verdict({ ...early, object: tier('late', 107) })).toBe('denied:order');
    expect(verdict({ ...early, object: tier('late', 2.5) })).toBe('denied:order');
    expect(verdict({ ...early, object: tier('no-order') })).toBe('allowed');
    expect(verdict({ ...early, object: tier('calico-system', 100) })).toBe('denied:allowListedTier'); // the Calico operator's
    expect(verdict(withUser({ ...early, object: tier('calico-system', 100) }, 'system:serviceaccount:tigera-operator:tigera-operator'))).toBe('allowed');
    expect(verdict({ ...early, operation: 'UPDATE', object: tier('early', 50), oldObject: tier('early', 50) })).toBe('allowed');
    expect(verdict({ ...early, operation: 'UPDATE', object: tier('late', 100), oldObject: tier('late', 200) })).toBe('denied:order');
  });

  it('endpoints and sets: a membership or managed-by label before or after the change', () => {
    const hep = sample('025');
    const plain = { ...hep.object, metadata: { ...hep.object.metadata, labels: { role: 'db' } } };
    expect(verdict({ ...hep, object: plain })).toBe('allowed');
    expect(verdict({ ...hep, object: { ...plain, metadata: { ...plain.metadata, labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } } } })).toBe('denied:endpoint');
    expect(verdict({ ...hep, operation: 'UPDATE', object: plain, oldObject: hep.object })).toBe('denied:endpoint');
  });

  it('lets the syncer, break-glass and calico-apiserver relays through', () => {
    const tier = sample('020');
    expect(verdict(withUser(tier, SYNCER))).toBe('not-matched');
    expect(verdict(withUser(tier, 'alice'))).toBe('not-matched');
    expect(verdict(withUser(tier, 'bob', ['ops:oncall']))).toBe('not-matched');
    expect(verdict(withUser(tier, CALICO_APISERVER))).toBe('not-matched');
    expect(verdict(withUser(tier, 'bob'))).toBe('denied:tier');
  });
});

