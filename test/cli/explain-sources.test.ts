// sgbridge explain says where a pod's groups come from (issue 22): its annotation, which
// SecurityGroupPolicy, the node groups; always the pod default group. Through the CLI's entry, with
// --objects files, and with a cluster (the apiserver double serving the real SecurityGroupPolicy CRD).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { registerExplain } from '../../src/cli/explain.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import { defaultSettings } from '../../src/core/settings.js';
import { translate } from '../../src/core/translate/index.js';
import { sgp } from '../core/security-group-policy/builders.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { runCli } from '../support/cli.js';
import { loadCrdFile } from '../support/crd-schemas.js';
import { VPC_RESOURCE_CONTROLLER } from '../support/fixtures.js';
import { serviceAccount, sgpClusterDouble } from '../support/sgp-cluster.js';

const NS = 'integration-demo';
const POD = `pod/${NS}/pod-tester-685dddb8-dmf4w`;
const POD_SG = 'sg-98765432109876';
const DB_SG = 'sg-0d8b7c6a5e4f30211';
const INSTANCE_SG = 'sg-12345678901234';
const NODE_SG = 'sg-0c1d2e3f405162738';
const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';
const tutorial = (name: string) => fileURLToPath(new URL(`../fixtures/tutorial/${name}`, import.meta.url));
const crd = loadCrdFile(`${VPC_RESOURCE_CONTROLLER}/vpcresources.k8s.aws_securitygrouppolicies.yaml`);

const dir = mkdtempSync(join(tmpdir(), 'sgbridge-explain-sources-'));
let files = 0;
/** Writes manifests to a file; every SecurityGroupPolicy must pass the real CRD's schema. */
function manifest(...objects: Record<string, unknown>[]): string {
  for (const o of objects) if (o.kind === 'SecurityGroupPolicy') expect(crd.validate(o), String((o.metadata as { name: string }).name)).toEqual([]);
  const path = join(dir, `objects-${files++}.yaml`);
  writeFileSync(path, objects.map((o) => stringify(o)).join('---\n'));
  return path;
}

const byPodLabel = sgp('db-access', NS, { podSelector: { matchLabels: { app: 'pod-tester' } }, groupIds: [DB_SG] });
const byServiceAccount = sgp('team-demo', NS, { serviceAccountSelector: { matchLabels: { team: 'demo' } }, groupIds: [DB_SG, INSTANCE_SG] });
const notMatching = sgp('web-only', NS, { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, groupIds: [INSTANCE_SG] });
const demoAccount = serviceAccount(NS, 'default', { team: 'demo' });

interface Json {
  verdict: string;
  steps: unknown[];
  membership?: { endpoint: string; from: string; groups: { group: string; sources: Record<string, string>[]; carried: boolean }[] }[];
}

const flow = ['--from', 'eni-0123456789abcdef0', '--to', POD, '--port', '80/tcp'];
async function explain(opts: { pod: 'annotated' | 'unannotated'; objects?: Record<string, unknown>[]; setting?: boolean }) {
  const files = ['--objects', tutorial('namespace.yaml'), '--objects', tutorial(opts.pod === 'annotated' ? 'pod-tester.yaml' : 'pod-tester-unannotated.yaml')];
  if (opts.objects?.length) files.push('--objects', manifest(...opts.objects));
  const args = ['explain', '--no-cluster', ...flow, ...files, ...(opts.setting === false ? [] : ['--security-group-policies'])];
  const text = (await runCli(registerExplain, args)).out;
  const json = JSON.parse((await runCli(registerExplain, [...args, '--output', 'json'])).out) as Json;
  return { text, json };
}

/** Each group of the pod and its sources, as the JSON output gives them. */
const sourcesOf = (json: Json) => Object.fromEntries(json.membership!.find((m) => m.endpoint === POD)!.groups.map((g) => [g.group, g.sources.map((s) => (s.kind === 'security-group-policy' ? `${s.namespace}/${s.name}` : s.kind))]));

describe('explain: where a pod’s groups come from (files)', () => {
  it('annotation only: the annotated group from the annotation, plus the pod default group', async () => {
    const { text, json } = await explain({ pod: 'annotated', objects: [notMatching] });
    expect(json.membership!.map((m) => [m.endpoint, m.from])).toEqual([[POD, 'annotation']]);
    expect(sourcesOf(json)).toEqual({ [POD_SG]: ['annotation'], [POD_DEFAULT]: ['pod-default-group'] });
    expect(text).toContain(`groups of ${POD}, from its annotation:`);
    expect(text).toMatch(new RegExp(`${POD_SG} +annotation aws\\.tigera\\.io/security-groups\\n`));
    expect(text).toMatch(new RegExp(`${POD_DEFAULT} +pod default group\\n`));
  });

  it('one policy: its group named by the policy, namespace/name', async () => {
    const { text, json } = await explain({ pod: 'unannotated', objects: [byPodLabel, notMatching] });
    expect(json.membership![0]!.from).toBe('policies');
    expect(sourcesOf(json)).toEqual({ [DB_SG]: [`${NS}/db-access`], [POD_DEFAULT]: ['pod-default-group'] });
    expect(text).toContain(`groups of ${POD}, from SecurityGroupPolicies:`);
    expect(text).toMatch(new RegExp(`${DB_SG} +SecurityGroupPolicy ${NS}/db-access\\n`));
    // The policy's group is what Calico sees: db-sg does not admit the instance on tcp/80, pod-sg would.
    expect(json.verdict).toBe('deny');
  });

  it('two policies, one by pod labels and one by ServiceAccount labels: a group both give names both', async () => {
    const { text, json } = await explain({ pod: 'unannotated', objects: [byPodLabel, byServiceAccount, notMatching, demoAccount] });
    expect(sourcesOf(json)).toEqual({ [DB_SG]: [`${NS}/db-access`, `${NS}/team-demo`], [INSTANCE_SG]: [`${NS}/team-demo`], [POD_DEFAULT]: ['pod-default-group'] });
    expect(text).toMatch(new RegExp(`${DB_SG} +SecurityGroupPolicy ${NS}/db-access, SecurityGroupPolicy ${NS}/team-demo\\n`));
  });

  it('without the ServiceAccount among the inputs the ServiceAccount policy cannot apply', async () => {
    const { json } = await explain({ pod: 'unannotated', objects: [byServiceAccount] });
    expect(json.membership![0]!.from).toBe('node-groups');
  });

  it('annotation ∪ policy: each group with every source that gives it', async () => {
    const alsoPodSg = sgp('pod-sg-too', NS, { podSelector: {}, groupIds: [POD_SG, DB_SG] });
    const { text, json } = await explain({ pod: 'annotated', objects: [alsoPodSg] });
    expect(json.membership![0]!.from).toBe('annotation+policies');
    expect(sourcesOf(json)).toEqual({ [POD_SG]: ['annotation', `${NS}/pod-sg-too`], [DB_SG]: [`${NS}/pod-sg-too`], [POD_DEFAULT]: ['pod-default-group'] });
    expect(text).toContain(`groups of ${POD}, from its annotation and SecurityGroupPolicies:`);
    expect(text).toMatch(new RegExp(`${POD_SG} +annotation aws\\.tigera\\.io/security-groups, SecurityGroupPolicy ${NS}/pod-sg-too\\n`));
    expect(json.verdict).toBe('allow');
  });

  it('node groups: no annotation and no policy that selects the pod', async () => {
    const { text, json } = await explain({ pod: 'unannotated', objects: [notMatching] });
    expect(json.membership![0]!.from).toBe('node-groups');
    expect(sourcesOf(json)).toEqual({ [NODE_SG]: ['node-groups'], [POD_DEFAULT]: ['pod-default-group'] });
    expect(text).toContain(`groups of ${POD}, from the node groups (no annotation, no SecurityGroupPolicy selects it):`);
    expect(text).toMatch(new RegExp(`${NODE_SG} +node groups\\n`));
  });

  it('an invalid policy is ignored and reported, as the AWS controller ignores it', async () => {
    const noGroups = { ...sgp('empty', NS, { podSelector: {} }), spec: { podSelector: {} } };
    const { text, json } = await explain({ pod: 'unannotated', objects: [noGroups] });
    expect(json.membership![0]!.from).toBe('node-groups');
    expect(text).toMatch(/SecurityGroupPolicy integration-demo\/empty is ignored, as the AWS controller ignores it: spec\.securityGroups\.groupIds is missing or empty/);
  });

  it('setting off: policies are not read, and the JSON keeps exactly the SPEC §7 shape', async () => {
    const { text, json } = await explain({ pod: 'unannotated', objects: [byPodLabel], setting: false });
    expect(Object.keys(json)).toEqual(['verdict', 'steps']);
    expect(text).toContain(`groups of ${POD}, from the node groups (no annotation, no SecurityGroupPolicy selects it):`);
    expect(text).not.toContain(DB_SG);
    expect(text).toMatch(/SecurityGroupPolicies among the inputs are not read: the setting securityGroupPolicies is off/);
    const annotated = await explain({ pod: 'annotated', setting: false });
    expect(annotated.text).toMatch(new RegExp(`${POD_SG} +annotation aws\\.tigera\\.io/security-groups\\n`));
  });
});

describe('explain: where a pod’s groups come from (cluster)', () => {
  let api: ApiServerDouble;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await sgpClusterDouble();
    const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
    for (const o of translate(inventory, { nodes: inventory.nodes! }, defaultSettings()).objects) api.create(structuredClone(o) as unknown as Record<string, unknown>);
    api.create(byServiceAccount);
    api.create(demoAccount);
    // As stored: labelled for db-sg only (team-demo gave it once), and a label no source gives.
    api.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pod-tester-685dddb8-dmf4w', namespace: NS, labels: { app: 'pod-tester', [`sg.aws.tigera.io/${DB_SG}`]: '', [`sg.aws.tigera.io/${POD_SG}`]: '', [`sg.aws.tigera.io/${POD_DEFAULT}`]: '' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
      status: { podIP: '10.0.1.101' },
    });
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeConfig('admin').exportConfig());
  });
  afterAll(() => api?.close());

  it("reads the cluster's policies and ServiceAccounts; the labels the pod carries are compared with its sources", async () => {
    vi.stubEnv('KUBECONFIG', kubeconfig);
    const run = (output: string[]) => runCli(registerExplain, ['explain', ...flow, '--security-group-policies', ...output]).finally(() => vi.unstubAllEnvs());
    const json = JSON.parse((await run(['--output', 'json'])).out) as Json;
    vi.stubEnv('KUBECONFIG', kubeconfig);
    const { out: text } = await run([]);
    const groups = json.membership!.find((m) => m.endpoint === POD)!.groups;
    expect(groups.map((g) => [g.group, g.sources.length, g.carried])).toEqual(
      [
        [DB_SG, 1, true],
        [INSTANCE_SG, 1, false],
        [POD_SG, 0, true],
        [POD_DEFAULT, 1, true],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(text).toMatch(new RegExp(`${INSTANCE_SG} +SecurityGroupPolicy ${NS}/team-demo; not carried yet`));
    expect(text).toMatch(new RegExp(`${POD_SG} +carried, but no source gives it`));
    // Calico sees the labels the pod has: pod-sg admits the instance on tcp/80.
    expect(json.verdict).toBe('allow');
    expect(text).not.toMatch(/cannot list/);
  });
});
