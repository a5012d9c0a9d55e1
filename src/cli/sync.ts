// sgbridge sync --once: one sync round against the cluster (SPEC §7), a summary on stdout, and a
// non-zero exit when the round failed (a read failed, or a write failed after retries).
import { type Command, Option } from 'commander';
import { CALICO_API_VERSION } from '../core/calico.js';
import { loadClusterConfig } from '../kube/client.js';
import { createLogger } from '../log.js';
import type { RoundResult } from '../sync/round.js';
import { runOnce } from '../sync/syncer.js';
import { addSettingOptions, settingsFrom } from './options.js';

export function summaryOf(r: RoundResult): string {
  const lines = [
    `sgbridge sync: ${r.result} (Calico API ${CALICO_API_VERSION[r.calicoApi]}, ${(r.durationMs / 1000).toFixed(2)} s)`,
    `  desired ${r.desired}, applied ${r.applied}, deleted ${r.deleted}, held ${r.held}, unchanged ${r.unchanged}, pods relabelled ${r.relabelled}`,
  ];
  for (const p of r.problems) lines.push(`  ${p}`);
  if (r.held) lines.push('  held deletions go through when the same round repeats (long-running syncer), or now with --allow-deletions');
  return lines.join('\n') + '\n';
}

export function registerSync(program: Command): void {
  const cmd = program
    .command('sync')
    .description('one sync round against the cluster (KUBECONFIG or in-cluster), then exit; non-zero when it failed')
    .addOption(new Option('--once', 'run one round and exit (the only mode: the continuous syncer runs inside `sgbridge serve`)').makeOptionMandatory());
  addSettingOptions(cmd, [
    'inventory',
    'aws',
    'vpcId',
    'clusterName',
    'nodeGroups',
    'trustGroupId',
    'enforcedGroupId',
    'podDefaultGroupId',
    'metadataAccess',
    'hostEndpointNode',
    'namespace',
    'calicoNamespaces',
    'namespaceDefault',
    'strict',
    'deleteThreshold',
    'allowDeletions',
    'logLevel',
  ]);
  cmd.action(async () => {
    const settings = settingsFrom(cmd);
    const kubeConfig = loadClusterConfig();
    if (!kubeConfig) throw new Error('no cluster configured: set KUBECONFIG (or ~/.kube/config), or run inside a cluster');
    const log = createLogger(settings.logLevel);
    const result = await runOnce({ kubeConfig, settings, log });
    process.stdout.write(summaryOf(result));
    if (result.result === 'failed') process.exitCode = 1;
  });
}
