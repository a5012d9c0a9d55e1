// A small CA and the serving certificates it signs (node-forge builds the certificates; Node's
// native crypto makes the RSA keys, which pure-JS key generation would take seconds for).
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { parseCertificate, splitPemCertificates, type TlsMaterial } from './material.js';

export interface KeyPairPem {
  cert: string;
  key: string;
}

export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_SERVING_DAYS = 365;
/** Backdating covers clocks that lag a little behind the signer's. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function newRsaKey(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, validityMs: number, now: Date): void {
  if (!(validityMs >= 1000)) throw new Error(`validity: expected at least one second, got ${validityMs} ms`);
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityMs);
}
const validityOf = (o: { days?: number; validityMs?: number }, defaultDays: number) => o.validityMs ?? (o.days ?? defaultDays) * DAY_MS;

export interface CaOptions {
  commonName?: string;
  days?: number;
  /** Overrides days (short-lived certificates in tests). */
  validityMs?: number;
  now?: Date;
}

/** A self-signed CA: basicConstraints CA:true, keyCertSign + cRLSign, subject key id. */
export function createCa(opts: CaOptions = {}): KeyPairPem {
  const now = opts.now ?? new Date();
  const key = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, validityOf(opts, DEFAULT_CA_DAYS), now);
  const subject = [
    { name: 'commonName', value: opts.commonName ?? `sgbridge-ca-${now.toISOString().slice(0, 10)}` },
    { name: 'organizationName', value: 'sgbridge' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(key.forgeKey, forge.md.sha256.create());
  return { cert: unixPem(forge.pki.certificateToPem(cert)), key: key.pem };
}

export interface ServingOptions {
  dns: string[];
  ips: string[];
  days?: number;
  /** Overrides days. */
  validityMs?: number;
  now?: Date;
}

/** Checks names up front so a typo gives a clear error rather than a broken certificate. */
export function checkSubjectNames(dns: string[], ips: string[]): void {
  if (dns.length === 0 && ips.length === 0) throw new Error('expected at least one DNS name (--dns) or IP address (--ip) for the serving certificate');
  for (const ip of ips) if (!isIP(ip)) throw new Error(`ip: expected an IPv4 or IPv6 address, got "${ip}"`);
  for (const name of dns) {
    if (!/^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(name) || name.length > 253) {
      throw new Error(`dns: expected a DNS name like sgbridge.sgbridge-system.svc, got "${name}"`);
    }
  }
}

/** A serving certificate (serverAuth) for the names given, signed by the CA. */
export function issueServingCertificate(ca: KeyPairPem, opts: ServingOptions): KeyPairPem {
  checkSubjectNames(opts.dns, opts.ips);
  const now = opts.now ?? new Date();
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(toPkcs1(ca.key));
  const key = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, validityOf(opts, DEFAULT_SERVING_DAYS), now);
  // A serving certificate must not outlive its CA.
  if (cert.validity.notAfter > caCert.validity.notAfter) cert.validity.notAfter = caCert.validity.notAfter;
  cert.setSubject([{ name: 'commonName', value: opts.dns[0] ?? opts.ips[0]! }, { name: 'organizationName', value: 'sgbridge' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...opts.dns.map((value) => ({ type: 2, value })), ...opts.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: unixPem(forge.pki.certificateToPem(cert)), key: key.pem };
}

/** forge reads PKCS#1 RSA keys only; keys may arrive as PKCS#8 from other tools. */
function toPkcs1(pem: string): string {
  return createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** Whether the certificate's SANs include every DNS name and IP address asked for. */
export function certificateCovers(certPem: string, dns: string[], ips: string[]): boolean {
  const cert = parseCertificate(certPem);
  const sans = (cert.subjectAltName ?? '').split(',').map((s) => s.trim());
  const dnsNames = new Set(sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase()));
  const ipAddrs = new Set(sans.filter((s) => s.startsWith('IP Address:')).map((s) => normaliseIp(s.slice('IP Address:'.length))));
  return dns.every((d) => dnsNames.has(d.toLowerCase())) && ips.every((ip) => ipAddrs.has(normaliseIp(ip)));
}

function normaliseIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  // Expand and compare IPv6 in one canonical form (Node prints SAN IPv6 addresses expanded).
  return new URL(`http://[${ip}]/`).hostname;
}

/**
 * Problems with a set of serving material, or [] when it is usable: each part parses, the key
 * belongs to the certificate, and one of the CAs in the bundle signed the certificate.
 */
export function materialProblems(m: TlsMaterial): string[] {
  let cert: X509Certificate;
  try {
    cert = parseCertificate(m.cert);
  } catch (e) {
    return [`tls.crt: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  try {
    if (!cert.checkPrivateKey(createPrivateKey(m.key))) problems.push('tls.key: does not belong to the certificate in tls.crt');
  } catch (e) {
    problems.push(`tls.key: expected a PEM private key (${(e as Error).message})`);
  }
  const cas = splitPemCertificates(m.ca);
  if (cas.length === 0) problems.push('ca.crt: expected one or more PEM certificates, found none');
  else {
    try {
      if (!cas.some((pem) => cert.verify(new X509Certificate(pem).publicKey))) problems.push('ca.crt: no CA in the bundle signed tls.crt');
    } catch (e) {
      problems.push(`ca.crt: ${(e as Error).message}`);
    }
  }
  return problems;
}

/** forge writes CRLF line ends; everything else here (and kubectl) uses LF. */
function unixPem(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}
