// The real SecurityGroupPolicy CRD (test/fixtures/vpc-resource-controller) accepts every policy the
// tests create and AWS's samples, so the matching and admission tests are about storable objects.
import { describe, expect, it } from 'vitest';
import { SGP_API_VERSION, SGP_CRD_NAME, SGP_GROUP, SGP_KIND } from '../../../src/core/security-group-policy/index.js';
import { loadCrdFile } from '../../support/crd-schemas.js';
import { VPC_RESOURCE_CONTROLLER } from '../../support/fixtures.js';
import { awsSamples, sgp } from './builders.js';
import { ADMISSION_POLICIES } from './admission-policies.js';
import { CRD_REFUSES, MATCHING_TABLE, A } from './matching-table.js';

const crd = loadCrdFile(`${VPC_RESOURCE_CONTROLLER}/vpcresources.k8s.aws_securitygrouppolicies.yaml`);

/** The apiserver drops nulls of fields the schema does not mark nullable (none here) before validating. */
function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, pruneNulls(v)]));
  return value;
}

describe('the SecurityGroupPolicy CRD', () => {
  it('is the API sgbridge names', () => {
    expect({ group: crd.group, kind: crd.kind }).toEqual({ group: SGP_GROUP, kind: SGP_KIND });
    expect(SGP_CRD_NAME).toBe('securitygrouppolicies.vpcresources.k8s.aws');
  });

  it("accepts AWS's samples", () => {
    for (const sample of awsSamples()) expect(crd.validate({ ...sample, metadata: { ...sample.metadata, namespace: 'shop' } }), sample.metadata?.name).toEqual([]);
  });

  it.each(MATCHING_TABLE.filter(([name]) => !CRD_REFUSES.has(name)))('accepts the policies of "%s"', (_name, policies) => {
    for (const p of policies) expect(crd.validate(pruneNulls(p) as object), p.metadata?.name).toEqual([]);
  });

  it.each(MATCHING_TABLE.filter(([name]) => CRD_REFUSES.has(name)))('refuses the policies of "%s", so no cluster holds them', (_name, policies) => {
    for (const p of policies) expect(crd.validate(p)).not.toEqual([]);
  });

  it.each(ADMISSION_POLICIES.map((p) => [p.metadata.name, p] as const))('accepts the admission test policy %s', (_name, p) => {
    expect(crd.validate(p)).toEqual([]);
  });

  it('checks what it should: types, minItems, and the apiVersion', () => {
    expect(crd.validate(sgp('p', 'shop', { podSelector: { matchLabels: { a: 1 as unknown as string } }, groupIds: [A] }))).not.toEqual([]);
    expect(crd.validate({ ...sgp('p', 'shop', { podSelector: {}, groupIds: [A] }), apiVersion: `${SGP_GROUP}/v1` })).not.toEqual([]);
    expect(crd.validate(sgp('p', 'shop', { podSelector: {}, groupIds: [A] })).length).toBe(0);
    expect(SGP_API_VERSION).toBe('vpcresources.k8s.aws/v1beta1');
  });
});
