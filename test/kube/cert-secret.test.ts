import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertSecretStore, certSecretName } from '../../src/kube/cert-secret.js';
import { createCa, issueServingCertificate } from '../../src/tls/ca.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';

const ca = createCa();
const serving = issueServingCertificate(ca, { dns: ['sgbridge.sgbridge-system.svc'], ips: [] });
const data = { cert: serving.cert, key: serving.key, ca: ca.cert, caKey: ca.key };

describe('CertSecretStore against the apiserver double', () => {
  let api: ApiServerDouble;
  beforeAll(async () => {
    api = await startApiServerDouble();
  });
  afterAll(async () => api.close());

  it('reads nothing, creates, reads back, replaces with the resourceVersion, and reports conflicts', async () => {
    const store = new CertSecretStore(api.kubeConfig(), 'sgbridge-system', certSecretName('sgbridge'));
    expect(store.name).toBe('sgbridge-tls');
    expect(await store.read()).toBeUndefined();
    expect(await store.create(data)).toBe('created');
    expect(await store.create(data)).toBe('exists');

    const secret = api.get('v1', 'Secret', 'sgbridge-tls', 'sgbridge-system') as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    expect(Buffer.from(secret.data['tls.crt']!, 'base64').toString()).toBe(serving.cert);

    const read = await store.read();
    expect(read?.data).toEqual(data);
    const next = { ...data, ca: ca.cert + ca.cert };
    expect(await store.replace(next, read!.resourceVersion)).toBe('replaced');
    expect((await store.read())?.data.ca).toBe(next.ca);
    expect(await store.replace(data, read!.resourceVersion)).toBe('conflict');
  });

  it('is refused outside its own namespace (the Role only covers sgbridge-system)', async () => {
    const store = new CertSecretStore(api.kubeConfig(), 'default', 'sgbridge-tls');
    await expect(store.read()).rejects.toMatchObject({ code: 403 });
  });
});
