// The Helm chart, rendered by the real helm binary across Kubernetes versions and values, checked
// object by object against the code it deploys: settings, API calls, webhook rules, security.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SETTING_DEFS, envName, resolveSettings, type SettingName } from '../../src/core/settings.js';
import { CALICO_GROUPS } from '../../src/core/protection/kinds.js';
import { PROTECTED_TIER_NAMES } from '../../src/core/vocabulary.js';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { API_PERMISSIONS } from '../../src/kube/permissions.js';
import { CHART_DIR, REPO_ROOT, helm, renderChart, writeValues, type K8sObject } from '../support/helm.js';

const RELEASE = 'edge';
const NAMESPACE = 'sg-ops';
const FULLNAME = 'edge-sgbridge';
const VPC = 'vpc-0123456789abcdef0';
const CALICO_RESOURCES = ['tiers', 'globalnetworkpolicies', 'networkpolicies', 'stagedglobalnetworkpolicies', 'stagednetworkpolicies', 'stagedkubernetesnetworkpolicies', 'hostendpoints', 'globalnetworksets', 'networksets'];

type Obj = K8sObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found.map((o) => o.metadata.name), `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}

function container(objs: Obj[]): Obj {
  return one(objs, 'Deployment').spec.template.spec.containers[0];
}

function envOf(objs: Obj[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container(objs).env as { name: string; value?: string }[]) if (e.value !== undefined) out[e.name] = e.value;
  return out;
}

function keysDeep(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      found.push(k);
      keysDeep(v, found);
    }
  }
  return found;
}

function flatten(rules: { scope: string; groups: string[]; resources: string[]; verbs: string[] }[]): string[] {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.groups) for (const res of r.resources) for (const v of r.verbs) out.add(`${r.scope} ${g || 'core'}/${res} ${v}`);
  return [...out].sort();
}

function podWebhooks(objs: Obj[]): Obj[] {
  const all = objs.filter((o) => o.kind.endsWith('WebhookConfiguration')).flatMap((o) => o.webhooks as Obj[]);
  return all.filter((w) => (w.rules as Obj[]).some((r) => r.resources.includes('pods')));
}

describe('chart source', () => {
  it('runs the official helm 3 from the kubectl layer (installed without its CDK peers)', () => {
    const r = helm(['version', '--short']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^v3\.\d+\.\d+/);
  });

  it('passes helm lint --strict with default values, and across the matrix', () => {
    const runs: string[][] = [[]];
    for (const kube of ['1.27.0', '1.30.0', '1.32.0']) {
      for (const hostNetwork of [false, true]) runs.push(['--kube-version', kube, '-f', writeValues({ hostNetwork: { enabled: hostNetwork }, config: { vpcId: VPC } })]);
    }
    for (const extra of runs) {
      const r = helm(['lint', '--strict', CHART_DIR, ...extra]);
      expect(r.stderr + r.stdout, extra.join(' ')).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.status).toBe(0);
    }
  }, 120_000);

  it('files/permissions.json is src/kube/permissions.ts (SGBRIDGE_UPDATE_CHART=1 rewrites it)', () => {
    const file = join(CHART_DIR, 'files/permissions.json');
    if (process.env.SGBRIDGE_UPDATE_CHART === '1') writeFileSync(file, JSON.stringify(API_PERMISSIONS, null, 2) + '\n');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(API_PERMISSIONS)));
  });

  it('has a documented value for every setting of src/core/settings.ts, and nothing else under config', () => {
    const text = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
    const values = parse(text) as { config: Record<string, unknown> };
    expect(Object.keys(values.config).sort()).toEqual(Object.keys(SETTING_DEFS).sort());
    for (const name of Object.keys(SETTING_DEFS)) expect(text, `comment above config.${name}`).toMatch(new RegExp(`  # -- .+\\n(  # .*\\n)*  ${name}:`));
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));
    expect(Object.keys(schema.properties.config.properties).sort()).toEqual(Object.keys(SETTING_DEFS).sort());
  });

  it('lists every value with its default in the chart README', () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const keys = [...Object.keys(values), ...Object.keys(values.config as object).map((k) => `config.${k}`)];
    for (const key of keys) expect(readme, key).toContain(`| \`${key}\` |`);
    for (const [name, value] of Object.entries(values.config as Record<string, unknown>)) {
      if (value === null || typeof value !== 'object') expect(readme, `config.${name} default`).toContain(`| \`config.${name}\` | \`${value === '' ? '""' : String(value)}\` |`);
    }
  });

  it('probes paths the admission server serves', () => {
    const app = readFileSync(join(REPO_ROOT, 'src/admission/routes.ts'), 'utf8');
    const probes = (parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { probes: Record<string, { path: string }> }).probes;
    for (const [name, probe] of Object.entries(probes)) expect(app, `${name} probe ${probe.path}`).toContain(`routes.set('${probe.path}', { method: 'GET'`);
  });

  it('never templates a caBundle', () => {
    for (const file of readdirSync(join(CHART_DIR, 'templates'))) {
      const code = readFileSync(join(CHART_DIR, 'templates', file), 'utf8').split('\n').filter((l) => !/^\s*(#|\{\{-? ?\/\*)/.test(l));
      expect(code.filter((l) => /caBundle\s*:/.test(l)), file).toEqual([]);
    }
  });

  it('refuses bad values through values.schema.json', () => {
    for (const [values, complaint] of [
      [{ config: { vpcId: 'vpc-nothex' } }, 'config.vpcId'],
      [{ config: { nodeGroups: ['sg-XYZ'] } }, 'config.nodeGroups'],
      [{ config: { typo: true } }, 'typo'],
      [{ hostNetwork: { enabled: true, port: 443 } }, 'hostNetwork.port'],
      [{ webhooks: { failurePolicy: 'Sometimes' } }, 'webhooks.failurePolicy'],
      [{ config: { awsEventsQueueUrl: 'arn:aws:sqs:eu-west-1:123456789012:events' } }, 'config.awsEventsQueueUrl'],
    ] as const) {
      const r = helm(['template', RELEASE, CHART_DIR, '-f', writeValues(values as Record<string, unknown>)]);
      expect(r.status, JSON.stringify(values)).not.toBe(0);
      expect(r.stderr).toContain(complaint);
    }
  });
});

interface Cell {
  kube: string;
  hostNetwork: boolean;
  certificates?: { tlsDns?: string[]; tlsIps?: string[]; clusterDomain?: string };
}

const CELLS: Cell[] = [];
for (const kube of ['1.27.0', '1.30.0', '1.32.0']) for (const hostNetwork of [false, true]) CELLS.push({ kube, hostNetwork });
CELLS.push({ kube: '1.32.0', hostNetwork: false, certificates: { tlsDns: ['sgbridge.example.internal'], tlsIps: ['10.0.0.5'] } });
CELLS.push({ kube: '1.32.0', hostNetwork: true, certificates: { clusterDomain: 'corp.local' } });

const atLeast = (v: string, min: string) => {
  const [a, b] = v.split('.').map(Number);
  const [c, d] = min.split('.').map(Number);
  return a! > c! || (a === c && b! >= d!);
};

describe.each(CELLS)('helm template on Kubernetes $kube, hostNetwork $hostNetwork, certificates $certificates', (cell) => {
  let objs: Obj[];
  beforeAll(() => {
    const { clusterDomain, ...certConfig } = cell.certificates ?? {};
    objs = renderChart({
      release: RELEASE,
      namespace: NAMESPACE,
      kubeVersion: cell.kube,
      values: {
        hostNetwork: { enabled: cell.hostNetwork, port: 10270 },
        ...(clusterDomain ? { clusterDomain } : {}),
        config: { vpcId: VPC, breakGlassGroups: ['sre'], ...certConfig },
      },
    }) as Obj[];
  });

  it('gives every setting to the container as its SGBRIDGE_* variable, and sgbridge accepts them', () => {
    const env = envOf(objs);
    const names = Object.keys(SETTING_DEFS) as SettingName[];
    expect(Object.keys(env).filter((k) => k.startsWith('SGBRIDGE_')).sort()).toEqual(names.map(envName).sort());
    const settings = resolveSettings({ env });
    const port = cell.hostNetwork ? 10270 : 8443;
    expect(settings).toMatchObject({ listen: '0.0.0.0', port, namespace: NAMESPACE, serviceName: FULLNAME, vpcId: VPC, aws: true, breakGlassGroups: ['sre'], tlsSecret: true });
    expect(settings.syncerIdentity).toBe(`system:serviceaccount:${NAMESPACE}:${one(objs, 'ServiceAccount').metadata.name}`);
    const mounts = (container(objs).volumeMounts as Obj[]).map((m) => m.mountPath);
    expect(mounts).toContain(settings.tlsDir);
    if (cell.certificates?.tlsDns) {
      expect(settings.tlsDns).toEqual(cell.certificates.tlsDns);
      expect(settings.tlsIps).toEqual(cell.certificates.tlsIps);
    } else {
      const domain = cell.certificates?.clusterDomain ?? 'cluster.local';
      expect(settings.tlsDns).toEqual([FULLNAME, `${FULLNAME}.${NAMESPACE}`, `${FULLNAME}.${NAMESPACE}.svc`, `${FULLNAME}.${NAMESPACE}.svc.${domain}`]);
    }
  });

  it('runs two non-root, read-only, capability-free replicas with a PDB, anti-affinity and a priority class', () => {
    const deploy = one(objs, 'Deployment');
    const pod = deploy.spec.template.spec;
    const c = container(objs);
    expect(deploy.spec.replicas).toBe(2);
    expect(deploy.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(one(objs, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: deploy.spec.selector.matchLabels } });
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toEqual(expect.any(String));
    const anti = pod.affinity.podAntiAffinity;
    if (cell.hostNetwork) expect(anti.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels).toEqual(deploy.spec.selector.matchLabels);
    else expect(anti.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels).toEqual(deploy.spec.selector.matchLabels);
  });

  it('probes /healthz and /readyz over HTTPS and pauses before stopping without needing a shell', () => {
    const c = container(objs);
    expect(c.startupProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/healthz', port: 'https' });
    expect(c.readinessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/readyz', port: 'https' });
    expect(c.livenessProbe.httpGet).toMatchObject({ scheme: 'HTTPS', path: '/healthz', port: 'https' });
    const grace = one(objs, 'Deployment').spec.template.spec.terminationGracePeriodSeconds as number;
    if (atLeast(cell.kube, '1.30')) {
      expect(c.lifecycle.preStop).toEqual({ sleep: { seconds: 15 } });
    } else {
      expect(c.lifecycle.preStop.exec.command).toEqual(['node', '-e', 'setTimeout(() => {}, 15000)']);
    }
    expect(grace).toBeGreaterThan(15);
    expect(c.args).toEqual(['serve']);
  });

  it('serves on the host network only when asked, on the configured port', () => {
    const pod = one(objs, 'Deployment').spec.template.spec;
    const port = container(objs).ports[0];
    const service = one(objs, 'Service', FULLNAME);
    expect(service.spec.ports[0]).toMatchObject({ port: 443, targetPort: 'https' });
    expect(service.spec.selector).toEqual(one(objs, 'Deployment').spec.selector.matchLabels);
    if (cell.hostNetwork) {
      expect(pod).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' });
      expect(port).toMatchObject({ name: 'https', containerPort: 10270, hostPort: 10270 });
    } else {
      expect(pod.hostNetwork).toBeUndefined();
      expect(port).toMatchObject({ name: 'https', containerPort: 8443 });
      expect(port.hostPort).toBeUndefined();
    }
  });

  it('renders no caBundle anywhere', () => {
    expect(keysDeep(objs)).not.toContain('caBundle');
  });

  it('renders the webhook configurations exactly as src/core/registration/webhook-configurations.ts builds them, through the Service', () => {
    const settings = resolveSettings({ env: envOf(objs) });
    const opts = {
      target: { service: { namespace: NAMESPACE, name: FULLNAME, port: 443 } },
      failurePolicy: 'Ignore' as const,
      matchConditions: atLeast(cell.kube, '1.28'),
      settings,
    };
    const mutating = one(objs, 'MutatingWebhookConfiguration', settings.serviceName);
    const validating = one(objs, 'ValidatingWebhookConfiguration', settings.serviceName);
    expect(mutating.webhooks).toEqual(buildMutatingWebhookConfiguration(opts).webhooks);
    expect(validating.webhooks).toEqual(buildValidatingWebhookConfiguration(opts).webhooks);
    expect(mutating.metadata.labels?.['app.kubernetes.io/name']).toBe('sgbridge');
    expect(validating.metadata.labels?.['app.kubernetes.io/name']).toBe('sgbridge');
  });

  it('excludes kube-system and its own namespace from the pod webhooks, and covers both Calico API groups', () => {
    for (const w of podWebhooks(objs)) {
      const notIn = (w.namespaceSelector.matchExpressions as Obj[]).find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
      expect(notIn?.values).toEqual(expect.arrayContaining(['kube-system', NAMESPACE, 'calico-system', 'calico-apiserver', 'tigera-operator']));
    }
    const rules = (one(objs, 'ValidatingWebhookConfiguration', FULLNAME).webhooks as Obj[]).flatMap((w) => w.rules as Obj[]);
    for (const group of CALICO_GROUPS) {
      for (const resource of CALICO_RESOURCES) {
        const rule = rules.find((r) => r.apiGroups.includes(group) && r.resources.includes(resource));
        expect(rule?.operations, `${resource}.${group}`).toEqual(['CREATE', 'UPDATE', 'DELETE']);
      }
    }
    const hooks = objs.filter((o) => o.kind.endsWith('WebhookConfiguration')).flatMap((o) => o.webhooks as Obj[]);
    expect(hooks.every((w) => w.clientConfig.url === undefined && w.clientConfig.service.name === FULLNAME)).toBe(true);
    expect(hooks.some((w) => w.matchConditions !== undefined)).toBe(atLeast(cell.kube, '1.28'));
  });

  it('adds the ValidatingAdmissionPolicy backstop only on >= 1.30', () => {
    const policies = objs.filter((o) => o.kind === 'ValidatingAdmissionPolicy');
    const bindings = objs.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
    if (atLeast(cell.kube, '1.30')) {
      expect(policies).toHaveLength(1);
      expect(bindings[0]?.spec).toEqual({ policyName: policies[0]!.metadata.name, validationActions: ['Deny'] });
      expect(policies[0]!.apiVersion).toBe('admissionregistration.k8s.io/v1');
    } else {
      expect(policies).toEqual([]);
      expect(bindings).toEqual([]);
    }
  });

  it('grants exactly the API calls in src/kube/permissions.ts, to its own ServiceAccount', () => {
    const sa = one(objs, 'ServiceAccount').metadata.name;
    const roles = objs.filter((o) => (o.kind === 'ClusterRole' || o.kind === 'Role') && o.metadata.name === FULLNAME);
    const granted = roles.flatMap((role) =>
      (role.rules as Obj[]).map((r) => ({ scope: role.kind === 'Role' ? 'namespace' : 'cluster', groups: r.apiGroups, resources: r.resources, verbs: r.verbs })),
    );
    const needed = API_PERMISSIONS.map((p) => ({ scope: p.scope, groups: [p.group], resources: [p.resource], verbs: p.verbs }));
    expect(flatten(granted)).toEqual(flatten(needed));
    for (const role of roles) {
      expect(JSON.stringify(role.rules)).not.toContain('*');
      if (role.kind === 'Role') expect(role.metadata.namespace).toBe(NAMESPACE);
      const binding = one(objs, role.kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding', FULLNAME);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: FULLNAME });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NAMESPACE }]);
    }
  });

  it('offers a read-only ClusterRole for the three tiers and their policies', () => {
    const viewer = one(objs, 'ClusterRole', `${FULLNAME}-tier-viewer`);
    for (const rule of viewer.rules as Obj[]) {
      expect(rule.apiGroups).toEqual(['projectcalico.org']);
      expect(rule.verbs).toEqual(['get', 'list', 'watch']);
    }
    const tiers = (viewer.rules as Obj[]).find((r) => r.resources.includes('tiers'));
    expect([...tiers!.resourceNames].sort()).toEqual([...PROTECTED_TIER_NAMES].sort());
    const policies = (viewer.rules as Obj[]).find((r) => r.resources.includes('tier.globalnetworkpolicies'));
    expect(policies!.resources).toContain('tier.networkpolicies');
    expect([...policies!.resourceNames].sort()).toEqual(PROTECTED_TIER_NAMES.map((t) => `${t}.*`).sort());
  });
});

describe('chart resources', () => {
  /** Mi of a Kubernetes quantity the chart uses (Mi or Gi). */
  const mebibytes = (q: string) => {
    const m = /^(\d+)(Mi|Gi)$/.exec(q);
    expect(m, `quantity ${q}`).not.toBeNull();
    return Number(m![1]) * (m![2] === 'Gi' ? 1024 : 1);
  };

  it('requests more memory than a replica was measured to peak at, and limits above that (README)', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `serve-rss`'));
    expect(row).toBeDefined();
    const peaks = [...row!.matchAll(/peak \*\*(\d+) MiB\*\*/g)].map((m) => Number(m[1]));
    expect(peaks.length).toBeGreaterThanOrEqual(2);
    const { resources } = container(renderChart() as Obj[]) as unknown as { resources: { requests: { memory: string; cpu: string }; limits: { memory: string; cpu?: string } } };
    const request = mebibytes(resources.requests.memory);
    const limit = mebibytes(resources.limits.memory);
    expect(request).toBeGreaterThan(Math.max(...peaks));
    expect(limit).toBeGreaterThan(request);
    expect(resources.limits.cpu, 'no CPU limit: throttling would slow admission answers').toBeUndefined();
    // The README's "what a replica needs" line gives the same figures.
    expect(readme).toContain(`What a replica needs: about ${request} MiB of memory (the chart's request; its limit is ${limit} MiB)`);
  });
});

describe('chart options', () => {
  it('puts the IRSA role on the ServiceAccount and AWS_REGION in the container', () => {
    const arn = 'arn:aws:iam::123456789012:role/sgbridge';
    const objs = renderChart({ values: { serviceAccount: { roleArn: arn }, awsRegion: 'eu-west-1', config: { vpcId: VPC } } }) as Obj[];
    expect(one(objs, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': arn });
    expect(container(objs).env).toContainEqual({ name: 'AWS_REGION', value: 'eu-west-1' });
  });

  it('passes the AWS events queue URL to the container, and sgbridge accepts it', () => {
    const queue = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-aws-events';
    const objs = renderChart({ values: { config: { vpcId: VPC, awsEventsQueueUrl: queue } } }) as Obj[];
    expect(envOf(objs).SGBRIDGE_AWS_EVENTS_QUEUE_URL).toBe(queue);
    expect(resolveSettings({ env: envOf(objs) }).awsEventsQueueUrl).toBe(queue);
    expect(envOf(renderChart({ values: { config: { vpcId: VPC } } }) as Obj[]).SGBRIDGE_AWS_EVENTS_QUEUE_URL).toBe('');
  });

  it('uses a pinned image digest when given, and the appVersion tag otherwise', () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    expect(container(renderChart({ values: { image: { digest } } }) as Obj[]).image).toMatch(new RegExp(`@${digest}$`));
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    expect(container(renderChart() as Obj[]).image).toMatch(new RegExp(`:${chart.appVersion}$`));
  });

  it('narrows get/update/patch/delete on its own webhook configurations and certificate Secret to their names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgbridge-chart-'));
    try {
      cpSync(CHART_DIR, join(dir, 'sgbridge'), { recursive: true });
      const perms = [
        { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', verbs: ['get', 'list', 'patch'], scope: 'cluster', usedBy: 'test' },
        { group: '', resource: 'secrets', verbs: ['get', 'create', 'update'], scope: 'namespace', usedBy: 'test' },
        { group: '', resource: 'nodes', verbs: ['get', 'list'], scope: 'cluster', usedBy: 'test' },
      ];
      writeFileSync(join(dir, 'sgbridge/files/permissions.json'), JSON.stringify(perms));
      const objs = renderChart({ chartDir: join(dir, 'sgbridge'), release: RELEASE, namespace: NAMESPACE }) as Obj[];
      const rules = (kind: string) => one(objs, kind, FULLNAME).rules as Obj[];
      expect(rules('ClusterRole')).toEqual([
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['list'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], resourceNames: [FULLNAME], verbs: ['get', 'patch'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
      ]);
      expect(rules('Role')).toEqual([
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [`${FULLNAME}-tls`], verbs: ['get', 'update'] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads EKS version strings (v1.30.1-eks-…) like plain ones', () => {
    const kinds = (kubeVersion: string) => renderChart({ kubeVersion }).map((o) => o.kind);
    expect(kinds('v1.30.1-eks-ce1d5eb')).toContain('ValidatingAdmissionPolicy');
    expect(kinds('v1.29.9-eks-ce1d5eb')).not.toContain('ValidatingAdmissionPolicy');
  });

  it('refuses a PDB that would block every node drain', () => {
    const r = helm(['template', RELEASE, CHART_DIR, '--set', 'replicaCount=1']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('replicaCount (1) must be greater than podDisruptionBudget.minAvailable (1)');
    expect(renderChart({ values: { replicaCount: 1, podDisruptionBudget: { enabled: false } } }).map((o) => o.kind)).not.toContain('PodDisruptionBudget');
  });

  it('names the Service, webhook configurations and certificate names after config.serviceName', () => {
    const objs = renderChart({ release: RELEASE, namespace: NAMESPACE, values: { config: { serviceName: 'sg-admission', vpcId: VPC } } }) as Obj[];
    expect(one(objs, 'Service').metadata.name).toBe('sg-admission');
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const config = one(objs, kind, 'sg-admission');
      expect((config.webhooks as Obj[]).every((w) => w.clientConfig.service.name === 'sg-admission')).toBe(true);
    }
    expect(resolveSettings({ env: envOf(objs) }).tlsDns).toContain(`sg-admission.${NAMESPACE}.svc`);
  });

  it('writes NOTES that warn about a missing VPC id and show how to verify and get out of trouble', () => {
    // helm renders NOTES.txt only on install: `helm template` renders it here through tpl, inside a ConfigMap.
    const dir = mkdtempSync(join(tmpdir(), 'sgbridge-chart-'));
    try {
      cpSync(CHART_DIR, join(dir, 'sgbridge'), { recursive: true });
      cpSync(join(dir, 'sgbridge/templates/NOTES.txt'), join(dir, 'sgbridge/notes/NOTES.txt'));
      writeFileSync(join(dir, 'sgbridge/templates/notes-copy.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes/NOTES.txt") . | toJson }}\n');
      const notes = (values: Record<string, unknown>) => {
        const r = helm(['template', RELEASE, join(dir, 'sgbridge'), '-n', NAMESPACE, '--show-only', 'templates/notes-copy.yaml', '-f', writeValues(values)]);
        expect(r.status, r.stderr).toBe(0);
        return (parse(r.stdout) as { data: { notes: string } }).data.notes;
      };
      const bare = notes({});
      expect(bare).toContain('config.vpcId is empty');
      expect(bare).toContain('no serviceAccount.roleArn');
      const ready = notes({ config: { vpcId: VPC }, serviceAccount: { roleArn: 'arn:aws:iam::123456789012:role/sgbridge' } });
      expect(ready).not.toContain('WARNING');
      expect(ready).toContain(`kubectl -n ${NAMESPACE} rollout status deployment/${FULLNAME}`);
      expect(ready).toContain(`kubectl get mutatingwebhookconfiguration ${FULLNAME}`);
      expect(ready).toContain(`--clusterrole=${FULLNAME}-tier-viewer`);
      expect(notes({ config: { vpcId: VPC, serviceName: 'sg-admission' } })).toContain('Secret sg-admission-tls');
      expect(ready).toContain('kubectl delete mutatingwebhookconfiguration,validatingwebhookconfiguration -l');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('can leave out the PDB, RBAC, viewer role and VAP, and skip the preStop pause', () => {
    const objs = renderChart({
      kubeVersion: '1.32.0',
      values: { podDisruptionBudget: { enabled: false }, rbac: { create: false }, tierViewer: { create: false }, validatingAdmissionPolicy: { enabled: false }, preStopSeconds: 0 },
    }) as Obj[];
    expect(objs.map((o) => o.kind).sort()).toEqual(['Deployment', 'MutatingWebhookConfiguration', 'Service', 'ServiceAccount', 'ValidatingWebhookConfiguration']);
    expect(container(objs).lifecycle).toBeUndefined();
  });
});
