// `sgbridge doctor` (SPEC §6): checks the inventory and, when a cluster is reachable, what is
// registered and running there; prints pass/fail with the fix for each failure and exits non-zero
// when anything failed. Cluster reads run with the caller's credentials (an operator's
// kubeconfig), so they are not part of sgbridge's own RBAC; a read that fails is itself reported.
// With the setting securityGroupPolicies it also reads SecurityGroupPolicies and ServiceAccounts,
// so that pods' membership labels are checked against all their sources.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdmissionregistrationV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Option, type Command } from 'commander';
import { loadInventory } from '../aws/source.js';
import { renderDoctorText, runDoctor, type ClusterFacts, type LeaseFacts, type RegisteredWebhook } from '../core/doctor/index.js';
import type { ClusterNode } from '../core/inventory.js';
import type { Settings } from '../core/settings.js';
import { MATCH_CONDITION_WEBHOOKS, SECURITY_GROUP_POLICY_WEBHOOKS, WEBHOOK_NAMES } from '../core/webhooks.js';
import { detectCalicoApi } from '../kube/calico-api.js';
import { CalicoStore, MANAGED_KINDS } from '../kube/calico-store.js';
import { loadClusterConfig } from '../kube/client.js';
import { ClusterReader } from '../kube/cluster-reader.js';
import { kubeFailure } from '../kube/errors.js';
import { LEASE_NAME } from '../kube/leader.js';
import { addSettingOptions, settingsFrom } from './options.js';

const errorText = (err: unknown) => kubeFailure(err).message;
const isNotFound = (err: unknown) => kubeFailure(err).status === 404;

async function attempt<T>(fn: () => Promise<T>): Promise<T | string> {
  try {
    return await fn();
  } catch (err) {
    return errorText(err);
  }
}

async function readWebhooks(kc: KubeConfig): Promise<RegisteredWebhook[]> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const ours = new Set<string>(Object.values(WEBHOOK_NAMES));
  const out: RegisteredWebhook[] = [];
  for (const c of (await api.listMutatingWebhookConfiguration()).items) {
    for (const w of c.webhooks ?? []) if (ours.has(w.name)) out.push({ configuration: c.metadata?.name ?? '', kind: 'MutatingWebhookConfiguration', name: w.name, ...(w.clientConfig.caBundle ? { caBundle: w.clientConfig.caBundle } : {}) });
  }
  for (const c of (await api.listValidatingWebhookConfiguration()).items) {
    for (const w of c.webhooks ?? []) if (ours.has(w.name)) out.push({ configuration: c.metadata?.name ?? '', kind: 'ValidatingWebhookConfiguration', name: w.name, ...(w.clientConfig.caBundle ? { caBundle: w.clientConfig.caBundle } : {}) });
  }
  return out;
}

/** The TLS Secret <service>-tls in sgbridge's namespace; else the local --tls-dir (sgbridge run outside the cluster). */
async function readCertificate(kc: KubeConfig, settings: Settings): Promise<ClusterFacts['certificate']> {
  const secretName = `${settings.serviceName}-tls`;
  try {
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: secretName, namespace: settings.namespace });
    const decode = (k: string) => (secret.data?.[k] ? Buffer.from(secret.data[k], 'base64').toString('utf8') : undefined);
    const servingPem = decode('tls.crt');
    const caPem = decode('ca.crt');
    return { source: `Secret ${settings.namespace}/${secretName}`, ...(servingPem ? { servingPem } : {}), ...(caPem ? { caPem } : {}) };
  } catch (err) {
    if (!isNotFound(err)) return `Secret ${settings.namespace}/${secretName}: ${errorText(err)}`;
  }
  const read = (f: string) => readFile(join(settings.tlsDir, f), 'utf8').catch(() => undefined);
  const [servingPem, caPem] = await Promise.all([read('tls.crt'), read('ca.crt')]);
  return { source: `directory ${settings.tlsDir} (no Secret ${settings.namespace}/${secretName})`, ...(servingPem ? { servingPem } : {}), ...(caPem ? { caPem } : {}) };
}

async function readLease(kc: KubeConfig, namespace: string): Promise<LeaseFacts | undefined> {
  try {
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: LEASE_NAME, namespace });
    const renew = lease.spec?.renewTime as unknown;
    return {
      ...(lease.spec?.holderIdentity ? { holder: lease.spec.holderIdentity } : {}),
      ...(renew ? { renewTime: renew instanceof Date ? renew.toISOString() : String(renew) } : {}),
      ...(lease.spec?.leaseDurationSeconds ? { leaseDurationSeconds: lease.spec.leaseDurationSeconds } : {}),
      annotations: lease.metadata?.annotations ?? {},
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function readClusterFacts(kc: KubeConfig, settings: Settings): Promise<{ facts: ClusterFacts; nodes: ClusterNode[] | string }> {
  const reader = new ClusterReader(kc);
  const withPolicies = settings.securityGroupPolicies;
  const [nodes, objects, webhooks, certificate, lease, pods, securityGroupPolicies] = await Promise.all([
    attempt(() => reader.nodes()),
    attempt(async () => {
      const store = new CalicoStore(kc, await detectCalicoApi(kc));
      return (await Promise.all(MANAGED_KINDS.map((k) => store.listManaged(k)))).flat();
    }),
    attempt(() => readWebhooks(kc)),
    readCertificate(kc, settings),
    attempt(() => readLease(kc, settings.namespace)),
    attempt(() => reader.podsAndNamespaces({ allLabels: withPolicies })),
    withPolicies ? attempt(async () => ({ objects: await reader.securityGroupPolicyObjects() })) : undefined,
  ]);
  return { facts: { objects: objects as ClusterFacts['objects'], webhooks, certificate, lease, pods, ...(securityGroupPolicies ? { securityGroupPolicies } : {}) }, nodes };
}

export interface DoctorRun {
  text: string;
  json: unknown;
  failed: number;
}

export async function doctor(settings: Settings, kc: KubeConfig | undefined, now = new Date()): Promise<DoctorRun> {
  const inventory = await loadInventory(settings);
  let nodes: ClusterNode[] = inventory.nodes ?? [];
  let cluster: ClusterFacts | undefined;
  const extra = [];
  if (kc) {
    const read = await readClusterFacts(kc, settings);
    cluster = read.facts;
    if (typeof read.nodes === 'string') extra.push({ name: 'cluster nodes', ok: false, detail: `cannot list nodes: ${read.nodes}`, fix: `check the kubeconfig (${kc.getCurrentContext()}) and that you may list nodes` });
    else nodes = read.nodes;
  }
  // The pods/status, pods/binding and namespace webhooks exist only where matchConditions do (Kubernetes >= 1.28): not required.
  // The SecurityGroupPolicy webhook is required only where sgbridge reads them.
  const required = Object.values(WEBHOOK_NAMES).filter((n) => !MATCH_CONDITION_WEBHOOKS.includes(n) && (settings.securityGroupPolicies || !SECURITY_GROUP_POLICY_WEBHOOKS.includes(n)));
  const checks = [...extra, ...runDoctor({ inventory, settings, nodes, webhookNames: required, leaseName: LEASE_NAME, now, ...(cluster ? { cluster } : {}) })];
  return { text: renderDoctorText(checks), json: { checks }, failed: checks.filter((c) => !c.ok).length };
}

export function registerDoctor(program: Command): void {
  const cmd = program
    .command('doctor')
    .description("check the integration's troubleshooting list: host endpoints, policies, trust and enforced groups, webhooks and caBundle, certificates, sync Lease, pods' membership labels; exits non-zero when a check fails")
    .addOption(new Option('--output <FORMAT>', 'text or json ({"checks":[{"name","ok","detail","fix"}]})').choices(['text', 'json']).default('text'))
    .option('--no-cluster', 'check the inventory only, even when a cluster is reachable');
  addSettingOptions(cmd, ['inventory', 'aws', 'vpcId', 'clusterName', 'nodeGroups', 'trustGroupId', 'enforcedGroupId', 'podDefaultGroupId', 'metadataAccess', 'hostEndpointNode', 'namespace', 'serviceName', 'tlsDir', 'resyncInterval', 'strict', 'namespaceDefault', 'securityGroupPolicies']);
  cmd.action(async () => {
    const settings = settingsFrom(cmd);
    const opts = cmd.opts<{ output: 'text' | 'json'; cluster: boolean }>();
    const result = await doctor(settings, opts.cluster ? loadClusterConfig() : undefined);
    process.stdout.write(opts.output === 'json' ? JSON.stringify(result.json, null, 2) + '\n' : result.text);
    if (result.failed > 0) process.exitCode = 1;
  });
}
