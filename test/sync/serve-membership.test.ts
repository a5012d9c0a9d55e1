// Issue 23's "done when", against the apiserver double: `serve` with an inventory that records no
// nodes (as EC2 reads with --aws give it) and no --node-groups. An unannotated pod gets the node
// groups of the cluster's Nodes at admission, over real TLS; the leader's syncer then leaves it
// alone, through annotate and un-annotate cycles; and nodes leaving move the labels of the
// webhook and the relabeller together.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServe, syncerParts, type RunningServe } from '../../src/cli/serve.js';
import { membershipPolicyFrom } from '../../src/core/membership-policy.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import { httpsCall } from '../admission/support/https-client.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { admissionSample } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { clusterDouble, quietLog, tutorialInventory } from './fixtures.js';

const SG = 'aws.tigera.io/security-groups';
const SAMPLE = JSON.parse(readFileSync(admissionSample('001-mutate-pods-CREATE.json'), 'utf8')) as { apiVersion: string; kind: string; request: { object: { metadata: Record<string, unknown> } } & Record<string, unknown> };

let api: ApiServerDouble;
let dir: string;
let running: RunningServe | undefined;
let registry: Registry;
beforeEach(async () => {
  api = await clusterDouble();
  dir = mkdtempSync(join(tmpdir(), 'sgbridge-one-membership-'));
  registry = new Registry();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serveWithoutRecordedNodes(): Promise<Settings> {
  const { nodes: _recorded, ...inventory } = await tutorialInventory();
  writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
  const settings: Settings = { ...defaultSettings(), tlsDir: join(dir, 'certs'), port: 0, inventory: join(dir, 'inventory.json'), resyncInterval: 1 };
  running = await startServe({ settings, logger: quietLog, registry, kubeConfig: api.kubeConfig(), clusterParts: syncerParts, out: () => undefined });
  return settings;
}

/** The pod as the webhook returns it for `labels`/`annotations` (CREATE or UPDATE). */
async function admit(pod: { labels?: Record<string, string>; annotations?: Record<string, string> }, operation: 'CREATE' | 'UPDATE'): Promise<Record<string, string>> {
  const review = structuredClone(SAMPLE);
  const object = review.request.object;
  object.metadata = { ...object.metadata, name: 'tester', generateName: undefined, labels: pod.labels ?? {}, annotations: pod.annotations ?? {} };
  review.request.operation = operation;
  const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
  const res = await httpsCall(`${running!.url}/mutate`, { ca, body: JSON.stringify(review) });
  const response = (res.json() as { response: { allowed: boolean; patch?: string } }).response;
  expect(response.allowed).toBe(true);
  const ops = response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as jsonpatch.Operation[]) : [];
  return (jsonpatch.applyPatch(structuredClone(object), ops, true, false).newDocument as { metadata: { labels: Record<string, string> } }).metadata.labels;
}

const membershipOf = (labels: Record<string, string>) => Object.keys(labels).filter((k) => k.startsWith('sg.aws.tigera.io/')).sort();
const storedLabels = () => (api.get('v1', 'Pod', 'tester', 'integration-demo') as { metadata: { labels: Record<string, string> } }).metadata.labels;
const relabelled = async () => Number((await registry.getSingleMetric('sgbridge_pods_relabelled_total')?.get())?.values[0]?.value ?? 0);

function store(labels: Record<string, string>, annotations: Record<string, string>): void {
  const existing = api.get('v1', 'Pod', 'tester', 'integration-demo') as { metadata: Record<string, unknown> } | undefined;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...(existing?.metadata ?? {}), name: 'tester', namespace: 'integration-demo', labels, annotations }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  if (existing) api.replace(pod);
  else api.create(pod);
}

describe('one membership for a pod, whoever computes it (serve, no recorded nodes, no --node-groups)', () => {
  it('gives an unannotated pod the same labels at admission as after sync rounds and annotate/un-annotate cycles', async () => {
    const settings = await serveWithoutRecordedNodes();
    const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
    await until(async () => (await httpsCall(`${running!.url}/readyz`, { ca, method: 'GET' })).status === 200, { timeoutMs: 10_000, what: 'readiness (namespaces and nodes listed)' });
    const inventory = await tutorialInventory();
    const fromCluster = membershipPolicyFrom(settings, inventory, inventory.nodes);
    expect(fromCluster.nodeGroups.length).toBeGreaterThan(0);
    const want = [...fromCluster.nodeGroups, fromCluster.podDefaultGroup].map((g) => `sg.aws.tigera.io/${g}`).sort();

    const created = await admit({ labels: { app: 'pod-tester' } }, 'CREATE');
    expect(membershipOf(created)).toEqual(want);
    store(created, {});
    await until(() => api.get('crd.projectcalico.org/v1', 'Tier', 'sg-local'), { timeoutMs: 10_000, what: 'the first round' });

    for (const annotations of [{ [SG]: '["sg-98765432109876"]' }, {}, { [SG]: '["sg-98765432109876"]' }, {}] as Record<string, string>[]) {
      const labels = await admit({ labels: storedLabels(), annotations }, 'UPDATE');
      store(labels, annotations);
      await new Promise((r) => setTimeout(r, 1_300)); // a resync round and any relabel would have run
      expect(storedLabels()).toEqual(labels);
    }
    expect(membershipOf(storedLabels())).toEqual(want);
    expect(await relabelled()).toBe(0);
  });

  it('follows the nodes leaving: the webhook and the relabeller move together', async () => {
    await serveWithoutRecordedNodes();
    const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
    await until(async () => (await httpsCall(`${running!.url}/readyz`, { ca, method: 'GET' })).status === 200, { timeoutMs: 10_000 });
    const before = await admit({}, 'CREATE');
    store(before, {});
    // every node leaves: unannotated pods keep only the pod default group, at admission and on the stored pod
    for (const n of api.list('v1', 'Node')) api.remove('v1', 'Node', (n.metadata as { name: string }).name);
    await until(async () => membershipOf(await admit({}, 'CREATE')).length === 1, { timeoutMs: 5_000, what: 'the webhook to follow the nodes' });
    await until(() => membershipOf(storedLabels()).length === 1, { timeoutMs: 8_000, what: 'the relabeller to follow the nodes' });
    expect(membershipOf(storedLabels())).toEqual(membershipOf(await admit({}, 'CREATE')));
    expect(membershipOf(before).length).toBeGreaterThan(1);
  });
});
