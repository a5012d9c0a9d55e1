// Malformed input never throws: the guarded kinds are refused with HTTP 400 and a message that
// names the bad field; anything unrelated passes.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, Decision, UserInfo } from '../../../src/core/admission-types.js';
import { decideValidation, type ProtectionContext } from '../../../src/core/protection/index.js';
import { calicoObject, exampleContext, membership, POD_SG, request, TRUST, write } from './support.js';

const CRD = 'crd.projectcalico.org';
let ctx: ProtectionContext;
beforeAll(async () => {
  ctx = await exampleContext();
});

function expectBadRequest(d: Decision, ...mentions: string[]): void {
  expect(d.allowed).toBe(false);
  expect(d.code).toBe(400);
  expect(d.message!.length).toBeLessThan(256);
  for (const m of mentions) expect(d.message).toContain(m);
}

describe('malformed objects', () => {
  it('refuses a Tier whose object is not an object', () => {
    expectBadRequest(decideValidation(request({ group: CRD, kind: 'Tier', operation: 'CREATE', object: 'sg-local', name: 'team' }), ctx), 'request.object');
  });

  it('refuses a Tier whose spec.order is not a number', () => {
    expectBadRequest(decideValidation(write(CRD, 'Tier', 'CREATE', calicoObject(CRD, 'Tier', 'team', { order: '50' })), ctx), 'spec.order');
  });

  it('refuses a policy whose spec is not an object, or whose spec.tier is not a string', () => {
    const bad = { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'x' }, spec: ['tier', 'sg-local'] };
    expectBadRequest(decideValidation(write(CRD, 'GlobalNetworkPolicy', 'CREATE', bad), ctx), 'spec');
    expectBadRequest(decideValidation(write(CRD, 'GlobalNetworkPolicy', 'CREATE', calicoObject(CRD, 'GlobalNetworkPolicy', 'x', { tier: 7 })), ctx), 'spec.tier');
  });

  it('refuses an endpoint whose labels are not a string map', () => {
    const listLabels = { apiVersion: 'crd.projectcalico.org/v1', kind: 'HostEndpoint', metadata: { name: 'h', labels: [membership(POD_SG)] }, spec: {} };
    expectBadRequest(decideValidation(write(CRD, 'HostEndpoint', 'CREATE', listLabels), ctx), 'labels');
    const numberLabel = { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkSet', metadata: { name: 'n', namespace: 'a', labels: { [membership(POD_SG)]: 1 } }, spec: {} };
    expectBadRequest(decideValidation(write(CRD, 'NetworkSet', 'UPDATE', numberLabel), ctx), 'labels');
  });

  it('refuses an UPDATE of a guarded kind without oldObject, and a DELETE of an endpoint without it', () => {
    const p = calicoObject(CRD, 'GlobalNetworkPolicy', 'x', {});
    expectBadRequest(decideValidation({ ...write(CRD, 'GlobalNetworkPolicy', 'UPDATE', p), oldObject: null }, ctx), 'oldObject');
    expectBadRequest(decideValidation(request({ group: CRD, kind: 'HostEndpoint', operation: 'DELETE', name: 'h' }), ctx), 'oldObject');
  });

  it('says a policy is protected when its name shows it, even without a readable object', () => {
    const d = decideValidation(request({ group: CRD, kind: 'GlobalNetworkPolicy', operation: 'DELETE', name: 'sg-local.sg-98765432109876' }), ctx);
    expect(d).toMatchObject({ allowed: false, code: 403 });
    expect(d.message).toContain('sg-local');
  });

  it('refuses a pod without an object or with labels that are not a map', () => {
    expectBadRequest(decideValidation(request({ group: '', kind: 'Pod', operation: 'CREATE', object: null }), ctx), 'request.object');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: 'app=web' }, spec: {} };
    expectBadRequest(decideValidation(request({ group: '', kind: 'Pod', operation: 'CREATE', object: pod }), ctx), 'labels');
  });

  it('refuses a policy nested deeper than any schema allows instead of searching without bound', () => {
    let deep: unknown = `has(${membership(TRUST)})`;
    for (let i = 0; i < 200; i += 1) deep = { inner: deep };
    const p = calicoObject(CRD, 'GlobalNetworkPolicy', 'default.x', { tier: 'default', metadata: deep });
    expectBadRequest(decideValidation(write(CRD, 'GlobalNetworkPolicy', 'CREATE', p), ctx), 'nested');
  });
});

describe('malformed requests', () => {
  it('reads the kind from the resource when request.kind is missing', () => {
    const r = { ...write(CRD, 'Tier', 'CREATE', calicoObject(CRD, 'Tier', 'sg-local', {})) } as Partial<AdmissionRequest>;
    delete r.kind;
    const d = decideValidation(r as AdmissionRequest, ctx);
    expect(d).toMatchObject({ allowed: false, code: 403 });
  });

  it('treats a request without userInfo as untrusted', () => {
    const r = { ...write(CRD, 'Tier', 'UPDATE', calicoObject(CRD, 'Tier', 'metadata', {})), userInfo: undefined } as unknown as AdmissionRequest;
    expect(decideValidation(r, ctx).allowed).toBe(false);
  });

  it('does not trust a break-glass group given as something other than a list', () => {
    const user = { username: 'x', groups: 'sgbridge-break-glass' } as unknown as UserInfo;
    expect(decideValidation(write(CRD, 'Tier', 'UPDATE', calicoObject(CRD, 'Tier', 'sg-local', {}), user), ctx).allowed).toBe(false);
  });

  it('allows unrelated kinds whatever their shape', () => {
    expect(decideValidation(request({ group: '', kind: 'ConfigMap', operation: 'CREATE', object: [1, 2, 3] }), ctx).allowed).toBe(true);
  });
});
