// When certificates are renewed, and what the CA bundle holds meanwhile. Pure decisions: the
// caller hands in the current certificates and the time.
import { certificateExpiry, parseCertificate, splitPemCertificates } from './material.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RotationPolicy {
  /** Renew the serving certificate this long before it expires. */
  servingRenewBeforeMs: number;
  /** Renew the CA this long before it expires (the old CA stays in the bundle until then). */
  caRenewBeforeMs: number;
  servingDays: number;
  caDays: number;
}

export const DEFAULT_ROTATION: RotationPolicy = {
  servingRenewBeforeMs: 30 * DAY_MS,
  caRenewBeforeMs: 365 * DAY_MS,
  servingDays: 365,
  caDays: 3650,
};

export function expiresWithin(pem: string, ms: number, now: Date): boolean {
  return certificateExpiry(pem).getTime() - now.getTime() <= ms;
}

export function notYetValid(pem: string, now: Date): boolean {
  return new Date(parseCertificate(pem).validFrom).getTime() > now.getTime();
}

export interface CurrentCertificates {
  /** The CA that signs (PEM), or undefined when there is none yet. */
  caCert?: string;
  /** Whether the CA's key is at hand: without it nothing can be signed. */
  caKeyPresent: boolean;
  servingCert?: string;
  /** Whether the serving cert still names everything it must and matches its key and CA. */
  servingUsable: boolean;
}

export type RotationAction =
  | { kind: 'none' }
  | { kind: 'new-ca'; reason: string }
  | { kind: 'new-serving'; reason: string };

/**
 * What to do now. A new CA always comes with a new serving certificate signed by it; the bundle
 * keeps the old CA (see nextBundle) so clients holding the old bundle still trust the new one's
 * predecessor, and the new CA is trusted before anything it signs is served.
 */
export function decideRotation(cur: CurrentCertificates, now: Date, policy: RotationPolicy = DEFAULT_ROTATION): RotationAction {
  if (!cur.caCert || !cur.caKeyPresent) return { kind: 'new-ca', reason: cur.caCert ? 'the CA key is missing' : 'no CA yet' };
  if (expiresWithin(cur.caCert, policy.caRenewBeforeMs, now)) return { kind: 'new-ca', reason: `the CA expires ${certificateExpiry(cur.caCert).toISOString()}` };
  if (!cur.servingCert) return { kind: 'new-serving', reason: 'no serving certificate yet' };
  if (!cur.servingUsable) return { kind: 'new-serving', reason: 'the serving certificate does not match its names, key or CA' };
  if (expiresWithin(cur.servingCert, policy.servingRenewBeforeMs, now)) return { kind: 'new-serving', reason: `the serving certificate expires ${certificateExpiry(cur.servingCert).toISOString()}` };
  return { kind: 'none' };
}

/**
 * The CA bundle to publish: the signing CA first, then every other CA from the old bundle that
 * has not expired yet (an overlap that ends by itself), without duplicates.
 */
export function nextBundle(signingCa: string, previousBundle: string, now: Date): string {
  const signing = splitPemCertificates(signingCa)[0];
  if (!signing) throw new Error('signing CA: expected a PEM certificate');
  const keep = [signing];
  const seen = new Set([fingerprint(signing)]);
  for (const pem of splitPemCertificates(previousBundle)) {
    const fp = fingerprint(pem);
    if (seen.has(fp)) continue;
    seen.add(fp);
    if (certificateExpiry(pem).getTime() > now.getTime()) keep.push(pem);
  }
  return keep.join('');
}

function fingerprint(pem: string): string {
  return parseCertificate(pem).fingerprint256;
}
