import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa, issueServingCertificate } from '../../src/tls/ca.js';
import { splitPemCertificates } from '../../src/tls/material.js';
import { applyRotation, bundleContains, DEFAULT_ROTATION, nextBundle, planRotation, signingCa } from '../../src/tls/rotation.js';

const DAY = 86_400_000;
const names = { dns: ['sgbridge.sgbridge-system.svc'], ips: [] };
const t0 = new Date('2026-11-26T12:00:00Z');
const at = (days: number) => new Date(t0.getTime() + days * DAY);

function fresh(now = t0) {
  return applyRotation({}, { kind: 'new-ca', reason: 'test' }, names, now);
}

describe('planRotation', () => {
  it('starts with a CA, then has nothing to do', () => {
    expect(planRotation({}, names, t0)).toEqual({ kind: 'new-ca', reason: 'no CA yet' });
    expect(planRotation(fresh(), names, t0)).toEqual({ kind: 'none' });
  });

  it('renews the serving certificate 30 days before it expires, not earlier', () => {
    const s = fresh();
    expect(planRotation(s, names, at(364 - 31)).kind).toBe('none');
    expect(planRotation(s, names, at(365 - 29))).toMatchObject({ kind: 'new-serving', urgent: false });
  });

  it('renews the CA 365 days before it expires, not earlier', () => {
    const s = fresh();
    expect(planRotation({ ...s, cert: issueServingCertificate({ cert: s.ca, key: s.caKey }, { ...names, now: at(3650 - 366) }).cert }, names, at(3650 - 366)).kind).not.toBe('new-ca');
    expect(planRotation(s, names, at(3650 - 364))).toMatchObject({ kind: 'new-ca' });
  });

  it('treats a missing or mismatched CA key as a CA change and an unusable serving cert as urgent', () => {
    const s = fresh();
    expect(planRotation({ ...s, caKey: undefined }, names, t0)).toMatchObject({ kind: 'new-ca' });
    expect(planRotation({ ...s, caKey: createCa().key }, names, t0)).toMatchObject({ kind: 'new-ca' });
    expect(planRotation({ ...s, cert: undefined }, names, t0)).toMatchObject({ kind: 'new-serving', urgent: true });
    expect(planRotation(s, { dns: ['other.example'], ips: [] }, t0)).toMatchObject({ kind: 'new-serving', urgent: true });
    expect(planRotation({ ...s, key: createCa().key }, names, t0)).toMatchObject({ kind: 'new-serving', urgent: true });
  });
});

describe('applyRotation: a CA change keeps both CAs and the serving certificate', () => {
  it('adds the new CA first, keeps the old CA and the serving cert, then reissues from the new CA', () => {
    const first = fresh();
    const when = at(3650 - 364);
    // The serving certificate was renewed recently, as the loop does every year.
    const s = { ...first, ...issueServingCertificate({ cert: first.ca, key: first.caKey }, { ...names, now: at(3650 - 374) }) };
    const step = planRotation(s, names, when);
    const changed = applyRotation(s, step, names, when);
    const cas = splitPemCertificates(changed.ca);
    expect(cas).toHaveLength(2);
    expect(cas[1]).toBe(splitPemCertificates(s.ca)[0]);
    expect(signingCa(changed)).toBe(cas[0]);
    expect(changed.cert).toBe(s.cert); // still served until the new CA has reached the clients

    const next = planRotation(changed, names, when);
    expect(next).toEqual({ kind: 'new-serving', reason: 'the serving certificate was signed by the previous CA', urgent: false });
    const reissued = applyRotation(changed, next, names, when);
    expect(new X509Certificate(reissued.cert).verify(new X509Certificate(cas[0]!).publicKey)).toBe(true);
    expect(splitPemCertificates(reissued.ca)).toHaveLength(2);
    expect(planRotation(reissued, names, when)).toEqual({ kind: 'none' });
    // When the old CA expires it leaves the bundle on the next write.
    const later = applyRotation(reissued, { kind: 'new-serving', reason: 'test', urgent: false }, names, at(3651));
    expect(splitPemCertificates(later.ca)).toHaveLength(1);
  });

  it('issues a serving cert from the new CA at once when nothing servable exists', () => {
    const s = applyRotation({ ca: createCa().cert }, { kind: 'new-ca', reason: 'x' }, names, t0);
    expect(new X509Certificate(s.cert).verify(new X509Certificate(splitPemCertificates(s.ca)[0]!).publicKey)).toBe(true);
  });
});

describe('nextBundle and bundleContains', () => {
  it('puts the signer first, drops duplicates and expired CAs', () => {
    const a = createCa({ now: t0, validityMs: 10 * DAY });
    const b = createCa({ now: t0, validityMs: 100 * DAY });
    const bundle = nextBundle(b.cert, a.cert + b.cert + a.cert, at(1));
    expect(splitPemCertificates(bundle)).toEqual([b.cert, a.cert].map((p) => splitPemCertificates(p)[0]));
    expect(splitPemCertificates(nextBundle(b.cert, a.cert, at(11)))).toHaveLength(1);
    expect(bundleContains(bundle, a.cert)).toBe(true);
    expect(bundleContains(b.cert, a.cert)).toBe(false);
  });
  it('default policy: 30 days for serving, 365 for the CA', () => {
    expect(DEFAULT_ROTATION.servingRenewBeforeMs).toBe(30 * DAY);
    expect(DEFAULT_ROTATION.caRenewBeforeMs).toBe(365 * DAY);
  });
});
