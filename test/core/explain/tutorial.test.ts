// The integration's tutorial as an end-to-end test of render + explain: the objects sgbridge
// renders for examples/inventory.yaml, plus the tutorial's manifests, evaluated as Calico would.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../../src/aws/inventory-file.js';
import type { Inventory } from '../../../src/core/inventory.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { assembleWorld, explain, explanationJson, renderExplanationText, type Explanation } from '../../../src/core/explain/index.js';
import { INSTANCE, INSTANCE_ENI, RDS_ENI } from '../../support/example-ids.js';

const FIXTURES = new URL('../../fixtures/tutorial/', import.meta.url);
const load = (...files: string[]): unknown[] => files.flatMap((f) => parseAllDocuments(readFileSync(new URL(f, FIXTURES), 'utf8')).map((d) => d.toJSON() as unknown));

const INSTANCE_IP = '10.0.1.23';
const POD = 'pod/integration-demo/pod-tester-685dddb8-dmf4w';

let inventory: Inventory;
beforeAll(async () => {
  inventory = await readInventoryFile(EXAMPLE_INVENTORY);
});

function run(manifests: unknown[], from: string, to: string, port: string, inv: Inventory = inventory): Explanation {
  const world = assembleWorld({ inventory: inv, settings: defaultSettings(), manifests });
  return explain(world, { from, to, port }, inv);
}

const decisive = (e: Explanation) => e.steps.filter((s) => s.direction === 'ingress').map((s) => [s.tier, s.policy, s.action]);

describe('tutorial checkpoints: ec2-instance → pod-tester on tcp/80', () => {
  it('with only the annotation, the instance reaches pod-tester (by ENI, instance id and IP)', () => {
    const manifests = load('namespace.yaml', 'pod-tester.yaml');
    for (const from of [INSTANCE_ENI, INSTANCE, INSTANCE_IP]) {
      const e = run(manifests, from, POD, '80/tcp');
      expect(e.verdict, from).toBe('allow');
      expect(decisive(e)).toEqual([
        ['sg-remote', 'sg-remote.sg-12345678901234', 'Pass'],
        ['sg-local', 'sg-local.sg-98765432109876', 'Pass'],
        [null, 'kns.integration-demo', 'Allow'],
      ]);
    }
  });

  it('only tcp/80 is open: tcp/443 stops at the end of sg-local', () => {
    const e = run(load('namespace.yaml', 'pod-tester.yaml'), INSTANCE_ENI, POD, '443/tcp');
    expect(e.verdict).toBe('deny');
    expect(e.steps.at(-1)).toMatchObject({ direction: 'ingress', tier: 'sg-local', policy: null, rule: null, action: 'Deny' });
  });

  it('after the default-deny NetworkPolicy it does not', () => {
    const e = run(load('namespace.yaml', 'pod-tester.yaml', 'default-deny.yaml'), INSTANCE_ENI, POD, '80/tcp');
    expect(e.verdict).toBe('deny');
    expect(e.steps.at(-1)).toMatchObject({ direction: 'ingress', tier: 'default', policy: null, rule: null, action: 'Deny' });
  });

  it('after allow-from-instance with match-security-groups it does again, through the companion policy', () => {
    const e = run(load('namespace.yaml', 'pod-tester.yaml', 'default-deny.yaml', 'allow-from-instance.yaml'), INSTANCE_ENI, POD, '80/tcp');
    expect(e.verdict).toBe('allow');
    const last = e.steps.at(-1)!;
    expect(last).toMatchObject({ direction: 'ingress', tier: 'default', action: 'Allow', rule: 0 });
    expect(last.policy).not.toMatch(/^knp\./); // Kubernetes' own conversion cannot select a host endpoint
    expect(last.policy).toContain('allow-from-instance');
  });

  it('allow-from-instance without the match-security-groups annotation does not let the instance in', () => {
    const np = load('allow-from-instance.yaml')[0] as { metadata: { annotations?: Record<string, string> } };
    delete np.metadata.annotations;
    const e = run([...load('namespace.yaml', 'pod-tester.yaml', 'default-deny.yaml'), np], INSTANCE_ENI, POD, '80/tcp');
    expect(e.verdict).toBe('deny');
  });

  it('without the annotation it never does', () => {
    for (const extra of [[], ['default-deny.yaml'], ['default-deny.yaml', 'allow-from-instance.yaml']]) {
      const e = run(load('namespace.yaml', 'pod-tester-unannotated.yaml', ...extra), INSTANCE_ENI, POD, '80/tcp');
      expect(e.verdict, extra.join('+') || 'no policies').toBe('deny');
      expect(e.steps.at(-1)).toMatchObject({ tier: 'sg-local', action: 'Deny' });
    }
  });

  it('JSON output is exactly verdict and five-field steps', () => {
    const e = run(load('namespace.yaml', 'pod-tester.yaml'), INSTANCE_ENI, POD, '80/tcp');
    const json = explanationJson(e);
    expect(Object.keys(json)).toEqual(['verdict', 'steps']);
    for (const s of json.steps) expect(Object.keys(s)).toEqual(['direction', 'tier', 'policy', 'rule', 'action']);
    expect(json.steps[0]).toEqual({ direction: 'egress', tier: null, policy: null, rule: null, action: 'Allow' });
    expect(renderExplanationText(e)).toMatch(/verdict: ALLOWED/);
  });
});

describe('more flows', () => {
  it('a pod in two groups takes the union: tcp/80 from the instance passes through pod-sg although db-sg does not allow it', () => {
    const e = run(load('namespace.yaml', 'two-groups.yaml'), INSTANCE_ENI, 'pod/integration-demo/two-groups', '80/tcp');
    expect(e.verdict).toBe('allow');
    expect(decisive(e)).toContainEqual(['sg-local', 'sg-local.sg-98765432109876', 'Pass']);

    const dbOnly = load('two-groups.yaml')[0] as { metadata: { annotations: Record<string, string> } };
    dbOnly.metadata.annotations['aws.tigera.io/security-groups'] = '["sg-0d8b7c6a5e4f30211"]';
    const denied = run([...load('namespace.yaml'), dbOnly], INSTANCE_ENI, 'pod/integration-demo/two-groups', '80/tcp');
    expect(denied.verdict).toBe('deny');
  });

  it('pods reach the metadata service only when labelled', () => {
    const manifests = load('namespace.yaml', 'metadata-pods.yaml');
    const denied = run(manifests, 'pod/integration-demo/no-metadata', '169.254.169.254', '80/tcp');
    expect(denied.verdict).toBe('deny');
    expect(denied.steps.at(-1)).toMatchObject({ direction: 'egress', tier: 'metadata', action: 'Deny' });
    const allowed = run(manifests, 'pod/integration-demo/with-metadata', '169.254.169.254', '80/tcp');
    expect(allowed.verdict).toBe('allow');
    // The metadata policy selects only the pods that may not reach the service: the tier does not apply to this one.
    expect(allowed.steps.filter((s) => s.tier === 'metadata')).toEqual([]);
    // Other destinations are not affected by the metadata tier.
    expect(run(manifests, 'pod/integration-demo/no-metadata', '8.8.8.8', '53/udp').verdict).toBe('allow');
  });

  it("a VPC member whose own outbound rules forbid the traffic is stopped in sg-remote, though the pod's group admits it", () => {
    // pod-sg admits tcp/80 from db-sg; db-sg (the RDS database) has no outbound rules. The trust
    // group here has no rules of its own either, so only db-sg speaks for the database.
    const inv: Inventory = structuredClone(inventory);
    const podSg = inv.securityGroups.find((g) => g.groupName === 'pod-sg')!;
    podSg.inbound.push({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, userIdGroupPairs: [{ groupId: 'sg-0d8b7c6a5e4f30211' }] });
    inv.securityGroups.find((g) => g.groupName === 'tigera-trust-host-enforcement')!.outbound = [];
    const manifests = load('namespace.yaml', 'pod-tester.yaml');

    const e = run(manifests, RDS_ENI, POD, '80/tcp', inv);
    expect(e.verdict).toBe('deny');
    expect(e.steps.at(-1)).toMatchObject({ direction: 'ingress', tier: 'sg-remote', policy: null, action: 'Deny' });

    inv.securityGroups.find((g) => g.groupName === 'db-sg')!.outbound = [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: '10.0.0.0/16' }] }];
    const opened = run(manifests, RDS_ENI, POD, '80/tcp', inv);
    expect(opened.verdict).toBe('allow');
    expect(decisive(opened)[0]).toEqual(['sg-remote', 'sg-remote.sg-0d8b7c6a5e4f30211', 'Pass']);
  });

  it('pod to the RDS database: egress evaluated at the pod, the database side is AWS', () => {
    const manifests = load('namespace.yaml', 'pod-tester.yaml');
    const e = run(manifests, POD, RDS_ENI, '5432/tcp');
    expect(e.verdict).toBe('allow');
    expect(e.steps.filter((s) => s.direction === 'egress').map((s) => [s.tier, s.policy, s.action])).toEqual([
      ['sg-remote', 'sg-remote.sg-0d8b7c6a5e4f30211', 'Pass'],
      ['sg-local', 'sg-local.sg-0a9b8c7d6e5f40312', 'Pass'], // the pod default group's outbound: first by name
      ['metadata', 'metadata.instance-metadata', 'Pass'],
      [null, 'kns.integration-demo', 'Allow'],
    ]);
    const other = run(manifests, POD, RDS_ENI, '3306/tcp');
    expect(other.verdict).toBe('deny');
    expect(other.steps.at(-1)).toMatchObject({ direction: 'egress', tier: 'sg-remote', action: 'Deny' });
  });

  it('bad references fail with the expected forms', () => {
    const manifests = load('namespace.yaml', 'pod-tester.yaml');
    expect(() => run(manifests, 'pod/integration-demo/nope', POD, '80/tcp')).toThrow(/no such pod.*known pods: pod\/integration-demo\/pod-tester/);
    expect(() => run(manifests, 'web', POD, '80/tcp')).toThrow(/expected pod\/NAMESPACE\/NAME/);
    expect(() => run(manifests, INSTANCE_ENI, POD, '80/tpc')).toThrow(/unknown protocol "tpc"/);
    expect(() => run(manifests, INSTANCE_ENI, POD, 'tcp')).toThrow(/needs a port/);
  });

  it('a pod the webhook would refuse is left out, and the reason is given', () => {
    const pod = load('pod-tester.yaml')[0] as { metadata: { annotations: Record<string, string> } };
    pod.metadata.annotations['aws.tigera.io/security-groups'] = '["sg-zzz"]';
    expect(() => run([...load('namespace.yaml'), pod], INSTANCE_ENI, POD, '80/tcp')).toThrow(/no such pod[\s\S]*membership webhook would deny this pod \(annotation aws.tigera.io\/security-groups/);
  });

  it('finds a pod by labels', () => {
    const e = run(load('namespace.yaml', 'pod-tester.yaml'), INSTANCE_ENI, 'pod/integration-demo/app=pod-tester', '80/tcp');
    expect(e.to.display).toBe(POD);
    expect(e.verdict).toBe('allow');
  });
});
