import { X509Certificate } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { registerWebhookConfig } from '../../src/cli/webhook-config.js';
import { issueLocalCertificates } from '../../src/tls/local.js';
import { runCli } from '../support/cli.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const run = (args: string[]) => runCli(registerWebhookConfig, ['webhook-config', ...args]);

describe('sgbridge webhook-config', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sgbridge-whc-'));
  const { material } = await issueLocalCertificates(dir, { dns: ['sgbridge.example.internal'], ips: ['10.0.0.12'] });

  it('prints multi-document YAML kubectl can apply, with the CA as caBundle', async () => {
    const { out, err } = await run(['--url', 'https://sgbridge.example.internal:8443', '--ca-file', join(dir, 'ca.crt'), '--admission-policy']);
    expect(err).toBe('');
    const docs = parseAllDocuments(out).map((d) => d.toJS() as any);
    expect(docs.map((d) => d.kind)).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    expect(out).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
    for (const w of [...docs[0].webhooks, ...docs[1].webhooks]) {
      const pem = Buffer.from(w.clientConfig.caBundle, 'base64').toString();
      expect(new X509Certificate(pem).fingerprint256).toBe(new X509Certificate(material.ca).fingerprint256);
      expect(w.clientConfig.url).toMatch(/^https:\/\/sgbridge\.example\.internal:8443\/(mutate|validate)$/);
    }
  });

  it('takes settings (namespace, failure policy) and prints a JSON List', async () => {
    const { out } = await run(['--url', 'https://10.0.0.12:8443', '--ca-file', join(dir, 'ca.crt'), '--failure-policy', 'Fail', '--output', 'json', '--namespace', 'sgb', '--no-match-conditions']);
    const list = JSON.parse(out);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    const mutate = list.items[0].webhooks[0];
    expect(mutate.failurePolicy).toBe('Fail');
    expect(mutate.matchConditions).toBeUndefined();
    expect(mutate.namespaceSelector.matchExpressions[0].values).toContain('sgb');
  });

  it('warns when the serving certificate beside the CA does not name the host', async () => {
    const { err } = await run(['--url', 'https://other.example:8443', '--ca-file', join(dir, 'ca.crt')]);
    expect(err).toMatch(/does not name other.example/);
  });

  it('refuses a certificate that is not a CA, a missing file and a plain http URL', async () => {
    await expect(run(['--url', 'https://x:1', '--ca-file', join(dir, 'tls.crt')])).rejects.toThrow(/not a CA/);
    await expect(run(['--url', 'https://x:1', '--ca-file', join(dir, 'missing.crt')])).rejects.toThrow(/--ca-file: cannot read .*missing.crt \(ENOENT\)/);
    await expect(run(['--url', 'http://x:1', '--ca-file', join(dir, 'ca.crt')])).rejects.toThrow(/https:\/\//);
  });

  it('defaults the CA file to <tls-dir>/ca.crt', async () => {
    const { out } = await run(['--url', 'https://10.0.0.12:8443', '--tls-dir', dir]);
    expect(out).toContain(Buffer.from(material.ca).toString('base64'));
  });
});
