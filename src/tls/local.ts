// Certificates for running sgbridge on a laptop or outside the cluster: made once under a
// directory, reused while they are good, remade when missing, broken, expiring or not covering
// the names asked for.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { certificateCovers, createCa, issueServingCertificate, materialProblems, type KeyPairPem } from './ca.js';
import type { TlsMaterial } from './material.js';
import { DEFAULT_ROTATION, expiresWithin, notYetValid, type RotationPolicy } from './rotation.js';
import { parseCertificate, splitPemCertificates } from './material.js';

export const FILES = { ca: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename), so a reader never sees half a file. */
async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/**
 * Writes ca.crt, tls.key and tls.crt (keys 0600), and ca.key when given. The key goes before the
 * certificate so a watcher that sees a new tls.crt finds its key already there.
 */
export async function writeCertificateFiles(dir: string, material: TlsMaterial, caKey?: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, FILES.ca), material.ca, 0o644);
  if (caKey !== undefined) await writeAtomic(join(dir, FILES.caKey), caKey, 0o600);
  await writeAtomic(join(dir, FILES.key), material.key, 0o600);
  await writeAtomic(join(dir, FILES.cert), material.cert, 0o644);
}

export interface LocalOptions {
  dns: string[];
  ips: string[];
  /** Validity of a newly made serving certificate. */
  days?: number;
  now?: Date;
  policy?: RotationPolicy;
}

function caKeyMatches(caCert: string, caKey: string): boolean {
  try {
    return parseCertificate(caCert).checkPrivateKey(createPrivateKey(caKey));
  } catch {
    return false;
  }
}

/** Why the files in dir cannot be used as they are, or undefined when they can. */
function whyRemake(m: Partial<TlsMaterial>, opts: LocalOptions, now: Date, policy: RotationPolicy): string | undefined {
  if (m.ca === undefined || m.cert === undefined || m.key === undefined) return 'missing files';
  const problems = materialProblems(m as TlsMaterial);
  if (problems.length > 0) return problems.join('; ');
  if (!certificateCovers(m.cert, opts.dns, opts.ips)) return 'the certificate does not name everything asked for';
  if (notYetValid(m.cert, now)) return 'the certificate is not valid yet';
  if (expiresWithin(m.cert, policy.servingRenewBeforeMs, now)) return 'the certificate expires soon';
  return undefined;
}

export async function ensureLocalCertificates(
  dir: string,
  opts: LocalOptions,
): Promise<{ created: boolean; material: TlsMaterial; reason?: string }> {
  const now = opts.now ?? new Date();
  const policy = opts.policy ?? DEFAULT_ROTATION;
  const found: Partial<TlsMaterial> = {
    ca: await readOptional(join(dir, FILES.ca)),
    cert: await readOptional(join(dir, FILES.cert)),
    key: await readOptional(join(dir, FILES.key)),
  };
  const reason = whyRemake(found, opts, now, policy);
  if (reason === undefined) return { created: false, material: found as TlsMaterial };

  const { material } = await issueLocalCertificates(dir, { ...opts, now, policy });
  return { created: true, material, reason };
}

/**
 * Makes a new serving certificate in dir. The CA stays when its key is there, it matches, and it
 * is good for a while (a caBundle already handed to the apiserver stays valid); otherwise, or with
 * newCa, a new CA is made and its key written to ca.key.
 */
export async function issueLocalCertificates(
  dir: string,
  opts: LocalOptions & { newCa?: boolean },
): Promise<{ material: TlsMaterial; caReused: boolean }> {
  const now = opts.now ?? new Date();
  const policy = opts.policy ?? DEFAULT_ROTATION;
  const caCert = await readOptional(join(dir, FILES.ca));
  const caKey = await readOptional(join(dir, FILES.caKey));
  const reusable = !opts.newCa && caCert !== undefined && caKey !== undefined && caKeyMatches(caCert, caKey) && !expiresWithin(caCert, policy.caRenewBeforeMs, now);
  const ca: KeyPairPem = reusable ? { cert: splitPemCertificates(caCert)[0]!, key: caKey } : createCa({ now, validityMs: policy.caValidityMs });
  const serving = issueServingCertificate(ca, { dns: opts.dns, ips: opts.ips, validityMs: opts.days !== undefined ? opts.days * 86_400_000 : policy.servingValidityMs, now });
  const material: TlsMaterial = { cert: serving.cert, key: serving.key, ca: ca.cert };
  await writeCertificateFiles(dir, material, reusable ? undefined : ca.key);
  return { material, caReused: reusable };
}
