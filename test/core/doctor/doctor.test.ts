// doctor against the example VPC with one fault planted at a time: each is reported with its fix.
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../../src/aws/inventory-file.js';
import { runDoctor, type ClusterFacts, type DoctorCheck, type DoctorInputs, renderDoctorText } from '../../../src/core/doctor/index.js';
import type { Inventory } from '../../../src/core/inventory.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { translate } from '../../../src/core/translate/index.js';
import { SECURITY_GROUP_POLICY_WEBHOOKS, WEBHOOK_NAMES } from '../../../src/core/webhooks.js';
import { createCa, issueServingCertificate, type KeyPairPem } from '../../../src/tls/ca.js';
import { ENFORCED, INSTANCE_ENI, NODE_ENI, RDS_ENI, TRUST } from '../../support/example-ids.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const DAY = 86_400_000;

let example: Inventory;
let ca: KeyPairPem;
let serving: KeyPairPem;
beforeAll(async () => {
  example = await readInventoryFile(EXAMPLE_INVENTORY);
  ca = createCa({ now: new Date(NOW.getTime() - DAY) });
  serving = issueServingCertificate(ca, { dns: ['sgbridge.sgbridge-system.svc'], ips: [], now: new Date(NOW.getTime() - DAY) });
});

const settings = defaultSettings();
// The SecurityGroupPolicy webhook is expected only with securityGroupPolicies on (off by default).
const names = Object.values(WEBHOOK_NAMES).filter((n) => !SECURITY_GROUP_POLICY_WEBHOOKS.includes(n));
function doctor(inventory: Inventory, cluster?: ClusterFacts): DoctorCheck[] {
  const inputs: DoctorInputs = { inventory, settings, nodes: inventory.nodes ?? [], webhookNames: names, leaseName: 'sgbridge-syncer', now: NOW, ...(cluster ? { cluster } : {}) };
  return runDoctor(inputs);
}
const failures = (checks: DoctorCheck[]) => checks.filter((c) => !c.ok);
const edit = (f: (inv: Inventory) => void): Inventory => {
  const inv = structuredClone(example);
  f(inv);
  return inv;
};
const eni = (inv: Inventory, id: string) => inv.networkInterfaces.find((e) => e.networkInterfaceId === id)!;

function healthyCluster(inv: Inventory = example): ClusterFacts {
  const objects = translate(inv, { nodes: inv.nodes ?? [] }, settings).objects;
  const bundle = Buffer.from(ca.cert).toString('base64');
  return {
    objects: structuredClone(objects),
    webhooks: [
      { configuration: 'sgbridge', kind: 'MutatingWebhookConfiguration', name: WEBHOOK_NAMES.mutatePods, caBundle: bundle },
      ...[WEBHOOK_NAMES.validateCalico, WEBHOOK_NAMES.validateNetworkPolicies, WEBHOOK_NAMES.validatePods, WEBHOOK_NAMES.validatePodStatus, WEBHOOK_NAMES.validatePodBinding, WEBHOOK_NAMES.validateNamespaces].map((name) => ({ configuration: 'sgbridge', kind: 'ValidatingWebhookConfiguration' as const, name, caBundle: bundle })),
    ],
    certificate: { servingPem: serving.cert, caPem: ca.cert, source: 'Secret sgbridge-system/sgbridge-tls' },
    lease: { holder: 'sgbridge-7d9f-abcde', renewTime: new Date(NOW.getTime() - 3000).toISOString(), leaseDurationSeconds: 15, annotations: { 'sgbridge.io/last-successful-sync': new Date(NOW.getTime() - 8000).toISOString() } },
  };
}

describe('doctor without a cluster', () => {
  it('the example VPC passes every check and says the cluster checks were skipped', () => {
    const checks = doctor(example);
    expect(failures(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['internal group tigera-trust-host-enforcement', 'trust group on VPC members', 'enforced group on cluster nodes', 'host endpoint for every VPC member', 'policy for every security group', 'cluster checks']));
    expect(checks.find((c) => c.name === 'cluster checks')!.detail).toMatch(/skipped: no cluster reachable/);
    expect(renderDoctorText(checks)).toMatch(/all \d+ checks passed/);
  });

  it('an EC2 instance lacking the trust group: named, with the AWS command that adds it', () => {
    const checks = failures(doctor(edit((inv) => (eni(inv, INSTANCE_ENI).groups = ['sg-12345678901234']))));
    expect(checks).toEqual([
      {
        name: `trust group on VPC members: ${INSTANCE_ENI}`,
        ok: false,
        detail: expect.stringContaining(`ENI ${INSTANCE_ENI} of i-0a0b0c0d0e0f01234 lacks tigera-trust-host-enforcement`),
        fix: `add it in AWS: aws ec2 modify-network-interface-attribute --network-interface-id ${INSTANCE_ENI} --groups sg-12345678901234 ${TRUST}`,
      },
    ]);
    expect(renderDoctorText(doctor(edit((inv) => (eni(inv, INSTANCE_ENI).groups = ['sg-12345678901234']))))).toMatch(/FAIL {2}trust group on VPC members: eni-0123456789abcdef0: .*\n {6}fix: add it in AWS/);
  });

  it('an RDS database lacking the trust group: fixed through RDS', () => {
    const checks = failures(doctor(edit((inv) => (eni(inv, RDS_ENI).groups = ['sg-0d8b7c6a5e4f30211']))));
    expect(checks).toHaveLength(1);
    expect(checks[0]!.name).toBe(`trust group on VPC members: ${RDS_ENI}`);
    expect(checks[0]!.fix).toContain(`aws rds modify-db-instance --db-instance-identifier <db> --vpc-security-group-ids sg-0d8b7c6a5e4f30211 ${TRUST}`);
  });

  it('a node ENI lacking the enforced group', () => {
    const checks = failures(doctor(edit((inv) => (eni(inv, NODE_ENI).groups = ['sg-0c1d2e3f405162738']))));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: `enforced group on cluster nodes: ${NODE_ENI}` });
    expect(checks[0]!.detail).toContain('node ip-10-0-1-10.ec2.internal');
    expect(checks[0]!.fix).toContain(`--groups sg-0c1d2e3f405162738 ${ENFORCED}`);
  });

  it('a node whose instance has no ENI in the inventory', () => {
    const checks = failures(doctor(edit((inv) => inv.nodes!.push({ name: 'ip-10-0-9-9.ec2.internal', instanceId: 'i-0999999999999999a', addresses: ['10.0.9.9'] }))));
    expect(checks.map((c) => c.name)).toEqual(['enforced group on cluster nodes: ip-10-0-9-9.ec2.internal']);
    expect(checks[0]!.fix).toMatch(/providerID/);
  });

  it('the trust group missing from the VPC', () => {
    const checks = failures(doctor(edit((inv) => (inv.securityGroups.find((g) => g.groupId === TRUST)!.groupName = 'renamed'))));
    expect(checks.map((c) => c.name)).toEqual(['internal group tigera-trust-host-enforcement', 'trust group on VPC members']);
    expect(checks[0]!.fix).toMatch(/create the security group tigera-trust-host-enforcement in vpc-0a1b2c3d4e5f60718.*--trust-group-id/);
  });

  it('the enforced and pod default groups missing', () => {
    const checks = failures(
      doctor(
        edit((inv) => {
          inv.securityGroups.find((g) => g.groupId === ENFORCED)!.groupName = 'x';
          inv.securityGroups.find((g) => g.groupName.includes('TigeraPodDefault'))!.groupName = 'y';
        }),
      ),
    );
    expect(checks.map((c) => c.name)).toEqual(['internal group tigera-has-host-enforcement', 'internal group tigera-cluster-sgbridge-TigeraPodDefault-<suffix>', 'enforced group on cluster nodes']);
    expect(checks[1]!.fix).toContain('--pod-default-group-id');
  });

  it('a rule naming a group of another VPC: reported as dropped traffic', () => {
    const checks = failures(doctor(edit((inv) => inv.securityGroups.find((g) => g.groupName === 'pod-sg')!.inbound.push({ ipProtocol: 'tcp', fromPort: 443, toPort: 443, userIdGroupPairs: [{ groupId: 'sg-0aaaaaaaaaaaaaaaa', vpcId: 'vpc-0ffffffffffffffff' }] }))));
    expect(checks).toHaveLength(1);
    expect(checks[0]!.name).toMatch(/^AWS rules sgbridge can map: sg-98765432109876 inbound sg-0aaaaaaaaaaaaaaaa/);
    expect(checks[0]!.fix).toMatch(/refer to a group in the cluster's VPC/);
  });
});

describe('doctor with a cluster', () => {
  it('a healthy cluster passes', () => {
    const checks = doctor(example, healthyCluster());
    expect(failures(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['webhooks registered', 'webhook caBundle matches the serving certificate', 'serving certificate expiry', 'CA certificate expiry', 'sync leader (Lease)', 'last successful sync']));
    expect(checks.find((c) => c.name === 'sync leader (Lease)')!.detail).toContain('held by sgbridge-7d9f-abcde');
  });

  const planted: [string, (c: ClusterFacts) => void, string, RegExp][] = [
    ['a missing host endpoint', (c) => (c.objects = (c.objects as { kind: string; metadata: { name: string } }[]).filter((o) => o.metadata.name !== `vpc.${INSTANCE_ENI}`) as ClusterFacts['objects']), `host endpoint for every VPC member: ${INSTANCE_ENI}`, /sgbridge sync --once/],
    [
      'a stale host endpoint',
      (c) => {
        const hep = (c.objects as { kind: string; metadata: { name: string; labels?: Record<string, string> } }[]).find((o) => o.metadata.name === `vpc.${RDS_ENI}`)!;
        delete hep.metadata.labels!['sg.aws.tigera.io/sg-0d8b7c6a5e4f30211'];
      },
      `host endpoint for every VPC member: ${RDS_ENI}`,
      /sgbridge sync --once/,
    ],
    ['a missing sg-local policy', (c) => (c.objects = (c.objects as { metadata: { name: string } }[]).filter((o) => o.metadata.name !== 'sg-local.sg-98765432109876') as ClusterFacts['objects']), 'policy for every security group: sg-local.sg-98765432109876', /sgbridge sync --once/],
    ['a missing tier', (c) => (c.objects = (c.objects as { kind: string; metadata: { name: string } }[]).filter((o) => !(o.kind === 'Tier' && o.metadata.name === 'metadata')) as ClusterFacts['objects']), 'policy for every security group: metadata', /sync/],
    ['an unregistered validating webhook', (c) => (c.webhooks = (c.webhooks as { name: string }[]).filter((w) => w.name !== WEBHOOK_NAMES.validateCalico) as ClusterFacts['webhooks']), 'webhooks registered', /helm upgrade --install|webhook-config --url/],
    [
      'a caBundle of another CA',
      (c) => ((c.webhooks as { name: string; caBundle?: string }[])[0]!.caBundle = Buffer.from(createCa().cert).toString('base64')),
      'webhook caBundle matches the serving certificate',
      /--ca-file/,
    ],
    ['a webhook without caBundle', (c) => delete (c.webhooks as { caBundle?: string }[])[1]!.caBundle, 'webhook caBundle matches the serving certificate', /injects the CA bundle/],
    [
      'a serving certificate about to expire',
      (c) => ((c.certificate as { servingPem?: string }).servingPem = issueServingCertificate(ca, { dns: ['x.svc'], ips: [], validityMs: 5 * DAY, now: NOW }).cert),
      'serving certificate expiry',
      /renewal error/,
    ],
    [
      'an expired serving certificate',
      (c) => ((c.certificate as { servingPem?: string }).servingPem = issueServingCertificate(ca, { dns: ['x.svc'], ips: [], validityMs: DAY / 2, now: new Date(NOW.getTime() - DAY) }).cert),
      'serving certificate expiry',
      /renews the certificate now/,
    ],
    ['no Lease', (c) => (c.lease = undefined), 'sync leader (Lease)', /get pods/],
    ['a Lease not renewed', (c) => ((c.lease as { renewTime?: string }).renewTime = new Date(NOW.getTime() - 60_000).toISOString()), 'sync leader (Lease)', /takes over/],
    ['a stale last sync', (c) => ((c.lease as { annotations: Record<string, string> }).annotations['sgbridge.io/last-successful-sync'] = new Date(NOW.getTime() - 3600_000).toISOString()), 'last successful sync', /logs/],
    ['no last sync annotation', (c) => ((c.lease as { annotations: Record<string, string> }).annotations = {}), 'last successful sync', /logs/],
    ['webhook configurations that cannot be read', (c) => (c.webhooks = '403 Forbidden'), 'webhooks registered', /grant get/],
  ];
  it.each(planted)('%s is reported with its fix', (_what, plant, name, fix) => {
    const cluster = healthyCluster();
    plant(cluster);
    const failed = failures(doctor(example, cluster));
    expect(failed.length).toBeGreaterThan(0);
    const check = failed.find((c) => c.name === name);
    expect(check, JSON.stringify(failed.map((c) => c.name))).toBeDefined();
    expect(check!.fix).toMatch(fix);
  });
});

describe('doctor: pod membership labels (the one membership policy)', () => {
  const ANNOTATED = { [`sg.aws.tigera.io/sg-98765432109876`]: '' };
  it('passes when every pod carries what its annotation calls for', () => {
    const checks = doctor(example, { ...healthyCluster(), pods: { pods: [], namespaces: {} } });
    expect(checks.find((c) => c.name === 'pod membership labels')).toMatchObject({ ok: true, detail: 'all 0 pods carry the membership labels their annotation calls for' });
  });

  it('reports a pod whose labels differ from its derived membership, with the kubectl fix', () => {
    // annotated for sg-98765432109876, but labelled for a node group too and missing the pod default group
    const pods = [{ namespace: 'integration-demo', name: 'web', annotations: { 'aws.tigera.io/security-groups': '["sg-98765432109876"]' }, labels: { ...ANNOTATED, 'sg.aws.tigera.io/sg-12345678901234': '' } }];
    const failed = failures(doctor(example, { ...healthyCluster(), pods: { pods, namespaces: { 'integration-demo': {} } } }));
    const check = failed.find((c) => c.name === 'pod membership labels: integration-demo/web');
    expect(check, JSON.stringify(failed)).toBeDefined();
    expect(check!.detail).toMatch(/labelled for \[sg-12345678901234, sg-98765432109876\] but its membership is \[sg-0a9b8c7d6e5f40312, sg-98765432109876\]/);
    expect(check!.fix).toBe('kubectl -n integration-demo label pod web --overwrite sg.aws.tigera.io/sg-0a9b8c7d6e5f40312= sg.aws.tigera.io/sg-12345678901234- (the sgbridge leader also repairs it within seconds: if it stays wrong, read its logs)');
  });

  it('says so when pods cannot be listed', () => {
    const failed = failures(doctor(example, { ...healthyCluster(), pods: '403 Forbidden' }));
    expect(failed.find((c) => c.name === 'pod membership labels')?.fix).toMatch(/list pods and namespaces/);
  });
});
