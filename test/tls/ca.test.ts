import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { certificateCovers, checkSubjectNames, createCa, issueServingCertificate, materialProblems } from '../../src/tls/ca.js';
import { certificateExpiry, splitPemCertificates } from '../../src/tls/material.js';

const ca = createCa({ commonName: 'test-ca' });
const serving = issueServingCertificate(ca, { dns: ['sgbridge.sgbridge-system.svc', 'localhost'], ips: ['127.0.0.1', '::1'], days: 10 });

describe('createCa', () => {
  it('makes a self-signed CA certificate with CA extensions', () => {
    const x = new X509Certificate(ca.cert);
    expect(x.ca).toBe(true);
    expect(x.subject).toContain('CN=test-ca');
    expect(x.verify(x.publicKey)).toBe(true);
    const f = forge.pki.certificateFromPem(ca.cert);
    expect(f.getExtension('keyUsage')).toMatchObject({ keyCertSign: true, cRLSign: true, critical: true });
    expect(f.getExtension('basicConstraints')).toMatchObject({ cA: true, critical: true });
    expect(f.getExtension('subjectKeyIdentifier')).toBeTruthy();
    expect(f.siginfo.algorithmOid).toBe(forge.pki.oids.sha256WithRSAEncryption);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('issueServingCertificate', () => {
  const x = new X509Certificate(serving.cert);
  it('is signed by the CA with SHA-256 and is not a CA', () => {
    expect(x.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(x.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // Node reports extKeyUsage here: serverAuth
    const f = forge.pki.certificateFromPem(serving.cert);
    expect(f.getExtension('keyUsage')).toMatchObject({ digitalSignature: true, keyEncipherment: true, keyCertSign: false });
    expect(f.siginfo.algorithmOid).toBe(forge.pki.oids.sha256WithRSAEncryption);
    const aki = f.getExtension('authorityKeyIdentifier') as { value: string } | null;
    const caSki = forge.pki.certificateFromPem(ca.cert).generateSubjectKeyIdentifier().toHex();
    expect(forge.util.bytesToHex(aki?.value ?? '')).toContain(caSki);
  });
  it('names every DNS name and IP asked for', () => {
    expect(x.checkHost('sgbridge.sgbridge-system.svc')).toBe('sgbridge.sgbridge-system.svc');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificateCovers(serving.cert, ['localhost'], ['::1'])).toBe(true);
    expect(certificateCovers(serving.cert, ['other.example'], [])).toBe(false);
    expect(certificateCovers(serving.cert, [], ['10.0.0.1'])).toBe(false);
  });
  it('expires when asked and never after its CA', () => {
    const days = (certificateExpiry(serving.cert).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThan(10.1);
    const short = createCa({ days: 2 });
    const long = issueServingCertificate(short, { dns: ['a'], ips: [], days: 100 });
    expect(certificateExpiry(long.cert).getTime()).toBeLessThanOrEqual(certificateExpiry(short.cert).getTime());
  });
  it('refuses bad names with a clear error', () => {
    expect(() => checkSubjectNames([], ['10.0.0.300'])).toThrow(/ip: expected an IPv4 or IPv6 address, got "10.0.0.300"/);
    expect(() => checkSubjectNames(['bad name'], [])).toThrow(/dns: expected a DNS name/);
    expect(() => checkSubjectNames([], [])).toThrow(/at least one/);
  });
});

describe('materialProblems', () => {
  it('accepts a matching set and names what is wrong otherwise', () => {
    expect(materialProblems({ ...serving, ca: ca.cert })).toEqual([]);
    const other = createCa();
    expect(materialProblems({ ...serving, ca: other.cert })).toEqual(['ca.crt: no CA in the bundle signed tls.crt']);
    expect(materialProblems({ ...serving, ca: other.cert + ca.cert })).toEqual([]);
    expect(materialProblems({ cert: serving.cert, key: other.key, ca: ca.cert })[0]).toMatch(/tls.key: does not belong/);
    expect(materialProblems({ cert: 'garbage', key: serving.key, ca: ca.cert })[0]).toMatch(/tls.crt: expected a PEM certificate/);
    expect(materialProblems({ cert: serving.cert, key: 'nope', ca: ca.cert })[0]).toMatch(/tls.key: expected a PEM private key/);
  });
  it('splits bundles', () => {
    expect(splitPemCertificates(ca.cert + serving.cert)).toHaveLength(2);
  });
});
