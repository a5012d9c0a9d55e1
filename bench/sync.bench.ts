// Syncer at scale: an unchanged round over the generated 5,000-group VPC (5,000 groups × 20
// permissions, 50,000 ENIs, 100 nodes) against the in-process apiserver double that already holds
// every object sgbridge wants. Prints the round time and its writes (must be 0: an unchanged round
// writes nothing) and, as a baseline measured in the same run, the time to just list sgbridge's
// objects through the same client (the least any round must do). The double runs in this process,
// so both figures include its work; the ratio is what compares across machines.
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { CalicoObject } from '../src/core/calico.js';
import { defaultSettings } from '../src/core/settings.js';
import { CalicoStore, MANAGED_KINDS } from '../src/kube/calico-store.js';
import { desiredObjects } from '../src/sync/round.js';
import { roundRunner } from '../src/sync/syncer.js';
import { startApiServerDouble } from '../test/support/apiserver-double.js';
import { largeInventory } from '../test/support/large-inventory.js';
import { median } from './median.js';

const RUNS = Number(process.env.SGBRIDGE_BENCH_RUNS ?? 3);
const TARGET_RATIO = 3; // a round may cost at most 3× a bare list of the same objects

export async function run(): Promise<void> {
  const inventory = largeInventory();
  const settings = defaultSettings();
  const api = await startApiServerDouble();
  try {
    for (const n of inventory.nodes ?? []) {
      api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { providerID: `aws:///us-east-1a/${n.instanceId}` }, status: { addresses: n.addresses.map((address) => ({ type: 'InternalIP', address })) } });
    }
    // the converged state, written straight into the double as sgbridge's applies
    const desired: CalicoObject[] = desiredObjects({ inventory, nodes: inventory.nodes ?? [], networkPolicies: [] }, settings, 'crd');
    const seedStart = performance.now();
    for (const o of desired) api.apply(o as never, 'sgbridge', true);
    process.stdout.write(`seeded ${desired.length} objects into the double in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`);

    const deps = { kubeConfig: api.kubeConfig(), settings, log: pino({ level: 'silent' }), registry: new Registry(), readInventory: async () => inventory, calicoApi: 'crd' as const, identity: 'bench' };
    const round = roundRunner(deps);
    const store = new CalicoStore(api.kubeConfig(), 'crd');
    const roundMs: number[] = [];
    const listMs: number[] = [];
    let writes = 0;
    let unchanged = 0;
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      let listed = 0;
      for (const kind of MANAGED_KINDS) listed += (await store.listManaged(kind)).length;
      listMs.push(performance.now() - t);
      if (listed !== desired.length) throw new Error(`baseline listed ${listed} objects, expected ${desired.length}`);
      api.clearRequests();
      t = performance.now();
      const r = await round();
      roundMs.push(performance.now() - t);
      writes += api.writes().length;
      unchanged = r.unchanged;
      if (r.result !== 'success') throw new Error(`round ${r.result}: ${r.problems.join('; ')}`);
    }
    const roundMedian = median(roundMs);
    const listMedian = median(listMs);
    const ratio = roundMedian / listMedian;
    process.stdout.write(
      [
        `unchanged round over ${desired.length} objects (${inventory.securityGroups.length} groups, ${inventory.networkInterfaces.length} ENIs): median ${roundMedian.toFixed(0)} ms over ${RUNS} runs (${roundMs.map((x) => x.toFixed(0)).join(', ')})`,
        `  writes: ${writes} (target 0), unchanged: ${unchanged}`,
        `  baseline (list sgbridge's objects, same client): median ${listMedian.toFixed(0)} ms`,
        `  ratio round/list: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`,
      ].join('\n') + '\n',
    );
    if (writes !== 0 || ratio > TARGET_RATIO) process.exitCode = 1;
  } finally {
    await api.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
