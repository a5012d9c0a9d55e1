// When certificates are renewed, and what the CA bundle holds meanwhile. Decisions are pure (the
// caller hands in what is stored and the time); applying one makes keys and certificates.
//
// A CA change never breaks a client: the new CA first joins the bundle next to the old one (the
// serving certificate stays as it is), and only once that bundle has reached the webhook
// configurations is a serving certificate signed by the new CA issued. The old CA leaves the
// bundle when it expires.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { certificateCovers, createCa, issueServingCertificate, materialProblems } from './ca.js';
import { certificateExpiry, parseCertificate, splitPemCertificates, type TlsMaterial } from './material.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RotationPolicy {
  /** Renew the serving certificate this long before it expires. */
  servingRenewBeforeMs: number;
  /** Renew the CA this long before it expires (the old CA stays in the bundle until then). */
  caRenewBeforeMs: number;
  servingValidityMs: number;
  caValidityMs: number;
}

export const DEFAULT_ROTATION: RotationPolicy = {
  servingRenewBeforeMs: 30 * DAY_MS,
  caRenewBeforeMs: 365 * DAY_MS,
  servingValidityMs: 365 * DAY_MS,
  caValidityMs: 3650 * DAY_MS,
};

/** What the certificate Secret holds (PEM); any part may be missing. */
export interface StoredCertificates {
  cert?: string;
  key?: string;
  /** Bundle: the signing CA first, then older CAs that still overlap. */
  ca?: string;
  /** Key of the signing CA (the first in `ca`). */
  caKey?: string;
}

export interface Names {
  dns: string[];
  ips: string[];
}

export function expiresWithin(pem: string, ms: number, now: Date): boolean {
  return certificateExpiry(pem).getTime() - now.getTime() <= ms;
}

export function notYetValid(pem: string, now: Date): boolean {
  return new Date(parseCertificate(pem).validFrom).getTime() > now.getTime();
}

/** The first CA of the bundle, when the stored CA key belongs to it. */
export function signingCa(stored: StoredCertificates): string | undefined {
  const first = stored.ca ? splitPemCertificates(stored.ca)[0] : undefined;
  if (!first || !stored.caKey) return undefined;
  try {
    return new X509Certificate(first).checkPrivateKey(createPrivateKey(stored.caKey)) ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Why the stored serving certificate cannot be served at all, or undefined when it can. */
export function servingProblem(stored: StoredCertificates, names: Names, now: Date): string | undefined {
  if (!stored.cert || !stored.key || !stored.ca) return 'no serving certificate yet';
  const problems = materialProblems(stored as TlsMaterial);
  if (problems.length > 0) return problems.join('; ');
  if (!certificateCovers(stored.cert, names.dns, names.ips)) return `the serving certificate does not name all of ${[...names.dns, ...names.ips].join(', ')}`;
  if (notYetValid(stored.cert, now)) return 'the serving certificate is not valid yet';
  if (certificateExpiry(stored.cert).getTime() <= now.getTime()) return 'the serving certificate has expired';
  return undefined;
}

export type RotationStep =
  | { kind: 'none' }
  /** Make a new CA and put it first in the bundle. */
  | { kind: 'new-ca'; reason: string }
  /**
   * Issue a serving certificate from the signing CA. `urgent` when the current one cannot be
   * served at all; otherwise the caller first makes sure the signing CA has reached every client.
   */
  | { kind: 'new-serving'; reason: string; urgent: boolean };

export function planRotation(stored: StoredCertificates, names: Names, now: Date, policy: RotationPolicy = DEFAULT_ROTATION): RotationStep {
  const ca = signingCa(stored);
  if (!ca) return { kind: 'new-ca', reason: stored.ca ? 'the CA key is missing or does not match the CA' : 'no CA yet' };
  if (expiresWithin(ca, policy.caRenewBeforeMs, now)) return { kind: 'new-ca', reason: `the CA expires ${certificateExpiry(ca).toISOString()}` };
  const problem = servingProblem(stored, names, now);
  if (problem) return { kind: 'new-serving', reason: problem, urgent: true };
  if (!new X509Certificate(stored.cert!).verify(new X509Certificate(ca).publicKey)) {
    return { kind: 'new-serving', reason: 'the serving certificate was signed by the previous CA', urgent: false };
  }
  if (expiresWithin(stored.cert!, policy.servingRenewBeforeMs, now)) {
    return { kind: 'new-serving', reason: `the serving certificate expires ${certificateExpiry(stored.cert!).toISOString()}`, urgent: false };
  }
  return { kind: 'none' };
}

/**
 * Carries out a step. A new CA keeps a still-servable serving certificate (its CA stays in the
 * bundle); with nothing servable, the new CA signs a serving certificate at once.
 */
export function applyRotation(stored: StoredCertificates, step: RotationStep, names: Names, now: Date, policy: RotationPolicy = DEFAULT_ROTATION): Required<StoredCertificates> {
  if (step.kind === 'none') {
    if (!stored.cert || !stored.key || !stored.ca || !stored.caKey) throw new Error('nothing to keep: the stored certificates are incomplete');
    return stored as Required<StoredCertificates>;
  }
  if (step.kind === 'new-ca') {
    const ca = createCa({ now, validityMs: policy.caValidityMs });
    const bundle = nextBundle(ca.cert, stored.ca ?? '', now);
    const keep = { ...stored, ca: bundle, caKey: ca.key };
    if (servingProblem(keep, names, now) === undefined) return keep as Required<StoredCertificates>;
    const serving = issueServingCertificate(ca, { ...names, validityMs: policy.servingValidityMs, now });
    return { cert: serving.cert, key: serving.key, ca: bundle, caKey: ca.key };
  }
  const ca = signingCa(stored);
  if (!ca) throw new Error('cannot issue a serving certificate: no signing CA with its key');
  const serving = issueServingCertificate({ cert: ca, key: stored.caKey! }, { ...names, validityMs: policy.servingValidityMs, now });
  return { cert: serving.cert, key: serving.key, ca: nextBundle(ca, stored.ca!, now), caKey: stored.caKey! };
}

/**
 * The CA bundle to publish: the signing CA first, then every other CA from the old bundle that
 * has not expired yet (an overlap that ends by itself), without duplicates.
 */
export function nextBundle(signingCaPem: string, previousBundle: string, now: Date): string {
  const signing = splitPemCertificates(signingCaPem)[0];
  if (!signing) throw new Error('signing CA: expected a PEM certificate');
  const keep = [signing];
  const seen = new Set([fingerprint(signing)]);
  for (const pem of splitPemCertificates(previousBundle)) {
    let fp: string;
    try {
      fp = fingerprint(pem);
    } catch {
      continue; // an unreadable entry is dropped, not carried forward
    }
    if (seen.has(fp)) continue;
    seen.add(fp);
    if (certificateExpiry(pem).getTime() > now.getTime()) keep.push(pem);
  }
  return keep.join('');
}

function fingerprint(pem: string): string {
  return parseCertificate(pem).fingerprint256;
}

/** Whether every CA of `needed` is in `bundle` (by fingerprint). */
export function bundleContains(bundle: string, needed: string): boolean {
  const have = new Set(splitPemCertificates(bundle).map((p) => {
    try {
      return fingerprint(p);
    } catch {
      return '';
    }
  }));
  return splitPemCertificates(needed).every((p) => have.has(fingerprint(p)));
}
