// Test certificates made with node-forge: a CA and a serving certificate for 127.0.0.1/localhost,
// and a TLS source double whose material can be swapped to exercise hot reload.
import forge from 'node-forge';
import type { TlsMaterialSource } from '../../../src/admission/app.js';

export interface TestMaterial {
  cert: string;
  key: string;
  ca: string;
}

function keyPair(): forge.pki.rsa.KeyPair {
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function certificate(subject: string, publicKey: forge.pki.PublicKey, days: number, serial: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return cert;
}

/** A fresh CA and a serving certificate (valid `days`) signed by it. */
export function makeTestMaterial(days = 30, name = 'sgbridge-test'): TestMaterial {
  const caKeys = keyPair();
  const ca = certificate(`${name}-ca`, caKeys.publicKey, 365, '01');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = keyPair();
  const cert = certificate(name, keys.publicKey, days, '02');
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey), ca: forge.pki.certificateToPem(ca) };
}

/** A TLS source double: set() announces new material to subscribers, as a file watcher would. */
export class TlsSourceDouble implements TlsMaterialSource {
  private listeners = new Set<(m: TestMaterial) => void>();
  constructor(private material: TestMaterial) {}
  current(): TestMaterial {
    return this.material;
  }
  subscribe(listener: (m: TestMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(material: TestMaterial): void {
    this.material = material;
    for (const l of this.listeners) l(material);
  }
  get subscribers(): number {
    return this.listeners.size;
  }
}
