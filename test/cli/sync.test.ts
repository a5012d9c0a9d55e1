// sgbridge sync --once end to end: commander, KUBECONFIG, one round against the apiserver double,
// the summary on stdout and the exit code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSync } from '../../src/cli/sync.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { defaultSettings } from '../../src/core/settings.js';
import { desiredObjects } from '../../src/sync/round.js';
import { runCli, type CliRun } from '../support/cli.js';
import { clusterDouble, tutorialInventory } from '../sync/fixtures.js';

let api: ApiServerDouble;
const saved = { KUBECONFIG: process.env.KUBECONFIG };

beforeEach(async () => {
  api = await clusterDouble();
  const file = join(mkdtempSync(join(tmpdir(), 'sgbridge-sync-')), 'kubeconfig');
  writeFileSync(file, api.kubeConfig().exportConfig());
  process.env.KUBECONFIG = file;
});
afterEach(async () => {
  process.env.KUBECONFIG = saved.KUBECONFIG;
  await api.close();
});

const sync = (...args: string[]): Promise<CliRun> => runCli(registerSync, ['sync', '--once', '--log-level', 'fatal', ...args]);

describe('sgbridge sync --once', () => {
  it('converges, then reports an unchanged round', async () => {
    const inv = await tutorialInventory();
    const n = desiredObjects({ inventory: inv, nodes: inv.nodes ?? [], networkPolicies: [] }, defaultSettings(), 'crd').length;
    const first = await sync();
    expect(first.out).toMatch(/^sgbridge sync: success \(Calico API crd\.projectcalico\.org\/v1/);
    expect(first.out).toContain(`desired ${n}, applied ${n}, deleted 0, held 0, unchanged 0`);
    expect(first.exitCode).toBe(0);
    const second = await sync();
    expect(second.out).toContain(`applied 0, deleted 0, held 0, unchanged ${n}`);
  });

  it('exits non-zero when the round failed', async () => {
    api.failNext({ method: 'GET', path: '/api/v1/nodes', status: 500, count: 100 });
    const failed = await sync();
    expect(failed.out).toMatch(/sgbridge sync: failed/);
    expect(failed.out).toMatch(/list nodes: HTTP 500/);
    expect(failed.exitCode).toBe(1);
  });

  it('says so when no cluster is configured', async () => {
    process.env.KUBECONFIG = join(tmpdir(), 'does-not-exist-kubeconfig');
    await expect(sync()).rejects.toThrow(/no cluster configured/);
  });
});
