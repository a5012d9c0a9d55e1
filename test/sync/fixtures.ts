// Shared set-up for the syncer tests: the apiserver double with the tutorial cluster's Nodes, the
// tutorial inventory, quiet logs, and helpers to read what the syncer wrote.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import type { Inventory } from '../../src/core/inventory.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import type { SyncerDeps } from '../../src/sync/syncer.js';
import { type ApiServerDouble, type ApiServerDoubleOptions, startApiServerDouble } from '../support/apiserver-double.js';

export const quietLog = pino({ level: 'silent' });

export async function tutorialInventory(): Promise<Inventory> {
  return readInventoryFile(EXAMPLE_INVENTORY);
}

export async function clusterDouble(opts: ApiServerDoubleOptions = {}): Promise<ApiServerDouble> {
  const api = await startApiServerDouble(opts);
  const inv = await tutorialInventory();
  for (const n of inv.nodes ?? []) {
    api.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name },
      spec: { providerID: `aws:///us-east-1a/${n.instanceId}` },
      status: { addresses: n.addresses.map((address) => ({ type: 'InternalIP', address })) },
    });
  }
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'integration-demo' } });
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sgbridge-system' } });
  return api;
}

export function settingsWith(over: Partial<Settings> = {}): Settings {
  return { ...defaultSettings(), ...over };
}

export function depsFor(api: ApiServerDouble, over: Partial<SyncerDeps> = {}): SyncerDeps {
  return {
    kubeConfig: api.kubeConfig(),
    settings: settingsWith(),
    log: quietLog,
    registry: new Registry(),
    readInventory: tutorialInventory,
    identity: 'sgbridge-test-0',
    writeBaseDelayMs: 5,
    ...over,
  };
}

const CALICO_PATH = /^\/apis\/(crd\.)?projectcalico\.org\//;

/** Writes the syncer made to Calico objects and pods (Lease renewals and Events aside). */
export function syncWrites(api: ApiServerDouble): string[] {
  return api
    .writes()
    .filter((w) => w.identity === 'sgbridge' && (CALICO_PATH.test(w.path) || w.path.includes('/pods/')))
    .map((w) => `${w.method} ${w.path} ${w.status}`);
}

export const CRD = 'crd.projectcalico.org/v1';
export const CALICO_KINDS = ['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy', 'HostEndpoint', 'GlobalNetworkSet'] as const;

/** Every Calico object in the double, by kind/namespace/name. */
export function calicoObjects(api: ApiServerDouble, apiVersion = CRD): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const kind of CALICO_KINDS) {
    for (const o of api.list(apiVersion, kind)) {
      const meta = o.metadata as { name: string; namespace?: string };
      out.set(`${kind}/${meta.namespace ?? ''}/${meta.name}`, o);
    }
  }
  return out;
}
