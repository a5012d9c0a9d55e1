// match-security-groups companions (SPEC §3): a NetworkPolicy annotated, edited, un-annotated and
// deleted — the companion Calico NetworkPolicy follows each step (the last through the garbage
// collector, by its owner reference).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MATCH_SG_ANNOTATION } from '../../src/core/vocabulary.js';
import { roundRunner } from '../../src/sync/syncer.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { clusterDouble, CRD, depsFor } from './fixtures.js';

let api: ApiServerDouble;
beforeEach(async () => {
  api = await clusterDouble();
});
afterEach(async () => {
  await api.close();
});

const NS = 'integration-demo';
const NP = 'allow-from-instance-sg';
const COMPANION_KIND = 'NetworkPolicy';

function networkPolicy(port: number, annotated: boolean) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: NP, namespace: NS, ...(annotated ? { annotations: { [MATCH_SG_ANNOTATION]: 'true' } } : {}) },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { 'sg.aws.tigera.io/sg-12345678901234': '' } } }], ports: [{ protocol: 'TCP', port }] }],
    },
  };
}

const companions = () => api.list(CRD, COMPANION_KIND, NS) as { metadata: { name: string; ownerReferences?: { uid: string; kind: string; controller?: boolean }[] }; spec: { ingress: { destination?: { ports?: unknown[] } }[] } }[];

describe('companions follow their NetworkPolicy', () => {
  it('appears when annotated, follows an edit, goes when un-annotated, and is collected with its owner', async () => {
    const run = roundRunner(depsFor(api));
    await run();
    const np = api.create(networkPolicy(80, true)) as { metadata: { uid: string } };
    const created = await run();
    expect(created.result).toBe('success');
    expect(companions()).toHaveLength(1);
    const c = companions()[0]!;
    expect(c.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'NetworkPolicy', uid: np.metadata.uid, controller: true })]);
    expect(c.spec.ingress.every((r) => JSON.stringify(r.destination?.ports) === '[80]')).toBe(true);

    const current = api.get('networking.k8s.io/v1', 'NetworkPolicy', NP, NS) as Record<string, unknown>;
    api.replace({ ...current, spec: networkPolicy(443, true).spec });
    expect((await run()).applied).toBe(1);
    expect(companions()[0]!.spec.ingress.every((r) => JSON.stringify(r.destination?.ports) === '[443]')).toBe(true);

    const again = api.get('networking.k8s.io/v1', 'NetworkPolicy', NP, NS) as { metadata: Record<string, unknown> };
    api.replace({ ...again, metadata: { ...again.metadata, annotations: {} } });
    expect((await run()).deleted).toBe(1);
    expect(companions()).toEqual([]);

    const annotatedAgain = api.get('networking.k8s.io/v1', 'NetworkPolicy', NP, NS) as { metadata: Record<string, unknown> };
    api.replace({ ...annotatedAgain, metadata: { ...annotatedAgain.metadata, annotations: { [MATCH_SG_ANNOTATION]: 'true' } } });
    await run();
    expect(companions()).toHaveLength(1);

    api.remove('networking.k8s.io/v1', 'NetworkPolicy', NP, NS);
    expect(companions()).toEqual([]); // garbage collector
    const after = await run();
    expect(after).toMatchObject({ result: 'success', applied: 0, deleted: 0 });
  });

  it('writes nothing for a NetworkPolicy without the annotation', async () => {
    const run = roundRunner(depsFor(api));
    await run();
    api.create(networkPolicy(80, false));
    expect((await run()).applied).toBe(0);
    expect(companions()).toEqual([]);
  });
});
