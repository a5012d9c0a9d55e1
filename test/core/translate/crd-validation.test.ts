// Everything sgbridge renders must be accepted by the real Calico CRD schemas of every release it
// supports (test/fixtures/calico-crds): crd.projectcalico.org/v1 on v3.29.0, v3.31.7 and v3.32.1, and
// projectcalico.org/v3 on v3.32.1.
import { describe, expect, it } from 'vitest';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../../src/aws/inventory-file.js';
import type { CalicoObject } from '../../../src/core/calico.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { companionFor } from '../../../src/core/translate/companions.js';
import { factsFromInventory, toApi, translate } from '../../../src/core/translate/index.js';
import { CALICO_RELEASES, loadCrdSchemas, type CalicoRelease } from '../../support/crd-schemas.js';
import { largeInventory } from '../../support/large-inventory.js';

const crds = loadCrdSchemas();

function problems(objects: CalicoObject[], release: CalicoRelease): string[] {
  const out: string[] = [];
  for (const o of objects) for (const p of crds.validate(o, release)) out.push(`${o.kind}/${o.metadata.name}: ${p}`);
  return out;
}

const companion = companionFor({
  metadata: { name: 'allow-from-instance', namespace: 'integration-demo', uid: 'ae6f0117-95eb-480d-bac7-4f7099e7317d', annotations: { 'rules.networkpolicy.tigera.io/match-security-groups': 'true' } },
  spec: { podSelector: { matchLabels: { app: 'pod-tester' } }, ingress: [{ from: [{ podSelector: { matchLabels: { 'sg.aws.tigera.io/sg-12345678901234': '' } } }], ports: [{ protocol: 'TCP', port: 80 }] }] },
})!;

describe('rendered objects against the real CRD schemas', async () => {
  const inv = await readInventoryFile(EXAMPLE_INVENTORY);
  const example = [...translate(inv, factsFromInventory(inv), defaultSettings()).objects, companion];
  const allowed = translate(inv, factsFromInventory(inv), { ...defaultSettings(), metadataAccess: 'allowed' }).objects;
  // Large enough to split policies (rule limit) and rules (nets limit) and to hold every mapping row.
  const big = largeInventory({ groups: 300, permissionsPerGroup: 20, enis: 3000, nodes: 20 });
  big.securityGroups[0]!.inbound.push({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, ipRanges: Array.from({ length: 600 }, (_, i) => ({ cidrIp: `10.9.${i >> 8}.${i & 255}/32` })) });
  big.securityGroups[1]!.inbound.push(...Array.from({ length: 1500 }, (_, i) => ({ ipProtocol: 'tcp', fromPort: i + 1, toPort: i + 1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] })));
  const large = translate(big, factsFromInventory(big), defaultSettings()).objects;

  it('the large inventory really exercises splitting', () => {
    expect(large.some((o) => o.metadata.name.endsWith('-2'))).toBe(true);
    expect(large.length).toBeGreaterThan(3000);
  });

  for (const release of CALICO_RELEASES) {
    it(`the tutorial VPC (and a companion policy) validates as crd.projectcalico.org/v1 on Calico ${release}`, () => {
      expect(problems([...example, ...allowed], release)).toEqual([]);
    });
    it(`a generated large VPC validates as crd.projectcalico.org/v1 on Calico ${release}`, () => {
      expect(problems(large, release)).toEqual([]);
    });
  }

  it('the tutorial VPC and the large VPC validate as projectcalico.org/v3 on Calico v3.32.1', () => {
    expect(problems(toApi([...example, ...large], 'v3'), 'v3.32.1')).toEqual([]);
  });

  it('the checker rejects deliberately broken objects', () => {
    const policy = example.find((o) => o.metadata.name === 'sg-local.sg-98765432109876')!;
    const broken = (patch: (o: CalicoObject) => void) => {
      const copy = structuredClone(policy);
      patch(copy);
      return crds.validate(copy, 'v3.32.1');
    };
    expect(broken((o) => (o.spec.types = ['Sideways']))).not.toEqual([]);
    expect(broken((o) => ((o.spec.ingress as { action: string }[])[0]!.action = 'Maybe'))).not.toEqual([]);
    expect(broken((o) => ((o.spec.ingress as unknown[])[0] = { action: 'Pass', icmp: { code: 1 } }))).not.toEqual([]);
    expect(broken((o) => ((o.spec.egress as unknown[])[0] = { action: 'Pass', destination: { nets: ['10.0.0.0/8', '10.0.0.0/8'] } }))).not.toEqual([]);
    expect(broken((o) => (o.metadata.name = 'Not_A_Name'))).not.toEqual([]);
    expect(crds.validate({ ...example[0]!, spec: { order: 'first', defaultAction: 'Allow' } }, 'v3.29.0')).toHaveLength(2);
    expect(crds.validate({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'x' } }, 'v3.29.0')).toEqual(['no CRD for Tier projectcalico.org/v3 in Calico v3.29.0']);
  });
});
