// `sgbridge render` in-process: flags, output formats, the summary on stderr, --save-inventory.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EXAMPLE_INVENTORY, readInventoryFile, writeInventoryFile } from '../../src/aws/inventory-file.js';
import { registerRender, renderToFile } from '../../src/cli/render.js';
import { defaultSettings } from '../../src/core/settings.js';
import { runCli, type CliRun } from '../support/cli.js';

const render = (...args: string[]): Promise<CliRun> => runCli(registerRender, ['render', ...args]);

describe('sgbridge render', () => {
  it('prints the tutorial VPC as multi-document YAML and a one-line summary on stderr', async () => {
    const { out, err } = await render('--inventory', EXAMPLE_INVENTORY);
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(docs).toHaveLength(18);
    expect(docs[0]).toMatchObject({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'sg-remote' } });
    expect(docs.some((d) => d.metadata.name === 'sg-local.sg-98765432109876')).toBe(true);
    expect(err).toBe('sgbridge render: 7 groups → 3 tiers, 11 policies, 25 rules, 2 host endpoints, 2 node network sets; no peers skipped\n');
  });

  it('--output json --api v3 prints a v1 List of projectcalico.org/v3 objects', async () => {
    const { out } = await render('--output', 'json', '--api', 'v3');
    const list = JSON.parse(out) as { kind: string; items: { apiVersion: string }[] };
    expect(list.kind).toBe('List');
    expect(new Set(list.items.map((i) => i.apiVersion))).toEqual(new Set(['projectcalico.org/v3']));
  });

  it('--metadata-access allowed changes the metadata policy', async () => {
    const { out } = await render('--metadata-access', 'allowed', '--output', 'json');
    expect(out).toContain(`"selector": "aws.tigera.io/allow-metadata-access == 'false'"`);
  });

  it('--save-inventory writes what was read, which reads back the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgbridge-render-'));
    for (const file of ['vpc.yaml', 'vpc.json']) {
      await render('--save-inventory', join(dir, file));
      expect(await readInventoryFile(join(dir, file))).toEqual(await readInventoryFile(EXAMPLE_INVENTORY));
    }
    expect(readFileSync(join(dir, 'vpc.json'), 'utf8').trimStart().startsWith('{')).toBe(true);
  });

  it('reports the skipped peers and why, and lists them with --show-skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgbridge-render-'));
    const inv = await readInventoryFile(EXAMPLE_INVENTORY);
    inv.securityGroups[0]!.inbound.push({ ipProtocol: 'tcp', fromPort: 1, toPort: 1, userIdGroupPairs: [{ groupId: 'sg-0fffffffffffffff0', vpcId: 'vpc-0999999999999999' }] });
    await writeInventoryFile(join(dir, 'bad-peer.yaml'), inv);
    const { err } = await render('--inventory', join(dir, 'bad-peer.yaml'), '--show-skipped');
    expect(err).toContain('; 1 peer skipped (1 other-vpc)\n');
    expect(err).toContain('skipped sg-12345678901234 inbound sg-0fffffffffffffff0: other-vpc (group sg-0fffffffffffffff0 is in vpc-0999999999999999');
  });

  it('a broken inventory file is an error naming the file and the field', async () => {
    await expect(render('--inventory', join(import.meta.dirname, 'render.test.ts'))).rejects.toThrow(/inventory file .*render\.test\.ts/);
  });

  it('renderToFile writes the rendered YAML for serve (npm start → out/calico.yaml) and returns the summary', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sgbridge-render-')), 'out', 'calico.yaml');
    const line = await renderToFile(defaultSettings(), path);
    expect(line).toMatch(/^7 groups → 3 tiers/);
    expect(parseAllDocuments(readFileSync(path, 'utf8'))).toHaveLength(18);
  });
});
