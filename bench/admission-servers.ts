// The two servers of the admission benchmark, one per child process (SGBRIDGE_BENCH_ROLE):
// sgbridge's admission server and the baseline, a plain Node `https` server that parses the body
// and returns a fixed allowed response.
//
// Both run as sgbridge ships: plain `node` (this file through Node's own type stripping, so only
// erasable TypeScript here) and sgbridge's compiled dist/ (`npm run build`, which `npm run bench`
// runs first) rather than src/ through tsx, whose transform and loader hooks are not what users run
// and cost sgbridge's code a few µs a request that `node dist/main.js` does not pay.
import { existsSync } from 'node:fs';
import { createServer } from 'node:https';
import { fileURLToPath } from 'node:url';
import type * as Ca from '../src/tls/ca.js';
import type * as App from '../src/admission/app.js';
import type * as Handlers from '../src/admission/handlers.js';
import type * as InventoryFile from '../src/aws/inventory-file.js';
import type * as MembershipPolicy from '../src/core/membership-policy.js';
import type * as Protection from '../src/core/protection/index.js';
import type * as Settings from '../src/core/settings.js';
import type * as Metrics from '../src/metrics.js';

type Role = 'sgbridge' | 'baseline';

// SGBRIDGE_BENCH_DIST: another build to measure (e.g. an earlier commit's dist/, for a comparison).
const DIST = process.env.SGBRIDGE_BENCH_DIST ? new URL(`file://${process.env.SGBRIDGE_BENCH_DIST.replace(/\/?$/, '/')}`) : new URL('../dist/', import.meta.url);

/** A module of sgbridge's build, typed as its source. */
async function built<T>(path: string): Promise<T> {
  const url = new URL(path, DIST);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` (npm run bench does) before the admission benchmark`);
  return (await import(url.href)) as T;
}

async function material(): Promise<{ cert: string; key: string; ca: string }> {
  const { createCa, issueServingCertificate } = await built<typeof Ca>('tls/ca.js');
  const ca = createCa();
  const serving = issueServingCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] });
  return { cert: serving.cert, key: serving.key, ca: ca.cert };
}

async function baseline(tls: { cert: string; key: string }): Promise<number> {
  const fixed = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'fixed', allowed: true } });
  const server = createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(fixed);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** sgbridge's admission server as `serve` builds it, on the example inventory without a cluster. */
async function sgbridge(tls: { cert: string; key: string; ca: string }): Promise<number> {
  const { buildApp } = await built<typeof App>('admission/app.js');
  const { webhookHandlers } = await built<typeof Handlers>('admission/handlers.js');
  const { EXAMPLE_INVENTORY, readInventoryFile } = await built<typeof InventoryFile>('aws/inventory-file.js');
  const { membershipPolicyFrom } = await built<typeof MembershipPolicy>('core/membership-policy.js');
  const { protectionContextFrom } = await built<typeof Protection>('core/protection/index.js');
  const { defaultSettings } = await built<typeof Settings>('core/settings.js');
  const { createRegistry } = await built<typeof Metrics>('metrics.js');
  const { pino } = await import('pino');
  const settings = defaultSettings();
  const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
  const policy = membershipPolicyFrom(settings, inventory);
  const protection = protectionContextFrom(settings, inventory, { membership: policy });
  const app = await buildApp({
    tls: { current: () => tls, subscribe: () => () => undefined },
    logger: pino({ level: 'warn' }, pino.destination({ dest: 2, sync: false })),
    registry: createRegistry(),
    handlers: webhookHandlers(() => policy, () => protection),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as { port: number }).port;
}

const role = process.env.SGBRIDGE_BENCH_ROLE as Role | undefined;
if (role !== 'sgbridge' && role !== 'baseline') throw new Error('SGBRIDGE_BENCH_ROLE must be sgbridge or baseline (bench/admission.bench.ts starts this file)');
const tls = await material();
const port = role === 'baseline' ? await baseline(tls) : await sgbridge(tls);
// The parent going away (or disconnecting) ends this server.
process.on('disconnect', () => process.exit(0));
// CPU time used so far, asked for around each run: a per-request cost that noisy neighbours on a
// shared machine distort far less than throughput. And the peak resident memory so far (hostile
// benchmark).
process.on('message', (m: unknown) => {
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  } else if (m === 'memory') {
    process.send?.({ maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage.rss() });
  }
});
process.send?.({ port });
