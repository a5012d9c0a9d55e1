// The chart's part of issue 22, rendered by the real helm: with config.securityGroupPolicies, AWS's
// SecurityGroupPolicy CRD where the cluster has none (never deleted, never someone else's replaced),
// read access to policies and ServiceAccounts and the validating webhook for policies; without it,
// none of these.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { envName, resolveSettings } from '../../src/core/settings.js';
import { buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { SGP_CRD_NAME, SGP_GROUP, SGP_RESOURCE } from '../../src/core/security-group-policy/index.js';
import { WEBHOOK_NAMES } from '../../src/core/webhooks.js';
import { VPC_RESOURCE_CONTROLLER } from '../support/fixtures.js';
import { CHART_DIR, REPO_ROOT, helm, renderChart, writeValues, type K8sObject } from '../support/helm.js';

const RELEASE = 'edge';
const NAMESPACE = 'sg-ops';
const FULLNAME = 'edge-sgbridge';
const VPC = 'vpc-0123456789abcdef0';
const ON = { config: { vpcId: VPC, securityGroupPolicies: true } };

type Obj = K8sObject & { spec?: unknown; rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[]; roleRef?: unknown; subjects?: unknown };

const render = (values: Record<string, unknown>, chartDir?: string) => renderChart({ release: RELEASE, namespace: NAMESPACE, values, ...(chartDir ? { chartDir } : {}) }) as Obj[];
const crdOf = (objs: Obj[]) => objs.filter((o) => o.kind === 'CustomResourceDefinition');
const sgpRbac = (objs: Obj[]) => objs.filter((o) => o.metadata.name === `${FULLNAME}-security-group-policies`);

function envOf(objs: Obj[]): Record<string, string> {
  const deployment = objs.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  return Object.fromEntries(deployment.spec.template.spec.containers[0]!.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

const webhookNames = (objs: Obj[]) => objs.filter((o) => o.kind === 'ValidatingWebhookConfiguration').flatMap((o) => (o as unknown as { webhooks: { name: string }[] }).webhooks.map((w) => w.name));

const fixtureCrd = () => parseAllDocuments(readFileSync(`${VPC_RESOURCE_CONTROLLER}/vpcresources.k8s.aws_securitygrouppolicies.yaml`, 'utf8'))[0]!.toJS() as Obj;

describe('config.securityGroupPolicies off (the default)', () => {
  it('renders no CRD and no extra RBAC, and tells sgbridge the setting is off', () => {
    const objs = render({ config: { vpcId: VPC } });
    expect(crdOf(objs)).toEqual([]);
    expect(sgpRbac(objs)).toEqual([]);
    expect(JSON.stringify(objs.filter((o) => o.kind === 'ClusterRole'))).not.toContain(SGP_RESOURCE);
    expect(envOf(objs)[envName('securityGroupPolicies')]).toBe('false');
    expect(resolveSettings({ env: envOf(objs) }).securityGroupPolicies).toBe(false);
    expect(webhookNames(objs)).not.toContain(WEBHOOK_NAMES.validateSecurityGroupPolicies);
  });
});

describe('config.securityGroupPolicies on', () => {
  let objs: Obj[];
  beforeAll(() => {
    objs = render(ON);
  });

  it('registers the SecurityGroupPolicy webhook exactly as src/core/registration builds it', () => {
    const settings = resolveSettings({ env: envOf(objs) });
    const validating = objs.find((o) => o.kind === 'ValidatingWebhookConfiguration') as unknown as { webhooks: { name: string }[] };
    const built = buildValidatingWebhookConfiguration({ target: { service: { namespace: NAMESPACE, name: FULLNAME, port: 443 } }, failurePolicy: 'Ignore', settings }) as { webhooks: { name: string }[] };
    const ours = (w: { webhooks: { name: string }[] }) => w.webhooks.find((h) => h.name === WEBHOOK_NAMES.validateSecurityGroupPolicies);
    expect(ours(validating)).toEqual(ours(built));
    expect(ours(built)).toMatchObject({ rules: [{ apiGroups: [SGP_GROUP], apiVersions: ['v1beta1'], resources: [SGP_RESOURCE], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }] });
  });

  it('passes the setting to sgbridge', () => {
    expect(resolveSettings({ env: envOf(objs) }).securityGroupPolicies).toBe(true);
  });

  it("installs AWS's CRD unchanged where the cluster has none, marked never to be deleted", () => {
    const [crd, ...more] = crdOf(objs);
    expect(more).toEqual([]);
    const fixture = fixtureCrd();
    expect(crd!.metadata.name).toBe(SGP_CRD_NAME);
    expect(crd!.spec).toEqual(fixture.spec);
    expect(crd!.metadata.annotations).toEqual({ ...fixture.metadata.annotations, 'helm.sh/resource-policy': 'keep' });
    expect(crd!.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
  });

  it('grants get, list and watch on SecurityGroupPolicies and ServiceAccounts, nothing more, to its own ServiceAccount', () => {
    const role = sgpRbac(objs).find((o) => o.kind === 'ClusterRole')!;
    expect(role.rules).toEqual([
      { apiGroups: [SGP_GROUP], resources: [SGP_RESOURCE], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = sgpRbac(objs).find((o) => o.kind === 'ClusterRoleBinding')!;
    const sa = objs.find((o) => o.kind === 'ServiceAccount')!.metadata.name;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NAMESPACE }]);
  });

  it('leaves the RBAC out with rbac.create false, and the CRD out with securityGroupPolicyCrd.install false', () => {
    expect(sgpRbac(render({ ...ON, rbac: { create: false } }))).toEqual([]);
    const noCrd = render({ ...ON, securityGroupPolicyCrd: { install: false } });
    expect(crdOf(noCrd)).toEqual([]);
    expect(sgpRbac(noCrd)).toHaveLength(2);
  });

  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', CHART_DIR, '-f', writeValues(ON)]);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  }, 60_000);

  it('refuses values of the wrong type', () => {
    for (const [values, complaint] of [
      [{ config: { securityGroupPolicies: 'maybe' } }, 'config.securityGroupPolicies'],
      [{ securityGroupPolicyCrd: { install: 'yes' } }, 'securityGroupPolicyCrd.install'],
      [{ securityGroupPolicyCrd: { create: true } }, 'create'],
    ] as const) {
      const r = helm(['template', RELEASE, CHART_DIR, '-f', writeValues(values as Record<string, unknown>)]);
      expect(r.status, JSON.stringify(values)).not.toBe(0);
      expect(r.stderr).toContain(complaint);
    }
  });

  it("ships the CRD the tests validate against (files/ is a copy of test/fixtures/vpc-resource-controller/)", () => {
    const shipped = parseAllDocuments(readFileSync(join(CHART_DIR, 'files/securitygrouppolicies-crd.yaml'), 'utf8'))[0]!.toJS();
    expect(shipped).toEqual(fixtureCrd());
  });
});

describe('where the cluster already has the CRD', () => {
  // `helm template` asks no cluster, so lookup finds nothing; a copy of the chart whose lookup
  // helper returns a given object stands in for the cluster's answer (a test double of lookup).
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sgbridge-chart-sgp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function withCluster(existing: Record<string, unknown>, name: string): string {
    const chart = join(dir, name, 'sgbridge');
    cpSync(CHART_DIR, chart, { recursive: true });
    writeFileSync(join(chart, 'templates/_security-group-policy-crd.tpl'), `{{- define "sgbridge.existingSecurityGroupPolicyCrd" -}}\n${JSON.stringify(existing)}\n{{- end -}}\n`);
    return chart;
  }

  const existingCrd = (annotations: Record<string, string>) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: SGP_CRD_NAME, annotations } });

  it("leaves EKS's own CRD alone (no Helm owner)", () => {
    const objs = render(ON, withCluster(existingCrd({ 'controller-gen.kubebuilder.io/version': 'v0.18.0' }), 'eks'));
    expect(crdOf(objs)).toEqual([]);
    expect(sgpRbac(objs)).toHaveLength(2);
  });

  it("leaves another release's CRD alone", () => {
    const other = existingCrd({ 'meta.helm.sh/release-name': 'other', 'meta.helm.sh/release-namespace': NAMESPACE });
    expect(crdOf(render(ON, withCluster(other, 'other')))).toEqual([]);
    const elsewhere = existingCrd({ 'meta.helm.sh/release-name': RELEASE, 'meta.helm.sh/release-namespace': 'elsewhere' });
    expect(crdOf(render(ON, withCluster(elsewhere, 'elsewhere')))).toEqual([]);
  });

  it('keeps rendering the CRD this release installed, so an upgrade neither drops nor orphans it', () => {
    const ours = existingCrd({ 'meta.helm.sh/release-name': RELEASE, 'meta.helm.sh/release-namespace': NAMESPACE, 'helm.sh/resource-policy': 'keep' });
    const [crd] = crdOf(render(ON, withCluster(ours, 'ours')));
    expect(crd?.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });
});

describe('docs/migrate-from-sgpp.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/migrate-from-sgpp.md'), 'utf8');

  it('names the values and objects the chart has', () => {
    for (const text of ['--set config.securityGroupPolicies=true', 'securityGroupPolicyCrd.install=false', '`<fullname>-security-group-policies`', '--security-group-policies', 'SGBRIDGE_SECURITY_GROUP_POLICIES', 'ENABLE_POD_ENI=false']) expect(doc).toContain(text);
    const objs = render(ON);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining([`ClusterRole/${FULLNAME}-security-group-policies`, `CustomResourceDefinition/${SGP_CRD_NAME}`]));
    expect(crdOf(render({ ...ON, securityGroupPolicyCrd: { install: false } }))).toEqual([]);
  });
});
