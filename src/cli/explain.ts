// `sgbridge explain --from X --to Y --port N/PROTO`: whether the traffic is allowed and which tier,
// policy and rule decided, evaluated as Calico does over the objects sgbridge renders for the
// inventory, the companions of annotated NetworkPolicies, the --objects manifests and, when a
// cluster is reachable, the cluster's pods, namespaces and policies (read with the caller's
// credentials; with the setting securityGroupPolicies also its SecurityGroupPolicies and
// ServiceAccounts, so that each pod's groups are given with their sources). Exit status 0 whatever
// the verdict; 1 on bad input.
import { readFile } from 'node:fs/promises';
import { type KubeConfig, KubernetesObjectApi, type V1NetworkPolicy } from '@kubernetes/client-node';
import { Option, type Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { loadInventory } from '../aws/source.js';
import { CALICO_API_VERSION } from '../core/calico.js';
import { assembleWorld, explain, explanationJson, renderExplanationText, type Explanation } from '../core/explain/index.js';
import type { ClusterNode } from '../core/inventory.js';
import { SGP_API_VERSION, SGP_KIND } from '../core/security-group-policy/index.js';
import type { Settings } from '../core/settings.js';
import { detectCalicoApi } from '../kube/calico-api.js';
import { loadClusterConfig } from '../kube/client.js';
import { ClusterReader, wireNetworkPolicy } from '../kube/cluster-reader.js';
import { kubeFailure } from '../kube/errors.js';
import { addSettingOptions, settingsFrom } from './options.js';

/** Reads a multi-document YAML or JSON file; each document may be an object or a List. */
export async function readManifests(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`--objects ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length) throw new Error(`--objects ${path}: document ${i + 1} is not valid YAML or JSON (${doc.errors[0]!.message.split('\n')[0]})`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value) || !('kind' in value)) throw new Error(`--objects ${path}: document ${i + 1} is not a Kubernetes object (expected apiVersion, kind, metadata)`);
    out.push(value);
  }
  return out;
}

const CLUSTER_KINDS: [string, string][] = [
  ['v1', 'Namespace'],
  ['v1', 'Pod'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
];
/** Read where the setting securityGroupPolicies is on: the sources of pods' groups besides the annotation. */
const SECURITY_GROUP_POLICY_KINDS: [string, string][] = [
  ['v1', 'ServiceAccount'],
  [SGP_API_VERSION, SGP_KIND],
];
const plural = (kind: string) => (kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`);
const CALICO_KINDS = ['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy', 'HostEndpoint', 'GlobalNetworkSet', 'NetworkSet'];

async function listAll(client: KubernetesObjectApi, apiVersion: string, kind: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  do {
    const page = await client.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, undefined, 500, token);
    // client-node turns built-in kinds into its models; NetworkPolicy's `from` becomes `_from` there.
    for (const item of page.items) out.push(kind === 'NetworkPolicy' && apiVersion.startsWith('networking.k8s.io/') ? { ...(wireNetworkPolicy(item as V1NetworkPolicy) as object), apiVersion, kind } : { ...item, apiVersion, kind });
    const meta = page.metadata as { _continue?: string; continue?: string } | undefined;
    token = meta?._continue || meta?.continue || undefined;
  } while (token);
  return out;
}

/**
 * The cluster's side: nodes, pods, namespaces and every policy, and with `securityGroupPolicies`
 * the SecurityGroupPolicies and ServiceAccounts; what cannot be read becomes a note.
 */
export async function readCluster(kc: KubeConfig, opts: { securityGroupPolicies?: boolean } = {}): Promise<{ objects: unknown[]; nodes?: ClusterNode[]; notes: string[] }> {
  const notes: string[] = [];
  const objects: unknown[] = [];
  const client = KubernetesObjectApi.makeApiClient(kc);
  const note = (what: string) => (err: unknown) => {
    notes.push(`cluster: cannot list ${what} (${kubeFailure(err).message}); using the files for them`);
    return [] as unknown[];
  };
  let nodes: ClusterNode[] | undefined;
  try {
    nodes = await new ClusterReader(kc).nodes();
  } catch (err) {
    notes.push(`cluster: cannot list nodes (${kubeFailure(err).message}); using the inventory's nodes`);
  }
  const kinds = opts.securityGroupPolicies ? [...CLUSTER_KINDS, ...SECURITY_GROUP_POLICY_KINDS] : CLUSTER_KINDS;
  for (const [apiVersion, kind] of kinds) objects.push(...(await listAll(client, apiVersion, kind).catch(note(plural(kind)))));
  try {
    const apiVersion = CALICO_API_VERSION[await detectCalicoApi(kc)];
    for (const kind of CALICO_KINDS) objects.push(...(await listAll(client, apiVersion, kind).catch(note(`${kind}s`))));
  } catch (err) {
    notes.push(`cluster: cannot find Calico's API (${kubeFailure(err).message}); Calico objects come from the rendering and the files only`);
  }
  return { objects, ...(nodes ? { nodes } : {}), notes };
}

export interface ExplainOptions {
  from: string;
  to: string;
  port: string;
  objects: string[];
  kubeConfig?: KubeConfig;
}

export async function runExplain(settings: Settings, opts: ExplainOptions): Promise<Explanation> {
  const inventory = await loadInventory(settings);
  const manifests = (await Promise.all(opts.objects.map(readManifests))).flat();
  const notes: string[] = [];
  let cluster: Awaited<ReturnType<typeof readCluster>> | undefined;
  if (opts.kubeConfig) {
    cluster = await readCluster(opts.kubeConfig, { securityGroupPolicies: settings.securityGroupPolicies });
    notes.push(...cluster.notes);
  } else notes.push('no cluster reachable: pods, namespaces and policies come from the --objects files only');
  const world = assembleWorld({ inventory, settings, manifests, ...(cluster ? { clusterObjects: cluster.objects } : {}), ...(cluster?.nodes ? { nodes: cluster.nodes } : {}) });
  const explanation = explain(world, { from: opts.from, to: opts.to, port: opts.port }, inventory);
  explanation.notes.unshift(...notes);
  return explanation;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerExplain(program: Command): void {
  const cmd = program
    .command('explain')
    .description('is traffic from X to Y allowed, and which tier, policy and rule decided (evaluated as Calico does)')
    .requiredOption('--from <X>', 'source: pod/NAMESPACE/NAME, pod/NAMESPACE/label=value, an ENI id, an instance id or an IP')
    .requiredOption('--to <Y>', 'destination, in the same forms')
    .requiredOption('--port <N/PROTO>', 'destination port and protocol, e.g. 80/tcp, 53/udp, 8/icmp')
    .addOption(new Option('--objects <FILE>', 'manifests (multi-document YAML or JSON): pods, namespaces, ServiceAccounts, NetworkPolicies, Calico policies, SecurityGroupPolicies; repeatable').argParser(collect).default([]))
    .addOption(new Option('--output <FORMAT>', 'text or json ({"verdict","steps":[{"direction","tier","policy","rule","action"}]}, plus "membership" with --security-group-policies)').choices(['text', 'json']).default('text'))
    .option('--no-cluster', 'use only the files, even when a cluster is reachable');
  addSettingOptions(cmd, ['inventory', 'aws', 'vpcId', 'clusterName', 'nodeGroups', 'trustGroupId', 'enforcedGroupId', 'podDefaultGroupId', 'metadataAccess', 'hostEndpointNode', 'strict', 'namespaceDefault', 'securityGroupPolicies']);
  cmd.action(async () => {
    const opts = cmd.opts<{ from: string; to: string; port: string; objects: string[]; output: 'text' | 'json'; cluster: boolean }>();
    // --port here is the flow's port, not the server port setting of the same name.
    const settings = settingsFrom({ opts: () => ({ ...cmd.opts(), port: undefined }) } as unknown as Command);
    const kubeConfig = opts.cluster ? loadClusterConfig() : undefined;
    const explanation = await runExplain(settings, { from: opts.from, to: opts.to, port: opts.port, objects: opts.objects, ...(kubeConfig ? { kubeConfig } : {}) });
    if (opts.output === 'json') {
      process.stdout.write(JSON.stringify(explanationJson(explanation), null, 2) + '\n');
      for (const n of explanation.notes) process.stderr.write(`note: ${n}\n`);
    } else process.stdout.write(renderExplanationText(explanation));
  });
}
