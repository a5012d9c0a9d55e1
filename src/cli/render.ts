// `sgbridge render`: prints the Calico objects the inventory calls for (SPEC §7) and changes
// nothing. Objects go to stdout, the one-line summary to stderr.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { writeInventoryFile } from '../aws/inventory-file.js';
import { loadInventory } from '../aws/source.js';
import type { CalicoApi, CalicoObject } from '../core/calico.js';
import type { Inventory } from '../core/inventory.js';
import type { Settings } from '../core/settings.js';
import { factsFromInventory, summaryLine, toApi, translate, type Translation } from '../core/translate/index.js';
import { addSettingOptions, settingsFrom } from './options.js';

export type RenderFormat = 'yaml' | 'json';

export function formatObjects(objects: readonly CalicoObject[], format: RenderFormat): string {
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n';
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

export interface Rendered {
  inventory: Inventory;
  translation: Translation;
  text: string;
}

/** Loads the inventory the settings name and renders it. Cluster facts come from the inventory's `nodes`. */
export async function render(settings: Settings, opts: { format?: RenderFormat; api?: CalicoApi } = {}): Promise<Rendered> {
  const inventory = await loadInventory(settings);
  const translation = translate(inventory, factsFromInventory(inventory), settings);
  const text = formatObjects(toApi(translation.objects, opts.api ?? 'crd'), opts.format ?? 'yaml');
  return { inventory, translation, text };
}

/** For `serve` (npm start): writes the rendered inventory as YAML to `path`; returns the summary line. */
export async function renderToFile(settings: Settings, path: string, api: CalicoApi = 'crd'): Promise<string> {
  const { translation, text } = await render(settings, { api });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return summaryLine(translation.summary);
}

export function registerRender(program: Command): void {
  const cmd = program
    .command('render')
    .description('print the Calico tiers, policies, host endpoints and network sets the inventory calls for; changes nothing')
    .addOption(new Option('--output <FORMAT>', 'yaml (multi-document) or json (a v1 List)').choices(['yaml', 'json']).default('yaml'))
    .addOption(new Option('--api <API>', 'crd = crd.projectcalico.org/v1, v3 = projectcalico.org/v3').choices(['crd', 'v3']).default('crd'))
    .option('--save-inventory <FILE>', 'also write the inventory that was read (JSON if FILE ends in .json, else YAML), e.g. to capture a VPC with --aws')
    .option('--show-skipped', 'list every skipped peer on stderr, not only the counts');
  addSettingOptions(cmd, ['inventory', 'aws', 'vpcId', 'clusterName', 'nodeGroups', 'metadataAccess', 'hostEndpointNode']);
  cmd.action(async () => {
    const settings = settingsFrom(cmd);
    const opts = cmd.opts<{ output: RenderFormat; api: CalicoApi; saveInventory?: string; showSkipped?: boolean }>();
    const { inventory, translation, text } = await render(settings, { format: opts.output, api: opts.api });
    if (opts.saveInventory) await writeInventoryFile(opts.saveInventory, inventory);
    process.stdout.write(text);
    process.stderr.write(`sgbridge render: ${summaryLine(translation.summary)}\n`);
    if (opts.showSkipped) {
      for (const s of translation.skipped) process.stderr.write(`  skipped ${s.groupId} ${s.direction} ${s.peer}: ${s.reason} (${s.detail})\n`);
    }
  });
}
