// Restarting watches against the apiserver double: events trigger, a stream the server ends is
// reopened from its resourceVersion, a 410 starts over, and a silent watch is restarted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TriggerWatch } from '../../src/kube/watches.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';

const CRD = 'crd.projectcalico.org/v1';
const PATH = '/apis/crd.projectcalico.org/v1/globalnetworkpolicies';
const listRv = async () => String(api.revision);
let api: ApiServerDouble;
let watch: TriggerWatch | undefined;
beforeEach(async () => {
  api = await startApiServerDouble();
});
afterEach(async () => {
  watch?.stop();
  await api.close();
});

const gnp = (name: string, managed = true) => ({ apiVersion: CRD, kind: 'GlobalNetworkPolicy', metadata: { name, labels: managed ? { 'app.kubernetes.io/managed-by': 'sgbridge' } : {} }, spec: { selector: 'all()' } });

/** A started watch on all policies that has seen its first change ('one'); `changes()` counts them. */
async function watchingAfterFirstChange(): Promise<{ changes: () => number }> {
  let changes = 0;
  watch = new TriggerWatch(api.kubeConfig(), { path: PATH, listResourceVersion: listRv }, () => changes++, { restartDelayMs: 20 });
  watch.start();
  await until(() => api.openWatches() === 1);
  api.create(gnp('one'));
  await until(() => changes === 1);
  return { changes: () => changes };
}

describe('TriggerWatch', () => {
  it('signals changes that match its selector, not the initial state', async () => {
    api.create(gnp('existing'));
    let changes = 0;
    watch = new TriggerWatch(api.kubeConfig(), { path: PATH, labelSelector: 'app.kubernetes.io/managed-by=sgbridge', listResourceVersion: listRv }, () => changes++, { restartDelayMs: 20 });
    watch.start();
    await until(() => api.openWatches() === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(changes).toBe(0);
    api.create(gnp('unmanaged', false));
    api.create(gnp('managed'));
    await until(() => changes === 1);
    api.remove(CRD, 'GlobalNetworkPolicy', 'managed');
    await until(() => changes === 2);
  });

  it('reopens a stream the server ended, from where it was', async () => {
    const { changes } = await watchingAfterFirstChange();
    api.closeWatches();
    await until(() => watch!.starts === 2 && api.openWatches() === 1);
    const reopened = api.requests.filter((r) => r.query.watch === 'true').at(-1)!;
    expect(reopened.query.resourceVersion).toBe(String(api.revision));
    api.create(gnp('two'));
    await until(() => changes() === 2);
  });

  it('starts over after 410 Expired and asks for a round (changes may have been missed)', async () => {
    const { changes } = await watchingAfterFirstChange();
    api.pauseWatches(true);
    api.create(gnp('missed'));
    api.compact();
    api.pauseWatches(false);
    api.closeWatches();
    await until(() => changes() >= 2);
    await until(() => api.openWatches() === 1);
    // the restart after 410 started from the current revision, not the expired one
    const watches = api.requests.filter((r) => r.query.watch === 'true');
    expect(Number(watches.at(-1)!.query.resourceVersion)).toBeGreaterThan(Number(watches[0]!.query.resourceVersion));
  });

  it('restarts a watch that went silent', async () => {
    let changes = 0;
    watch = new TriggerWatch(api.kubeConfig(), { path: PATH, listResourceVersion: listRv }, () => changes++, { silenceMs: 200, restartDelayMs: 20 });
    watch.start();
    await until(() => api.openWatches() === 1);
    api.pauseWatches(true); // the stream stays open but nothing arrives
    await until(() => watch!.starts >= 2, { timeoutMs: 3_000 });
    api.pauseWatches(false);
    api.create(gnp('after'));
    await until(() => changes >= 1);
  });
});
