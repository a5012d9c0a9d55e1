// sgbridge doctor checks pods' membership labels against all their sources (issue 22): the
// annotation, the SecurityGroupPolicies that select them (by pod or ServiceAccount labels), the node
// groups with neither, the pod default group always; a wrong pod is reported with the source of each
// group it should have. Through the CLI's entry against the apiserver double serving the real
// SecurityGroupPolicy CRD, as an operator (admin) would run it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDoctor } from '../../src/cli/doctor.js';
import { SG_ANNOTATION } from '../../src/core/vocabulary.js';
import { sgp } from '../core/security-group-policy/builders.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { runCli } from '../support/cli.js';
import { serviceAccount, sgpClusterDouble } from '../support/sgp-cluster.js';

const NS = 'shop';
const POD_SG = 'sg-98765432109876';
const DB_SG = 'sg-0d8b7c6a5e4f30211';
const INSTANCE_SG = 'sg-12345678901234';
const NODE_SG = 'sg-0c1d2e3f405162738';
const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix: string;
}

let api: ApiServerDouble;
let kubeconfig: string;
const created: Record<string, unknown>[] = [];

beforeAll(async () => {
  api = await sgpClusterDouble();
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'sgbridge-doctor-sources-')), 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeConfig('admin').exportConfig());
});
afterAll(() => api?.close());
afterEach(() => {
  for (const o of created.splice(0).reverse()) {
    const m = o.metadata as { name: string; namespace?: string };
    api.remove(o.apiVersion as string, o.kind as string, m.name, m.namespace);
  }
});

function add(...objects: Record<string, unknown>[]): void {
  for (const o of objects) {
    api.create(structuredClone(o));
    created.push(o);
  }
}

const label = (...groups: string[]) => Object.fromEntries(groups.map((g) => [`sg.aws.tigera.io/${g}`, '']));
function pod(name: string, opts: { labels?: Record<string, string>; groups?: string[]; annotation?: string[]; serviceAccount?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { ...(opts.labels ?? {}), ...label(...(opts.groups ?? [])) }, ...(opts.annotation ? { annotations: { [SG_ANNOTATION]: JSON.stringify(opts.annotation) } } : {}) },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(opts.serviceAccount ? { serviceAccountName: opts.serviceAccount } : {}) },
  };
}

const byPodLabel = sgp('db-access', NS, { podSelector: { matchLabels: { app: 'web' } }, groupIds: [DB_SG] });
const byServiceAccount = sgp('team-pay', NS, { serviceAccountSelector: { matchLabels: { team: 'pay' } }, groupIds: [DB_SG, INSTANCE_SG] });
const payer = serviceAccount(NS, 'payer', { team: 'pay' });

async function doctor(setting = true, extra: string[] = []): Promise<Check[]> {
  vi.stubEnv('KUBECONFIG', kubeconfig);
  const { out } = await runCli(registerDoctor, ['doctor', '--output', 'json', ...(setting ? ['--security-group-policies'] : []), ...extra]).finally(() => vi.unstubAllEnvs());
  return (JSON.parse(out) as { checks: Check[] }).checks;
}
const podChecks = (checks: Check[]) => checks.filter((c) => c.name.startsWith('pod membership labels'));
const wrongPod = (checks: Check[], name: string) => checks.find((c) => c.name === `pod membership labels: ${NS}/${name}`);

describe('doctor: pods against their sources (setting securityGroupPolicies on)', () => {
  it('annotation only: passes while the labels follow it; a missing label is reported with the annotation as its source', async () => {
    add(byPodLabel, pod('annotated', { labels: { app: 'api' }, annotation: [POD_SG], groups: [POD_SG, POD_DEFAULT] }));
    expect(podChecks(await doctor())).toEqual([{ name: 'pod membership labels', ok: true, detail: 'all 1 pods carry the membership labels their sources call for (1 from their annotation)', fix: '' }]);
    add(pod('annotated-unlabelled', { labels: { app: 'api' }, annotation: [POD_SG], groups: [POD_DEFAULT] }));
    const check = wrongPod(await doctor(), 'annotated-unlabelled');
    expect(check?.detail).toContain(`(${POD_DEFAULT} from pod default group; ${POD_SG} from annotation ${SG_ANNOTATION})`);
    expect(check?.fix).toContain(`kubectl -n ${NS} label pod annotated-unlabelled --overwrite sg.aws.tigera.io/${POD_SG}=`);
    expect(check?.fix).toContain("change its source (the pod's annotation)");
  });

  it('one policy: the group it gives is named by the policy, namespace/name, and so is what to change', async () => {
    add(byPodLabel, pod('web', { labels: { app: 'web' }, groups: [DB_SG, POD_DEFAULT] }));
    expect(podChecks(await doctor())[0]).toMatchObject({ ok: true, detail: 'all 1 pods carry the membership labels their sources call for (1 from SecurityGroupPolicies)' });
    add(pod('web-2', { labels: { app: 'web' }, groups: [NODE_SG, POD_DEFAULT] }));
    const check = wrongPod(await doctor(), 'web-2');
    expect(check?.detail).toMatch(new RegExp(`labelled for \\[${POD_DEFAULT}, ${NODE_SG}\\] but its membership is \\[${POD_DEFAULT}, ${DB_SG}\\] \\(${POD_DEFAULT} from pod default group; ${DB_SG} from SecurityGroupPolicy ${NS}/db-access\\)`));
    expect(check?.fix).toContain(`sg.aws.tigera.io/${DB_SG}= sg.aws.tigera.io/${NODE_SG}-`);
    expect(check?.fix).toContain(`change its source (SecurityGroupPolicy ${NS}/db-access)`);
  });

  it('two policies, by pod labels and by ServiceAccount labels: a group both give names both', async () => {
    add(byPodLabel, byServiceAccount, payer, pod('pay-web', { labels: { app: 'web' }, serviceAccount: 'payer', groups: [POD_DEFAULT] }));
    const check = wrongPod(await doctor(), 'pay-web');
    expect(check?.detail).toContain(`${DB_SG} from SecurityGroupPolicy ${NS}/db-access and SecurityGroupPolicy ${NS}/team-pay; ${INSTANCE_SG} from SecurityGroupPolicy ${NS}/team-pay`);
  });

  it('annotation ∪ policy: passes with both kinds of label; a group from both names both', async () => {
    add(byPodLabel, pod('both', { labels: { app: 'web' }, annotation: [POD_SG, DB_SG], groups: [DB_SG, POD_SG, POD_DEFAULT] }));
    expect(podChecks(await doctor())[0]).toMatchObject({ ok: true, detail: 'all 1 pods carry the membership labels their sources call for (1 from their annotation and SecurityGroupPolicies)' });
    add(pod('both-2', { labels: { app: 'web' }, annotation: [POD_SG, DB_SG], groups: [POD_SG] }));
    expect(wrongPod(await doctor(), 'both-2')?.detail).toContain(`${DB_SG} from annotation ${SG_ANNOTATION} and SecurityGroupPolicy ${NS}/db-access`);
  });

  it('node groups: no annotation and no policy that selects the pod', async () => {
    add(byPodLabel, pod('plain', { labels: { app: 'api' }, groups: [NODE_SG, POD_DEFAULT] }), pod('plain-2', { labels: { app: 'api' }, groups: [DB_SG, NODE_SG, POD_DEFAULT] }));
    const check = wrongPod(await doctor(), 'plain-2');
    expect(check?.detail).toContain(`(${POD_DEFAULT} from pod default group; ${NODE_SG} from node groups)`);
    expect(check?.fix).toContain(`sg.aws.tigera.io/${DB_SG}-`);
    expect(wrongPod(await doctor(), 'plain')).toBeUndefined();
  });

  it('an invalid policy is reported as ignored, with what to do', async () => {
    add({ ...byPodLabel, metadata: { name: 'no-groups', namespace: NS }, spec: { podSelector: {} } });
    const check = (await doctor()).find((c) => c.name === `SecurityGroupPolicies: ${NS}/no-groups`);
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toMatch(/is ignored, as the AWS controller ignores it, so it gives no pod a group: spec\.securityGroups\.groupIds is missing or empty/);
    expect(check?.fix).toContain(`kubectl -n ${NS} edit securitygrouppolicy no-groups`);
  });

  it('valid policies pass, counted', async () => {
    add(byPodLabel, byServiceAccount);
    expect((await doctor()).find((c) => c.name === 'SecurityGroupPolicies')).toEqual({ name: 'SecurityGroupPolicies', ok: true, detail: '2 SecurityGroupPolicies in 1 namespace, none ignored', fix: '' });
  });
});

describe('doctor: setting off, and without a cluster', () => {
  it('setting off: policies are not read, so a pod labelled for a policy group is wrong and no source is named', async () => {
    add(byPodLabel, pod('web', { labels: { app: 'web' }, groups: [DB_SG, POD_DEFAULT] }));
    const checks = await doctor(false);
    expect(checks.some((c) => c.name.startsWith('SecurityGroupPolicies'))).toBe(false);
    const check = wrongPod(checks, 'web');
    expect(check?.detail).toMatch(new RegExp(`but its membership is \\[${POD_DEFAULT}, ${NODE_SG}\\]: Calico`));
    expect(check?.fix).not.toContain('change its source');
  });

  it('without a cluster the pod and policy checks are skipped with the other cluster checks', async () => {
    const checks = await doctor(true, ['--no-cluster']);
    expect(checks.find((c) => c.name === 'cluster checks')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name === 'cluster checks')!.detail).toContain("pods' membership labels and their sources (annotation, SecurityGroupPolicies, node groups), SecurityGroupPolicies were not checked");
    expect(checks.some((c) => c.name.startsWith('pod membership labels') || c.name.startsWith('SecurityGroupPolicies'))).toBe(false);
  });
});
