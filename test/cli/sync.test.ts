// sgbridge sync --once end to end: commander, KUBECONFIG, one round against the apiserver double,
// the summary on stdout and the exit code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerSync } from '../../src/cli/sync.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { defaultSettings } from '../../src/core/settings.js';
import { desiredObjects } from '../../src/sync/round.js';
import { clusterDouble, tutorialInventory } from '../sync/fixtures.js';

let api: ApiServerDouble;
let out: string[];
const saved = { KUBECONFIG: process.env.KUBECONFIG, exitCode: process.exitCode };

beforeEach(async () => {
  api = await clusterDouble();
  const file = join(mkdtempSync(join(tmpdir(), 'sgbridge-sync-')), 'kubeconfig');
  writeFileSync(file, api.kubeConfig().exportConfig());
  process.env.KUBECONFIG = file;
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  process.exitCode = undefined;
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.env.KUBECONFIG = saved.KUBECONFIG;
  process.exitCode = saved.exitCode;
  await api.close();
});

async function sync(...args: string[]): Promise<void> {
  const program = new Command('sgbridge').exitOverride();
  registerSync(program);
  await program.parseAsync(['node', 'sgbridge', 'sync', '--once', '--log-level', 'fatal', ...args]);
}

describe('sgbridge sync --once', () => {
  it('converges, then reports an unchanged round', async () => {
    const inv = await tutorialInventory();
    const n = desiredObjects({ inventory: inv, nodes: inv.nodes ?? [], networkPolicies: [] }, defaultSettings(), 'crd').length;
    await sync();
    expect(out.join('')).toMatch(/^sgbridge sync: success \(Calico API crd\.projectcalico\.org\/v1/);
    expect(out.join('')).toContain(`desired ${n}, applied ${n}, deleted 0, held 0, unchanged 0`);
    expect(process.exitCode).toBeUndefined();
    out = [];
    await sync();
    expect(out.join('')).toContain(`applied 0, deleted 0, held 0, unchanged ${n}`);
  });

  it('exits non-zero when the round failed', async () => {
    api.failNext({ method: 'GET', path: '/api/v1/nodes', status: 500, count: 100 });
    await sync();
    expect(out.join('')).toMatch(/sgbridge sync: failed/);
    expect(out.join('')).toMatch(/list nodes: HTTP 500/);
    expect(process.exitCode).toBe(1);
  });

  it('says so when no cluster is configured', async () => {
    process.env.KUBECONFIG = join(tmpdir(), 'does-not-exist-kubeconfig');
    await expect(sync()).rejects.toThrow(/no cluster configured/);
  });
});
