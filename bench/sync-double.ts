// The apiserver double for the sync benchmark, in a process of its own so that the benchmark's
// CPU and RSS figures are sgbridge's alone. Seeded with the converged state of the generated VPC
// and `pods` pods whose membership labels are right, its history compacted (as a real apiserver
// does), it answers the parent over IPC: its kubeconfig, and counts from its request log.
import { defaultSettings } from '../src/core/settings.js';
import { membershipPolicyFrom } from '../src/core/membership-policy.js';
import { desiredObjects } from '../src/sync/round.js';
import { startApiServerDouble } from '../test/support/apiserver-double.js';
import { largeInventory } from '../test/support/large-inventory.js';
import { syncScale } from './sync-scale.js';

export type DoubleRequest = { cmd: 'clear' } | { cmd: 'counts' } | { cmd: 'close' };
export interface DoubleCounts {
  /** LIST requests (GET with a page limit). */
  lists: number;
  /** Writes by sgbridge to Calico objects. */
  calicoWrites: number;
  /** Writes by sgbridge to pods. */
  podWrites: number;
}

const PODS = Number(process.argv[2] ?? 5_000);
const NAMESPACES = 50;
const inventory = largeInventory(syncScale().inventory);
const settings = defaultSettings();
const api = await startApiServerDouble();
for (const n of inventory.nodes ?? []) {
  api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { providerID: `aws:///us-east-1a/${n.instanceId}` }, status: { addresses: n.addresses.map((address) => ({ type: 'InternalIP', address })) } });
}
const desired = desiredObjects({ inventory, nodes: inventory.nodes ?? [], networkPolicies: [] }, settings, 'crd');
for (const o of desired) api.apply(o as never, 'sgbridge', true);
for (let i = 0; i < NAMESPACES; i++) api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${i}` } });
// pods as the webhook left them: their membership labels are right, so nothing is relabelled
const policy = membershipPolicyFrom(settings, inventory);
const membership = Object.fromEntries([...policy.nodeGroups, ...(policy.podDefaultGroup ? [policy.podDefaultGroup] : [])].map((g) => [`sg.aws.tigera.io/${g}`, '']));
for (let i = 0; i < PODS; i++) {
  api.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: `team-${i % NAMESPACES}`, labels: { app: `app-${i % 100}`, 'pod-template-hash': 'abcdef1234', ...membership }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T12:00:00Z' } },
    spec: { nodeName: `node-${i % 100}`, serviceAccountName: 'default', containers: [{ name: 'app', image: 'registry.example/app:1.0', ports: [{ containerPort: 8080 }], env: [{ name: 'A', value: 'x'.repeat(200) }] }] },
    status: { phase: 'Running', podIP: `10.200.${(i >> 8) & 255}.${i & 255}` },
  });
}
api.compact();

const counts = (): DoubleCounts => {
  const ours = api.writes().filter((w) => w.identity === 'sgbridge');
  return {
    lists: api.requests.filter((r) => r.method === 'GET' && r.query.watch !== 'true' && r.query.limit !== undefined).length,
    calicoWrites: ours.filter((w) => w.path.startsWith('/apis/crd.projectcalico.org/')).length,
    podWrites: ours.filter((w) => w.path.includes('/pods/')).length,
  };
};

process.on('message', (m: DoubleRequest) => {
  if (m.cmd === 'clear') {
    api.clearRequests();
    process.send!({ ok: true });
  } else if (m.cmd === 'counts') process.send!(counts());
  else void api.close().then(() => process.exit(0));
});
process.send!({ kubeconfig: api.kubeConfig().exportConfig(), objects: desired.length, pods: PODS });
