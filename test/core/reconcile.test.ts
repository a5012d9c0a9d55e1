// The round's decision as a pure function: the same inputs give the same plan, an in-sync cluster
// gives an empty one, the delete guard holds a large deletion and carries its state, and pods with
// wrong labels are planned for relabelling in every namespace.
import { describe, expect, it } from 'vitest';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import { objectKey } from '../../src/core/calico.js';
import type { ActualObject } from '../../src/core/diff.js';
import type { Inventory } from '../../src/core/inventory.js';
import { membershipPolicyFrom } from '../../src/core/membership-policy.js';
import { allowedDeletes, planRound, type PlanInput } from '../../src/core/reconcile.js';
import { NO_HOLD } from '../../src/core/safety.js';
import { defaultSettings } from '../../src/core/settings.js';

const settings = defaultSettings();
const inventory = await readInventoryFile(EXAMPLE_INVENTORY);

function input(over: Partial<PlanInput> = {}): PlanInput {
  const base: PlanInput = {
    inventory,
    cluster: { nodes: inventory.nodes ?? [], networkPolicies: [], namespaceAnnotations: () => undefined, pods: [] },
    actual: [],
    settings,
    api: 'crd',
    membership: membershipPolicyFrom(settings, inventory),
    hold: NO_HOLD,
  };
  return { ...base, ...over };
}

/** The cluster after a perfect apply of `plan` (what the watch would report). */
const asActual = (objects: PlanInput['actual'] | ReturnType<typeof planRound>['desired']): ActualObject[] => objects.map((o) => JSON.parse(JSON.stringify(o)) as ActualObject);

describe('planRound', () => {
  it('is a function of its inputs: the same facts, the same plan; an in-sync cluster, nothing to do', () => {
    const first = planRound(input());
    expect(planRound(input())).toEqual(first);
    expect(first.diff.applies.length).toBe(first.desired.length);
    const synced = planRound(input({ actual: asActual(first.desired) }));
    expect(synced.diff).toMatchObject({ applies: [], deletes: [], unchanged: first.desired.length });
    expect(synced.relabels).toEqual([]);
  });

  it('holds a deletion of most objects and lets it through when the same set repeats', () => {
    const desired = planRound(input()).desired;
    const empty: Inventory = { ...inventory, securityGroups: [], networkInterfaces: [] };
    const actual = asActual(desired);
    let hold = NO_HOLD;
    const verdicts = [];
    for (let i = 0; i < settings.deleteHoldRounds; i++) {
      const plan = planRound(input({ inventory: empty, cluster: { ...input().cluster, nodes: [] }, actual, hold }));
      verdicts.push(allowedDeletes(plan).length);
      hold = plan.verdict.state;
    }
    expect(verdicts.slice(0, -1).every((n) => n === 0)).toBe(true);
    expect(verdicts.at(-1)).toBeGreaterThan(desired.length / 2);
  });

  it('plans relabels for wrong pods in every namespace, and none for right or terminating ones', () => {
    const policy = membershipPolicyFrom(settings, inventory);
    const right = Object.fromEntries([...policy.nodeGroups, policy.podDefaultGroup!].map((g) => [`sg.aws.tigera.io/${g}`, '']));
    const pods = [
      { namespace: 'kube-system', name: 'wrong', labels: { 'sg.aws.tigera.io/sg-12345678901234': '' } },
      { namespace: 'team', name: 'right', labels: right },
      { namespace: 'team', name: 'leaving', labels: {}, terminating: true },
    ];
    const plan = planRound(input({ cluster: { ...input().cluster, pods } }));
    expect(plan.relabels.map((r) => `${r.namespace}/${r.name}`)).toEqual(['kube-system/wrong']);
  });

  it('derives no pod\'s membership again for the same pod, namespace annotations and policy, and does when one of them changes', () => {
    const policy = membershipPolicyFrom(settings, inventory);
    let reads = 0;
    const labels = { 'sg.aws.tigera.io/sg-12345678901234': '' };
    const pod = { namespace: 'team', name: 'counted', get labels() { reads++; return labels; } };
    const allowed: Record<string, string> = {};
    const plan = (namespaceAnnotations: PlanInput['cluster']['namespaceAnnotations'], membership = policy) =>
      planRound(input({ membership, cluster: { ...input().cluster, pods: [pod], namespaceAnnotations } }));
    const lookup = () => allowed;
    const first = plan(lookup);
    const after = reads;
    expect(after).toBeGreaterThan(0);
    expect(plan(lookup).relabels).toEqual(first.relabels);
    expect(reads).toBe(after);
    plan(() => ({ ...allowed }));
    expect(reads).toBeGreaterThan(after);
    const again = reads;
    plan(lookup, membershipPolicyFrom(settings, inventory));
    expect(reads).toBeGreaterThan(again);
  });

  it('never plans to delete an object it does not manage', () => {
    const foreign: ActualObject = { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'theirs', labels: {} }, spec: {} };
    const plan = planRound(input({ actual: [foreign] }));
    expect(plan.diff.deletes.map(objectKey)).toEqual([]);
  });
});

describe('the cached form of an object (a digest per spec field)', () => {
  it('compares as the object itself does: canonical JSON is equal exactly when deepEqual says so', async () => {
    const fc = (await import('fast-check')).default;
    const { canonicalJson, deepEqual } = await import('../../src/core/diff.js');
    const json = fc.jsonValue({ maxDepth: 3 });
    const shuffled = (v: unknown): unknown => (Array.isArray(v) ? v.map(shuffled) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffled(x)])) : v);
    fc.assert(fc.property(json, json, (a, b) => (canonicalJson(a) === canonicalJson(b)) === deepEqual(a, b) && canonicalJson(shuffled(a)) === canonicalJson(a)), { numRuns: 2000 });
  });

  it('plans the same with digests as with whole specs', async () => {
    const { specDigestOf } = await import('../../src/core/diff.js');
    const desired = planRound(input()).desired;
    const whole = asActual(desired);
    const edited = whole.map((o, i) => (i % 7 === 0 ? { ...o, spec: { ...o.spec, extra: [1] } } : i % 11 === 0 ? { ...o, spec: { ...o.spec, order: 1 } } : o));
    const digested = edited.map(({ spec, ...rest }) => ({ ...rest, specDigest: specDigestOf(spec ?? {}) }));
    const a = planRound(input({ actual: edited }));
    const b = planRound(input({ actual: digested }));
    expect(b.diff.applies.map((x) => objectKey(x.object))).toEqual(a.diff.applies.map((x) => objectKey(x.object)));
    expect(a.diff.applies.length).toBeGreaterThan(0);
    expect(b.diff.unchanged).toBe(a.diff.unchanged);
  });
});
