// The certificate Secret `<serviceName>-tls` in sgbridge's namespace: the leader writes it, every
// replica reads it. Keys: tls.crt, tls.key, ca.crt (the Kubernetes TLS Secret names) and ca.key,
// the signing CA's key, which the leader needs to sign renewals.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { kubeFailure } from './errors.js';

export const SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt', caKey: 'ca.key' } as const;

export interface CertSecretData {
  cert?: string;
  key?: string;
  ca?: string;
  caKey?: string;
}

export interface StoredSecret {
  data: CertSecretData;
  resourceVersion: string;
}

export function certSecretName(serviceName: string): string {
  return `${serviceName}-tls`;
}

const decode = (v: string | undefined) => (v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'));
const encode = (v: string) => Buffer.from(v, 'utf8').toString('base64');

export class CertSecretStore {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The Secret's certificates, or undefined when it does not exist. */
  async read(): Promise<StoredSecret | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (err) {
      if (kubeFailure(err).status === 404) return undefined;
      throw err;
    }
    const d = secret.data ?? {};
    return {
      data: { cert: decode(d[SECRET_KEYS.cert]), key: decode(d[SECRET_KEYS.key]), ca: decode(d[SECRET_KEYS.ca]), caKey: decode(d[SECRET_KEYS.caKey]) },
      resourceVersion: secret.metadata?.resourceVersion ?? '',
    };
  }

  private body(data: Required<CertSecretData>, resourceVersion?: string): V1Secret {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: this.name, namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': 'sgbridge' }, ...(resourceVersion ? { resourceVersion } : {}) },
      data: {
        [SECRET_KEYS.cert]: encode(data.cert),
        [SECRET_KEYS.key]: encode(data.key),
        [SECRET_KEYS.ca]: encode(data.ca),
        [SECRET_KEYS.caKey]: encode(data.caKey),
      },
    };
  }

  /** Creates the Secret; 'exists' when another replica was first (its content wins). */
  async create(data: Required<CertSecretData>): Promise<'created' | 'exists'> {
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body: this.body(data), fieldManager: 'sgbridge' });
      return 'created';
    } catch (err) {
      if (kubeFailure(err).status === 409) return 'exists';
      throw err;
    }
  }

  /** Replaces the Secret if it is still at resourceVersion; 'conflict' when it changed meanwhile. */
  async replace(data: Required<CertSecretData>, resourceVersion: string): Promise<'replaced' | 'conflict'> {
    try {
      await this.core.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body: this.body(data, resourceVersion), fieldManager: 'sgbridge' });
      return 'replaced';
    } catch (err) {
      if (kubeFailure(err).status === 409) return 'conflict';
      throw err;
    }
  }
}
