// The integration's tutorial VPC (examples/inventory.yaml), rendered and compared with golden files
// a reviewer can read: test/core/translate/golden/*.yaml. Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npx vitest run test/core/translate/tutorial.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../../src/aws/inventory-file.js';
import { formatObjects } from '../../../src/cli/render.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { factsFromInventory, translate, type Translation } from '../../../src/core/translate/index.js';
import { object, rules } from './helpers.js';
import { DB_SG, INSTANCE_SG, POD_SG } from '../../support/example-ids.js';

const golden = (name: string) => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));

async function tutorial(settings = defaultSettings()): Promise<Translation> {
  const inv = await readInventoryFile(EXAMPLE_INVENTORY);
  return translate(inv, factsFromInventory(inv), settings);
}

const HEADER = '# Golden file: the tutorial VPC (examples/inventory.yaml) as sgbridge renders it.\n# Written by test/core/translate/tutorial.test.ts; regenerate with UPDATE_GOLDEN=1 after an intended change.\n';

function checkGolden(name: string, body: string): void {
  const text = HEADER + body;
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden(name), text);
  expect(text).toBe(readFileSync(golden(name), 'utf8'));
}

describe('tutorial VPC', () => {
  it('matches the golden rendering (crd.projectcalico.org/v1)', async () => {
    checkGolden('tutorial.yaml', formatObjects((await tutorial()).objects, 'yaml'));
  });

  it('matches the golden rendering with metadata access "allowed"', async () => {
    const t = await tutorial({ ...defaultSettings(), metadataAccess: 'allowed' });
    checkGolden('tutorial-metadata-allowed.yaml', formatObjects([object(t, 'GlobalNetworkPolicy', 'metadata.instance-metadata')], 'yaml'));
  });

  it('instance-sg may reach pod-sg on tcp/80: sg-local passes it into the pod', async () => {
    const policy = object(await tutorial(), 'GlobalNetworkPolicy', `sg-local.${POD_SG}`);
    expect(policy.spec.selector).toBe(`has(sg.aws.tigera.io/${POD_SG})`);
    expect(rules(policy, 'ingress')).toEqual([
      {
        action: 'Pass',
        protocol: 'TCP',
        source: { selector: `has(sg.aws.tigera.io/${INSTANCE_SG})` },
        destination: { ports: [80] },
        metadata: { annotations: { 'sgbridge.io/aws-rule': `inbound tcp/80 from ${INSTANCE_SG} (instance-sg may reach pod-sg on tcp/80)` } },
      },
    ]);
  });

  it("instance-sg may reach pod-sg on tcp/80: sg-remote passes it because instance-sg's outbound rules allow it", async () => {
    const policy = object(await tutorial(), 'GlobalNetworkPolicy', `sg-remote.${INSTANCE_SG}`);
    expect(rules(policy, 'ingress').map(({ metadata: _m, ...r }) => r)).toEqual([
      { action: 'Pass', source: { selector: `has(sg.aws.tigera.io/${INSTANCE_SG}) && has(aws.tigera.io/vpc-member)` }, destination: { nets: ['0.0.0.0/0'] } },
      { action: 'Pass', source: { selector: `has(sg.aws.tigera.io/${INSTANCE_SG}) && has(aws.tigera.io/vpc-member)` }, destination: { nets: ['::/0'] } },
    ]);
  });

  it("pods reach the database only as db-sg's inbound rules say (sg-remote egress)", async () => {
    const policy = object(await tutorial(), 'GlobalNetworkPolicy', `sg-remote.${DB_SG}`);
    expect(rules(policy, 'ingress')).toEqual([]);
    expect(rules(policy, 'egress').map(({ metadata: _m, ...r }) => r)).toEqual([
      { action: 'Pass', protocol: 'TCP', source: { selector: `has(sg.aws.tigera.io/${POD_SG})` }, destination: { selector: `has(sg.aws.tigera.io/${DB_SG}) && has(aws.tigera.io/vpc-member)`, ports: [5432] } },
    ]);
  });

  it('has the three tiers, Deny by default, and only Pass rules in them', async () => {
    const t = await tutorial();
    expect(t.objects.filter((o) => o.kind === 'Tier').map((o) => [o.metadata.name, o.spec])).toEqual([
      ['sg-remote', { order: 105, defaultAction: 'Deny' }],
      ['sg-local', { order: 106, defaultAction: 'Deny' }],
      ['metadata', { order: 107, defaultAction: 'Deny' }],
    ]);
    for (const o of t.objects.filter((x) => x.kind === 'GlobalNetworkPolicy')) {
      const tier = o.spec.tier as string;
      expect(o.metadata.name.startsWith(`${tier}.`)).toBe(true);
      expect(o.metadata.labels?.['projectcalico.org/tier']).toBe(tier);
      expect(o.spec.types).toBeDefined();
      for (const r of [...rules(o, 'ingress'), ...rules(o, 'egress')]) expect(r.action).toBe('Pass');
    }
    for (const o of t.objects) expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('sgbridge');
  });

  it('gives host endpoints to the EC2 instance and the database only (not to nodes or VPC CNI ENIs)', async () => {
    const t = await tutorial();
    const heps = t.objects.filter((o) => o.kind === 'HostEndpoint');
    expect(heps.map((h) => h.metadata.name)).toEqual(['vpc.eni-0123456789abcdef0', 'vpc.eni-0b1c2d3e4f5061728']);
    expect(heps[0]!.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'sgbridge',
      'aws.tigera.io/vpc-member': '',
      'aws.tigera.io/eni-id': 'eni-0123456789abcdef0',
      'aws.tigera.io/instance-id': 'i-0a0b0c0d0e0f01234',
      'aws.tigera.io/endpoint-kind': 'ec2',
      'sg.aws.tigera.io/sg-0f1e2d3c4b5a69788': '',
      [`sg.aws.tigera.io/${INSTANCE_SG}`]: '',
    });
    expect(heps[0]!.spec).toEqual({ node: 'aws-vpc-member', expectedIPs: ['10.0.1.23'] });
    expect(heps[1]!.metadata.labels?.['aws.tigera.io/endpoint-kind']).toBe('rds');
  });

  it("gives each node a label carrier with its IPs and its groups, without the vpc-member label", async () => {
    const t = await tutorial();
    const gns = object(t, 'GlobalNetworkSet', 'node.ip-10-0-1-10.ec2.internal');
    expect(gns.spec).toEqual({ nets: ['10.0.1.10/32'] });
    expect(gns.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'sgbridge',
      'sg.aws.tigera.io/sg-0c1d2e3f405162738': '',
      'sg.aws.tigera.io/sg-0e2d3c4b5a6978899': '',
    });
  });

  it('never lets the trust or enforced group speak for a VPC member in sg-remote', async () => {
    // Every member carries tigera-trust-host-enforcement, whose allow-all outbound only opens AWS
    // for Calico to enforce; were it a sg-remote policy, no member's own rules would ever restrict.
    const { objects } = await tutorial();
    const remote = objects.filter((o) => o.metadata.name.startsWith('sg-remote.')).map((o) => o.metadata.name);
    expect(remote).toEqual(['sg-remote.sg-0d8b7c6a5e4f30211', 'sg-remote.sg-12345678901234', 'sg-remote.not-vpc-member']);
  });

  it('summarizes what it rendered', async () => {
    const { summary, skipped } = await tutorial();
    expect(skipped).toEqual([]);
    expect(summary).toMatchObject({ groups: 7, tiers: 3, hostEndpoints: 2, networkSets: 2, skipped: 0 });
    expect(summary.policies).toBe(2 /* sg-remote: db, instance (never the trust group) */ + 1 /* not-vpc-member */ + 7 /* sg-local */ + 1 /* metadata */);
  });
});
