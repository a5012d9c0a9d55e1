// The two servers of the admission benchmark, one per child process (SGBRIDGE_BENCH_ROLE):
// sgbridge's admission server and the baseline, a plain Node `https` server that parses the body
// and returns a fixed allowed response. SGBRIDGE_BENCH_POLICIES=N starts sgbridge with the setting
// securityGroupPolicies on and N SecurityGroupPolicies in the pod sample's namespace (benchPolicies), held as serve holds its watch-fed cache: compiled and indexed once.
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
import type * as Sgp from '../src/core/security-group-policy/index.js';
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

/** The pod sample's ServiceAccount (the pod names none, so "default") and its labels. */
const BENCH_SERVICE_ACCOUNT = { name: 'default', labels: { team: 'demo' } };
const GROUPS = ['sg-98765432109876', 'sg-0d8b7c6a5e4f30211', 'sg-12345678901234', 'sg-0c1d2e3f405162738'];

/**
 * `count` SecurityGroupPolicies in `namespace`, a mix as a large namespace has them: four select the
 * pod sample (app=pod-tester, ServiceAccount default labelled team=demo) by each kind of selector;
 * the rest select other workloads by podSelector (matchLabels, In with Exists),
 * serviceAccountSelector, both, and one in a hundred by Exists alone, which no label value indexes (tried on every pod).
 */
function benchPolicies(namespace: string, count: number): unknown[] {
  const policy = (name: string, spec: Record<string, unknown>, group: string) => ({ apiVersion: 'vpcresources.k8s.aws/v1beta1', kind: 'SecurityGroupPolicy', metadata: { name, namespace }, spec: { ...spec, securityGroups: { groupIds: [group] } } });
  const matching = [
    policy('match-pod-labels', { podSelector: { matchLabels: { app: 'pod-tester' } } }, GROUPS[0]!),
    policy('match-pod-expression', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['pod-tester', 'web'] }] } }, GROUPS[1]!),
    policy('match-service-account', { serviceAccountSelector: { matchLabels: { team: 'demo' } } }, GROUPS[2]!),
    policy('match-both', { podSelector: {}, serviceAccountSelector: { matchLabels: { team: 'demo' } } }, GROUPS[3]!),
  ].slice(0, count);
  const others: unknown[] = [];
  for (let i = matching.length; i < count; i++) {
    const group = GROUPS[i % GROUPS.length]!;
    const app = `svc-${i}`;
    const kind = i % 20;
    if (i % 100 === 99) others.push(policy(`other-${i}`, { podSelector: { matchExpressions: [{ key: `feature-${i}`, operator: 'Exists' }] } }, group));
    else if (kind >= 16) others.push(policy(`other-${i}`, { podSelector: { matchLabels: { app } }, serviceAccountSelector: { matchLabels: { team: 'demo' } } }, group));
    else if (kind >= 13) others.push(policy(`other-${i}`, { serviceAccountSelector: { matchLabels: { team: `team-${i}` } } }, group));
    else if (kind >= 10) others.push(policy(`other-${i}`, { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [app, `${app}-canary`] }, { key: 'tier', operator: 'Exists' }] } }, group));
    else others.push(policy(`other-${i}`, { podSelector: { matchLabels: { app, 'pod-template-hash': '685dddb8' } } }, group));
  }
  return [...matching, ...others];
}

/** The policy source serve's caches would hold after listing `count` policies in `namespace`: compiled and indexed once. */
async function policySource(namespace: string, count: number): Promise<Sgp.PolicyMembershipSource> {
  const { compilePolicy, indexPolicies, staticPolicySource } = await built<typeof Sgp>('core/security-group-policy/index.js');
  const compiled = benchPolicies(namespace, count).map((p) => compilePolicy(p));
  const invalid = compiled.find((p) => !p.valid);
  if (invalid && !invalid.valid) throw new Error(`bench policy ${invalid.ref.name} is invalid: ${invalid.reason}`);
  const byNamespace = new Map(count ? [[namespace, indexPolicies(namespace, compiled)]] : []);
  return staticPolicySource(byNamespace, new Map([[`${namespace}/${BENCH_SERVICE_ACCOUNT.name}`, BENCH_SERVICE_ACCOUNT.labels]]));
}

/**
 * sgbridge's admission server as `serve` builds it, on the example inventory without a cluster;
 * with `policies` set, the setting securityGroupPolicies on and that many policies in `namespace`.
 */
async function sgbridge(tls: { cert: string; key: string; ca: string }, policies: { namespace: string; count: number } | undefined): Promise<number> {
  const { buildApp } = await built<typeof App>('admission/app.js');
  const { webhookHandlers } = await built<typeof Handlers>('admission/handlers.js');
  const { EXAMPLE_INVENTORY, readInventoryFile } = await built<typeof InventoryFile>('aws/inventory-file.js');
  const { membershipPolicyOf } = await built<typeof MembershipPolicy>('core/membership-policy.js');
  const { protectionContextFrom } = await built<typeof Protection>('core/protection/index.js');
  const { defaultSettings } = await built<typeof Settings>('core/settings.js');
  const { createRegistry } = await built<typeof Metrics>('metrics.js');
  const { pino } = await import('pino');
  const settings = { ...defaultSettings(), securityGroupPolicies: policies !== undefined };
  const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
  const policy = membershipPolicyOf(settings, { inventory, clusterNodes: inventory.nodes ?? [], ...(policies ? { securityGroupPolicies: await policySource(policies.namespace, policies.count) } : {}) });
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
const count = process.env.SGBRIDGE_BENCH_POLICIES;
if (count !== undefined && !/^\d+$/.test(count)) throw new Error(`SGBRIDGE_BENCH_POLICIES must be a number of policies, got ${JSON.stringify(count)}`);
const tls = await material();
const port = role === 'baseline' ? await baseline(tls) : await sgbridge(tls, count === undefined ? undefined : { namespace: process.env.SGBRIDGE_BENCH_POLICY_NAMESPACE ?? 'default', count: Number(count) });
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
