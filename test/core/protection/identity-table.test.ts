// Identity × kind × API group × operation, with the verdict each cell must get. Every object
// below is one the rules protect, so the verdict depends on who asks alone.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../../src/core/admission-types.js';
import { decideValidation, type ProtectionContext } from '../../../src/core/protection/index.js';
import { calicoObject, exampleContext, IDENTITIES, membership, POD_SG, request, TRUST, type IdentityName } from './support.js';

const CALICO = ['projectcalico.org', 'crd.projectcalico.org'] as const;
const OPS: Operation[] = ['CREATE', 'UPDATE', 'DELETE'];

/** `operator`: the Calico operator is trusted for this object (allow-listed tiers and their policies). */
type Case = { kind: string; groups: readonly string[]; object: (group: string) => unknown; old?: (group: string) => unknown; note: string; operator?: true };

const trustSelector = `has(${membership(TRUST)})`;
const CASES: Case[] = [
  { kind: 'Tier', groups: CALICO, note: 'rule 1', object: (g) => calicoObject(g, 'Tier', 'sg-local', { order: 106, defaultAction: 'Deny' }) },
  // UPDATE moves it from 200 to 50; DELETE removes a tier at 200.
  { kind: 'Tier', groups: CALICO, note: 'rule 3', object: (g) => calicoObject(g, 'Tier', 'early', { order: 50 }), old: (g) => calicoObject(g, 'Tier', 'early', { order: 200 }) },
  { kind: 'Tier', groups: CALICO, note: 'rule 3, allow-listed', operator: true, object: (g) => calicoObject(g, 'Tier', 'calico-system', { order: 100 }) },
  { kind: 'GlobalNetworkPolicy', groups: CALICO, note: 'rule 3, early policy', operator: true, object: (g) => calicoObject(g, 'GlobalNetworkPolicy', 'calico-system.allow-all', { tier: 'calico-system', selector: 'all()' }) },
  { kind: 'NetworkPolicy', groups: CALICO, note: 'rule 3, early policy', operator: true, object: (g) => calicoObject(g, 'NetworkPolicy', 'allow-tigera.x', { tier: 'allow-tigera' }, undefined, 'team-a') },
  { kind: 'GlobalNetworkPolicy', groups: CALICO, note: 'rule 2', object: (g) => calicoObject(g, 'GlobalNetworkPolicy', `sg-local.${POD_SG}`, { tier: 'sg-local', selector: `has(${membership(POD_SG)})` }, { 'projectcalico.org/tier': 'sg-local' }) },
  { kind: 'NetworkPolicy', groups: CALICO, note: 'rule 2', object: (g) => calicoObject(g, 'NetworkPolicy', 'sg-remote.x', { tier: 'sg-remote' }, undefined, 'team-a') },
  { kind: 'StagedGlobalNetworkPolicy', groups: CALICO, note: 'rule 2', object: (g) => calicoObject(g, 'StagedGlobalNetworkPolicy', 'metadata.allow', { tier: 'metadata' }) },
  { kind: 'StagedNetworkPolicy', groups: CALICO, note: 'rule 2', object: (g) => calicoObject(g, 'StagedNetworkPolicy', 'x', { tier: 'sg-local' }, undefined, 'team-a') },
  { kind: 'StagedKubernetesNetworkPolicy', groups: CALICO, note: 'rule 5', object: (g) => calicoObject(g, 'StagedKubernetesNetworkPolicy', 'x', { podSelector: { matchLabels: { [membership(TRUST)]: '' } } }, undefined, 'team-a') },
  { kind: 'GlobalNetworkPolicy', groups: CALICO, note: 'rule 5', object: (g) => calicoObject(g, 'GlobalNetworkPolicy', 'default.x', { tier: 'default', selector: trustSelector }) },
  { kind: 'HostEndpoint', groups: CALICO, note: 'rule 4', object: (g) => calicoObject(g, 'HostEndpoint', 'eni-1', { expectedIPs: ['10.0.1.23'] }, { [membership(POD_SG)]: '' }) },
  { kind: 'GlobalNetworkSet', groups: CALICO, note: 'rule 4', object: (g) => calicoObject(g, 'GlobalNetworkSet', 'node.a', { nets: ['10.0.1.10/32'] }, { 'app.kubernetes.io/managed-by': 'sgbridge' }) },
  { kind: 'NetworkSet', groups: CALICO, note: 'rule 4', object: (g) => calicoObject(g, 'NetworkSet', 'ns', { nets: ['10.0.0.0/8'] }, { [membership(POD_SG)]: '' }, 'team-a') },
  { kind: 'NetworkPolicy', groups: ['networking.k8s.io'], note: 'rule 5', object: () => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'team-a' }, spec: { podSelector: { matchLabels: { [membership(TRUST)]: '' } } } }) },
  { kind: 'Pod', groups: [''], note: 'rule 6', object: () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team-a', labels: { [membership(POD_SG)]: '' } }, spec: {} }) },
];

type V = 'allow' | 'deny';
const A: V = 'allow';
const D: V = 'deny';

/**
 * The expected verdicts for CREATE, UPDATE, DELETE of a protected object, per identity and
 * API group (SPEC §2 "Trusted"). "core" is pods and networking.k8s.io.
 */
const EXPECTED: Record<IdentityName, Record<'projectcalico.org' | 'crd.projectcalico.org' | 'core', [V, V, V]>> = {
  syncer: { 'projectcalico.org': [A, A, A], 'crd.projectcalico.org': [A, A, A], core: [A, A, A] },
  calicoApiserver: { 'projectcalico.org': [D, D, D], 'crd.projectcalico.org': [A, A, A], core: [D, D, D] },
  clusterAdmin: { 'projectcalico.org': [D, D, D], 'crd.projectcalico.org': [D, D, D], core: [D, D, D] },
  namespaceUser: { 'projectcalico.org': [D, D, D], 'crd.projectcalico.org': [D, D, D], core: [D, D, D] },
  garbageCollector: { 'projectcalico.org': [D, D, A], 'crd.projectcalico.org': [D, D, A], core: [D, D, A] },
  breakGlass: { 'projectcalico.org': [A, A, A], 'crd.projectcalico.org': [A, A, A], core: [A, A, A] },
  // Trusted for the cases marked `operator` only (below).
  calicoOperator: { 'projectcalico.org': [D, D, D], 'crd.projectcalico.org': [D, D, D], core: [D, D, D] },
};

/** Rules 3, 5 and 6 restrict what is written or stored: deleting is never refused by them. */
const ONLY_WRITES = new Set(['rule 3', 'rule 5', 'rule 6']);

describe('who may write protected objects', () => {
  let ctx: ProtectionContext;
  beforeAll(async () => {
    ctx = await exampleContext();
  });

  for (const c of CASES) {
    for (const group of c.groups) {
      for (const [i, op] of OPS.entries()) {
        for (const identity of Object.keys(IDENTITIES) as IdentityName[]) {
          const column = group === 'projectcalico.org' || group === 'crd.projectcalico.org' ? group : 'core';
          const expected = (op === 'DELETE' && ONLY_WRITES.has(c.note)) || (identity === 'calicoOperator' && c.operator) ? A : EXPECTED[identity][column][i]!;
          it(`${identity} ${op} ${group || 'core'} ${c.kind} (${c.note}) → ${expected}`, () => {
            const obj = c.object(group);
            const old = c.old?.(group) ?? obj;
            const decision = decideValidation(request({ group, kind: c.kind, operation: op, object: obj, oldObject: old, user: IDENTITIES[identity] }), ctx);
            expect(decision.allowed ? 'allow' : 'deny').toBe(expected);
            if (!decision.allowed) {
              expect(decision.code).toBe(403);
              expect(decision.message!.length).toBeLessThan(256);
            }
          });
        }
      }
    }
  }
});
