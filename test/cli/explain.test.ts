// sgbridge explain end to end: the tutorial's manifests as --objects files, and the same state
// read from a cluster (the kube-apiserver test double) through @kubernetes/client-node.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';
import { readManifests, registerExplain, runExplain } from '../../src/cli/explain.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import { defaultSettings } from '../../src/core/settings.js';
import { translate } from '../../src/core/translate/index.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';
import { runCli } from '../support/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tutorial/${name}`, import.meta.url));
const POD = 'pod/integration-demo/pod-tester-685dddb8-dmf4w';

const cli = (args: string[]) => runCli(registerExplain, ['explain', '--no-cluster', ...args]);
const objects = (...files: string[]) => files.flatMap((f) => ['--objects', fixture(f)]);

describe('sgbridge explain with files', () => {
  it('the three tutorial checkpoints', async () => {
    const base = ['--from', 'eni-0123456789abcdef0', '--to', POD, '--port', '80/tcp', '--output', 'json'];
    const verdict = async (...files: string[]) => (JSON.parse((await cli([...base, ...objects('namespace.yaml', ...files)])).out) as { verdict: string }).verdict;
    expect(await verdict('pod-tester.yaml')).toBe('allow');
    expect(await verdict('pod-tester.yaml', 'default-deny.yaml')).toBe('deny');
    expect(await verdict('pod-tester.yaml', 'default-deny.yaml', 'allow-from-instance.yaml')).toBe('allow');
    expect(await verdict('pod-tester-unannotated.yaml', 'default-deny.yaml', 'allow-from-instance.yaml')).toBe('deny');
  });

  it('text output names the tier, policy and rule; the --port flag is the flow, not the server port', async () => {
    const { out } = await cli(['--from', '10.0.1.23', '--to', POD, '--port', '80/tcp', ...objects('namespace.yaml', 'pod-tester.yaml', 'default-deny.yaml')]);
    expect(out).toMatch(/ingress Deny {2}tier default, no rule matched: no rule of knp\.default\.default-deny matched/);
    expect(out).toMatch(/verdict: DENIED/);
    expect(out).toMatch(/no cluster reachable/);
  });

  it('JSON goes to stdout alone, notes to stderr', async () => {
    const { out, err } = await cli(['--from', 'eni-0123456789abcdef0', '--to', POD, '--port', '80/tcp', '--output', 'json', ...objects('namespace.yaml', 'pod-tester.yaml')]);
    expect(Object.keys(JSON.parse(out) as object)).toEqual(['verdict', 'steps']);
    expect(err).toMatch(/^note: no cluster reachable/);
  });

  it('bad files and references fail with clear errors', async () => {
    await expect(cli(['--from', 'x', '--to', POD, '--port', '80/tcp', '--objects', '/nonexistent.yaml'])).rejects.toThrow(/--objects \/nonexistent.yaml: cannot be read \(ENOENT\)/);
    await expect(readManifests(fixture('README.md'))).rejects.toThrow(/not a Kubernetes object/);
    await expect(cli(['--from', 'somewhere', '--to', POD, '--port', '80/tcp', ...objects('pod-tester.yaml')])).rejects.toThrow(/expected pod\/NAMESPACE\/NAME/);
  });
});

describe('sgbridge explain with a cluster', () => {
  let api: ApiServerDouble;
  beforeAll(async () => {
    api = await startApiServerDouble();
    const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
    for (const n of inventory.nodes!) api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { providerID: `aws:///us-east-1a/${n.instanceId}` }, status: { addresses: n.addresses.map((address) => ({ type: 'InternalIP', address })) } });
    for (const o of translate(inventory, { nodes: inventory.nodes! }, defaultSettings()).objects) api.create(structuredClone(o) as unknown as Record<string, unknown>);
    const docs = ['namespace.yaml', 'pod-tester.yaml', 'default-deny.yaml'].flatMap((f) => parseAllDocuments(readFileSync(fixture(f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>));
    for (const d of docs) {
      if (d.kind === 'Pod') {
        // As stored after admission: the webhook set the membership labels.
        const meta = d.metadata as { labels: Record<string, string> };
        meta.labels['sg.aws.tigera.io/sg-98765432109876'] = '';
        meta.labels['sg.aws.tigera.io/sg-0a9b8c7d6e5f40312'] = '';
      }
      api.create(d);
    }
  });
  afterAll(() => api?.close());

  it("reads the cluster's pods and policies: default-deny in the cluster denies", async () => {
    const e = await runExplain(defaultSettings(), { from: 'eni-0123456789abcdef0', to: POD, port: '80/tcp', objects: [], kubeConfig: api.kubeConfig('admin') });
    expect(e.verdict).toBe('deny');
    expect(e.steps.at(-1)).toMatchObject({ tier: 'default', action: 'Deny' });
    expect(e.notes.join('\n')).not.toMatch(/cannot list/);
  });

  it('NetworkPolicies read from the cluster keep their ingress peers (allow-from-instance stored in the cluster)', async () => {
    const np = parseAllDocuments(readFileSync(fixture('allow-from-instance.yaml'), 'utf8'))[0]!.toJS() as Record<string, unknown>;
    np.metadata = { ...(np.metadata as object), name: 'allow-from-instance-in-cluster' };
    api.create(np);
    try {
      const e = await runExplain(defaultSettings(), { from: 'eni-0123456789abcdef0', to: POD, port: '80/tcp', objects: [], kubeConfig: api.kubeConfig('admin') });
      expect(e.verdict).toBe('allow');
      expect(e.steps.at(-1)).toMatchObject({ tier: 'default', policy: 'default.allow-from-instance-in-cluster', action: 'Allow' });
    } finally {
      api.remove('networking.k8s.io/v1', 'NetworkPolicy', 'allow-from-instance-in-cluster', 'integration-demo');
    }
  });

  it('files add to the cluster: allow-from-instance from a file lets the instance in again', async () => {
    const e = await runExplain(defaultSettings(), { from: 'eni-0123456789abcdef0', to: POD, port: '80/tcp', objects: [fixture('allow-from-instance.yaml')], kubeConfig: api.kubeConfig('admin') });
    expect(e.verdict).toBe('allow');
  });

  it("a pod's labels as the cluster has them are used (no second admission)", async () => {
    const pod = api.get('v1', 'Pod', 'pod-tester-685dddb8-dmf4w', 'integration-demo') as { metadata: { labels: Record<string, string> } };
    delete pod.metadata.labels['sg.aws.tigera.io/sg-98765432109876'];
    api.replace(pod as unknown as Record<string, unknown>);
    const e = await runExplain(defaultSettings(), { from: 'eni-0123456789abcdef0', to: POD, port: '80/tcp', objects: [fixture('allow-from-instance.yaml')], kubeConfig: api.kubeConfig('admin') });
    expect(e.verdict).toBe('deny');
    expect(e.steps.at(-1)).toMatchObject({ tier: 'sg-local', action: 'Deny' });
  });
});
