// SPEC §2 rule 4, from the translation's side: every label key that any selector in sgbridge's
// rendered objects names is one the validating webhook refuses on a NetworkSet, GlobalNetworkSet or
// HostEndpoint from an untrusted writer, across many generated inventories and both metadata modes.
// A selector built with a new key that protection does not know fails here.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CalicoObject } from '../../../src/core/calico.js';
import { decideValidation, type ProtectionContext } from '../../../src/core/protection/index.js';
import { parseSelector, type SelectorNode } from '../../../src/core/selector/index.js';
import { factsFromInventory, translate } from '../../../src/core/translate/index.js';
import { isSelectedLabelKey } from '../../../src/core/translate/selectors.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { MANAGED_BY_LABEL, METADATA_ACCESS_LABEL } from '../../../src/core/vocabulary.js';
import { largeInventory } from '../../support/large-inventory.js';
import { calicoObject, exampleContext, exampleInventory, IDENTITIES, write } from './support.js';

function keysOf(node: SelectorNode, out: Set<string>): Set<string> {
  if ('label' in node) out.add(node.label);
  if ('operand' in node) keysOf(node.operand, out);
  if ('operands' in node) for (const o of node.operands) keysOf(o, out);
  return out;
}

interface Found {
  where: string;
  selector: string;
  /** A rule's selector (an IP set that takes in network sets and host endpoints), not the policy's own. */
  inRule: boolean;
}

const SELECTOR_FIELDS = ['selector', 'notSelector', 'namespaceSelector', 'serviceAccountSelector'];

/** Every selector string in a policy: its own, and those of every rule's source and destination. */
function selectorsOf(obj: CalicoObject): Found[] {
  const spec = obj.spec as Record<string, unknown>;
  const out: Found[] = [];
  for (const f of SELECTOR_FIELDS) if (typeof spec[f] === 'string') out.push({ where: `${obj.metadata.name} spec.${f}`, selector: spec[f], inRule: false });
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = (spec[dir] ?? []) as Record<string, Record<string, unknown> | undefined>[];
    rules.forEach((rule, i) => {
      for (const side of ['source', 'destination'] as const) {
        for (const f of SELECTOR_FIELDS) {
          const v = rule[side]?.[f];
          if (typeof v === 'string') out.push({ where: `${obj.metadata.name} ${dir}[${i}].${side}.${f}`, selector: v, inRule: true });
        }
      }
    });
  }
  return out;
}

const inventories = [
  { name: 'tutorial', make: () => exampleInventory() },
  ...[1, 2, 3, 4, 5, 6].map((seed) => ({ name: `generated seed ${seed}`, make: async () => largeInventory({ groups: 60, permissionsPerGroup: 12, enis: 400, nodes: 6, prefixLists: 4, seed }) })),
];

let ctx: ProtectionContext;
beforeAll(async () => {
  ctx = await exampleContext();
});

describe('label keys of the rendered selectors', () => {
  for (const inv of inventories) {
    it(`${inv.name}: every key any selector names is refused on network sets and host endpoints`, async () => {
      const inventory = await inv.make();
      const keys = new Set<string>();
      let selectors = 0;
      for (const metadataAccess of ['denied', 'allowed'] as const) {
        const { objects } = translate(inventory, factsFromInventory(inventory), { ...defaultSettings(), metadataAccess });
        for (const obj of objects.filter((o) => o.kind.endsWith('NetworkPolicy'))) {
          for (const found of selectorsOf(obj)) {
            selectors++;
            const named = keysOf(parseSelector(found.selector), new Set());
            for (const key of named) {
              expect(isSelectedLabelKey(key), `${found.where}: ${found.selector}`).toBe(true);
              keys.add(key);
            }
            // Issue 18 item 1: who reaches the metadata service is never a rule selector's decision.
            if (found.inRule) expect(named.has(METADATA_ACCESS_LABEL), found.where).toBe(false);
          }
        }
        // What sgbridge puts on its label carriers is protected as well (users' policies select on it).
        for (const carrier of objects.filter((o) => o.kind === 'HostEndpoint' || o.kind === 'GlobalNetworkSet')) {
          for (const key of Object.keys(carrier.metadata.labels ?? {})) if (key !== MANAGED_BY_LABEL) expect(isSelectedLabelKey(key), `${carrier.metadata.name}: ${key}`).toBe(true);
        }
      }
      expect(selectors).toBeGreaterThan(20);
      expect(keys.size).toBeGreaterThan(2);
      for (const key of keys) {
        const labels = { [key]: 'true' };
        const attempts = [
          write('projectcalico.org', 'NetworkSet', 'CREATE', calicoObject('projectcalico.org', 'NetworkSet', 'all', { nets: ['0.0.0.0/0'] }, labels, 'attacker'), IDENTITIES.namespaceUser),
          write('crd.projectcalico.org', 'GlobalNetworkSet', 'CREATE', calicoObject('crd.projectcalico.org', 'GlobalNetworkSet', 'all', { nets: ['0.0.0.0/0'] }, labels), IDENTITIES.clusterAdmin),
          write('crd.projectcalico.org', 'HostEndpoint', 'CREATE', calicoObject('crd.projectcalico.org', 'HostEndpoint', 'h', { node: 'n', expectedIPs: ['10.0.0.1'] }, labels), IDENTITIES.clusterAdmin),
        ];
        for (const a of attempts) expect(decideValidation(a, ctx).allowed, `${a.kind.kind} with ${key}`).toBe(false);
      }
    });
  }
});
