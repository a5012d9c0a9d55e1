// What every TLS consumer sees: PEM material and a source that announces changes.
import { X509Certificate } from 'node:crypto';

export interface TlsMaterial {
  /** Serving certificate (PEM). */
  cert: string;
  /** Serving private key (PEM). */
  key: string;
  /** CA bundle (PEM); may hold several CA certificates while a CA change overlaps. */
  ca: string;
}

export interface TlsSource {
  current(): TlsMaterial;
  /** Called with the new material after every change; returns an unsubscribe function. */
  subscribe(listener: (m: TlsMaterial) => void): () => void;
  close(): void;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, in order, each as its own PEM block. */
export function splitPemCertificates(pem: string): string[] {
  return [...pem.matchAll(PEM_CERT)].map((m) => m[0].replace(/\r\n/g, '\n') + '\n');
}

export function parseCertificate(pem: string): X509Certificate {
  const first = splitPemCertificates(pem)[0];
  if (!first) throw new Error('expected a PEM certificate (-----BEGIN CERTIFICATE-----), found none');
  return new X509Certificate(first);
}

/** Expiry (notAfter) of the first certificate in the PEM. */
export function certificateExpiry(pem: string): Date {
  return new Date(parseCertificate(pem).validTo);
}

export function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.cert === b.cert && a.key === b.key && a.ca === b.ca;
}
