// `sgbridge webhook-config`: prints the webhook configurations (and optionally the admission
// policy backstop) for a sgbridge reached by URL, with the caBundle filled in.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { buildWebhookObjects, webhookBaseUrl, type FailurePolicy } from '../core/registration/index.js';
import { certificateCovers } from '../tls/ca.js';
import { parseCertificate, splitPemCertificates } from '../tls/material.js';
import { addSettingOptions, settingsFrom } from './options.js';

interface Flags {
  url: string;
  caFile?: string;
  failurePolicy: FailurePolicy;
  output: 'yaml' | 'json';
  admissionPolicy?: boolean;
  matchConditions: boolean;
}

async function readCaBundle(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`--ca-file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); make one with: sgbridge certs --out ${dirname(path)}`, { cause: e });
  }
  const certs = splitPemCertificates(pem);
  if (certs.length === 0) throw new Error(`--ca-file: expected PEM CA certificates (-----BEGIN CERTIFICATE-----) in ${path}`);
  for (const c of certs) {
    if (!parseCertificate(c).ca) throw new Error(`--ca-file: ${path} holds a certificate that is not a CA (is it tls.crt instead of ca.crt?)`);
  }
  return certs.join('');
}

/** A serving certificate next to the CA that does not name the URL's host would fail every call. */
async function hostWarning(caFile: string, url: string): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let cert: string;
  try {
    cert = await readFile(join(dirname(caFile), 'tls.crt'), 'utf8');
  } catch {
    return undefined;
  }
  const isIp = /^[0-9.]+$/.test(host) || host.includes(':');
  const covered = isIp ? certificateCovers(cert, [], [host]) : certificateCovers(cert, [host], []);
  return covered ? undefined : `warning: ${join(dirname(caFile), 'tls.crt')} does not name ${host}; the apiserver will refuse it (remake it: sgbridge certs --out ${dirname(caFile)} ${isIp ? '--ip' : '--dns'} ${host})\n`;
}

export function registerWebhookConfig(program: Command): void {
  const cmd = program
    .command('webhook-config')
    .description('print the Mutating- and ValidatingWebhookConfiguration for a sgbridge reached by URL (outside the cluster), caBundle filled in; pipe to kubectl apply -f -')
    .requiredOption('--url <URL>', 'https://HOST:PORT where the apiserver reaches sgbridge')
    .option('--ca-file <FILE>', 'CA certificate(s) that signed the serving certificate (default: <tls-dir>/ca.crt)')
    .addOption(new Option('--failure-policy <POLICY>', 'what the apiserver does with pods and NetworkPolicies when sgbridge cannot be reached (Calico objects always Fail)').choices(['Ignore', 'Fail']).default('Ignore'))
    .addOption(new Option('--output <FORMAT>', 'yaml (multi-document) or json (a v1 List)').choices(['yaml', 'json']).default('yaml'))
    .option('--admission-policy', 'also print a ValidatingAdmissionPolicy and binding (Kubernetes >= 1.30) that hold what CEL can check of the protection rules when the webhook is down')
    .option('--no-match-conditions', 'leave out matchConditions (Kubernetes < 1.28); sgbridge then trusts its own identity itself');
  addSettingOptions(cmd, ['tlsDir', 'namespace', 'serviceName', 'calicoNamespaces', 'syncerIdentity', 'calicoApiserverIdentity', 'breakGlassUsers', 'breakGlassGroups', 'tierAllowList', 'calicoOperatorIdentity', 'allowListWriterUsers', 'allowListWriterGroups', 'nodeGroups', 'podDefaultGroupId', 'trustGroupId', 'enforcedGroupId', 'securityGroupPolicies']);
  cmd.addHelpText('after', '\nExample:\n  sgbridge certs --out certs --dns sgbridge.example.internal\n  sgbridge webhook-config --url https://sgbridge.example.internal:8443 --ca-file certs/ca.crt | kubectl apply -f -');
  cmd.action(async (flags: Flags) => {
    const settings = settingsFrom(cmd);
    webhookBaseUrl(flags.url);
    const caFile = flags.caFile ?? join(settings.tlsDir, 'ca.crt');
    const bundle = await readCaBundle(caFile);
    const warning = await hostWarning(caFile, flags.url);
    if (warning) process.stderr.write(warning);
    const objects = buildWebhookObjects({
      target: { url: flags.url },
      caBundle: Buffer.from(bundle).toString('base64'),
      failurePolicy: flags.failurePolicy,
      matchConditions: flags.matchConditions,
      admissionPolicy: flags.admissionPolicy === true,
      settings,
    });
    const text =
      flags.output === 'json'
        ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n'
        : objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
    process.stdout.write(text);
  });
}
