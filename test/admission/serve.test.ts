// `sgbridge serve` composed end to end: certificates made on first run, the example inventory,
// the rendered Calico objects, both webhooks over real TLS, the namespace allow-list against the
// apiserver double, the cluster seam, --help, and shutdown.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_REVIEW, registerServe, startServe, type RunningServe, type ServePieces } from '../../src/cli/serve.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';
import { httpsCall } from './support/https-client.js';
import { ADMISSION_SAMPLES } from '../support/fixtures.js';

const SAMPLES = ADMISSION_SAMPLES;
const silent = pino({ level: 'silent' });

interface ReviewBody {
  response: { uid: string; allowed: boolean; patch?: string; status?: { code: number; message: string } };
}

const decodePatch = (body: ReviewBody) => JSON.parse(Buffer.from(body.response.patch ?? '', 'base64').toString('utf8')) as unknown;

describe('sgbridge serve', () => {
  let dir: string;
  let running: RunningServe | undefined;
  let printed: string;
  let settings: Settings;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sgbridge-serve-'));
    printed = '';
    settings = { ...defaultSettings(), tlsDir: join(dir, 'certs'), port: 0 };
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (extra: Partial<Parameters<typeof startServe>[0]> = {}) =>
    startServe({ settings, logger: silent, registry: new Registry(), kubeConfig: null, out: (t) => (printed += t), ...extra });

  it('makes certificates on first run, renders the example objects and serves the example review', async () => {
    running = await start({ renderTo: join(dir, 'out', 'calico.yaml') });
    for (const f of ['ca.crt', 'tls.crt', 'tls.key']) expect(existsSync(join(settings.tlsDir, f))).toBe(true);
    const rendered = readFileSync(join(dir, 'out', 'calico.yaml'), 'utf8');
    expect(rendered).toMatch(/kind: Tier/);
    expect(rendered).toMatch(/name: sg-local\.sg-98765432109876/);
    expect(printed).toContain(`curl -s --cacert ${join(settings.tlsDir, 'ca.crt')} ${running.url}/mutate`);
    expect(printed).toMatch(/jq -r \.response\.patch \| base64 -d/);

    const ca = readFileSync(join(settings.tlsDir, 'ca.crt'), 'utf8');
    const res = await httpsCall(`${running.url}/mutate`, { ca, body: readFileSync(EXAMPLE_REVIEW) });
    const body = res.json() as ReviewBody;
    expect(body.response.allowed).toBe(true);
    expect(decodePatch(body)).toEqual([
      { op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-0a9b8c7d6e5f40312', value: '' },
      { op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-98765432109876', value: '' },
    ]);
  });

  it('reuses the certificates on the next run', async () => {
    running = await start();
    const first = readFileSync(join(settings.tlsDir, 'tls.crt'), 'utf8');
    await running.stop();
    running = await start();
    expect(readFileSync(join(settings.tlsDir, 'tls.crt'), 'utf8')).toBe(first);
  });

  it('serves /validate with the protection decision', async () => {
    running = await start();
    const ca = readFileSync(join(settings.tlsDir, 'ca.crt'), 'utf8');
    const text = readFileSync(join(SAMPLES, '035-validate-globalnetworkpolicies.crd.projectcalico.org-UPDATE.json'), 'utf8');
    const res = await httpsCall(`${running.url}/validate?timeout=5s`, { ca, body: text });
    const body = res.json() as ReviewBody;
    expect(body.response.uid).toBe((JSON.parse(text) as { request: { uid: string } }).request.uid);
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(403);
  });

  describe('with a cluster (apiserver double)', () => {
    let api: ApiServerDouble;
    beforeEach(async () => {
      api = await startApiServerDouble();
      api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'integration-demo', annotations: { 'aws.tigera.io/allowed-security-groups': '["sg-12345678901234"]' } } });
    });
    afterEach(async () => {
      await running?.stop();
      running = undefined;
      await api.close();
    });

    it('applies the namespace allow-list and hands the built pieces to the cluster parts', async () => {
      let pieces: ServePieces | undefined;
      let stopped = false;
      running = await start({
        kubeConfig: api.kubeConfig(),
        clusterParts: async (p) => {
          pieces = p;
          return { stop: async () => void (stopped = true) };
        },
      });
      expect(pieces?.inventory().vpcId).toBe('vpc-0a1b2c3d4e5f60718');
      expect(pieces?.namespaces.ready).toBe(true);
      const ca = readFileSync(join(settings.tlsDir, 'ca.crt'), 'utf8');
      const res = await httpsCall(`${running.url}/mutate`, { ca, body: readFileSync(EXAMPLE_REVIEW) });
      const body = res.json() as ReviewBody;
      expect(body.response.allowed).toBe(false);
      expect(body.response.status?.message).toBe(
        'security group sg-98765432109876 is not permitted for pods in namespace integration-demo (aws.tigera.io/allowed-security-groups lists sg-12345678901234)',
      );
      const ready = await httpsCall(`${running.url}/readyz`, { ca, method: 'GET' });
      expect(ready.status).toBe(200);

      // A newer inventory takes effect at once: without pod-sg known, strict mode would deny;
      // here the known-groups set shrinks and the warning appears.
      pieces!.setInventory({ ...pieces!.inventory(), securityGroups: pieces!.inventory().securityGroups.filter((g) => g.groupId !== 'sg-12345678901234') });
      const review = JSON.parse(readFileSync(EXAMPLE_REVIEW, 'utf8')) as { request: { object: { metadata: { annotations: Record<string, string> } } } };
      review.request.object.metadata.annotations['aws.tigera.io/security-groups'] = '["sg-12345678901234"]';
      const warned = (await httpsCall(`${running.url}/mutate`, { ca, body: JSON.stringify(review) })).json() as ReviewBody & { response: { warnings?: string[] } };
      expect(warned.response.allowed).toBe(true);
      expect(warned.response.warnings?.[0]).toMatch(/sg-12345678901234 is not a security group sgbridge knows/);

      await running.stop();
      running = undefined;
      expect(stopped).toBe(true);
    });
  });

  it('--help says the namespace allow-list is off without a cluster, and lists --render-to and the settings', () => {
    const program = new Command().exitOverride();
    registerServe(program);
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    let help = '';
    serve.configureOutput({ writeOut: (s) => (help += s) });
    serve.outputHelp();
    expect(help).toMatch(/Without a cluster the namespace\s+allow-list \(aws\.tigera\.io\/allowed-security-groups\) is off/);
    for (const flag of ['--render-to', '--port', '--tls-dir', '--inventory', '--aws', '--namespace-default', '--strict', '--config']) expect(help).toContain(flag);
  });
});
