// `sgbridge serve`: the admission webhooks over HTTPS, plus (when a cluster is reachable) the
// namespace allow-list cache and the cluster parts (syncer, leader election) through one seam.
// With no flags at all it serves the tutorial VPC on https://127.0.0.1:8443 with certificates
// made under certs/ on first run, and prints how to try it.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { buildApp, type AdmissionApp } from '../admission/app.js';
import { NO_NAMESPACE_FACTS, webhookHandlers } from '../admission/handlers.js';
import { loadInventory } from '../aws/source.js';
import type { ClusterNode, Inventory } from '../core/inventory.js';
import { MembershipPolicySource } from '../core/membership-policy.js';
import { protectionContextFrom, tierFactsFrom } from '../core/protection/index.js';
import { SETTING_DEFS, type SettingName, type Settings } from '../core/settings.js';
import { nodeCache } from '../kube/cluster-caches.js';
import { loadClusterConfig } from '../kube/client.js';
import { NamespaceCache } from '../kube/namespaces.js';
import { TierWatch } from '../kube/tier-watch.js';
import { SecurityGroupPolicyCaches } from '../kube/security-group-policy-caches.js';
import type { WatchCache } from '../kube/watch-cache.js';
import { startClusterCertificates, type ClusterCertificates } from '../sync/cert-manager.js';
import { startSyncer } from '../sync/syncer.js';
import { createLogger, type Logger } from '../log.js';
import { createRegistry } from '../metrics.js';
import { fileTlsSource } from '../tls/file-source.js';
import { ensureLocalCertificates, FILES } from '../tls/local.js';
import type { TlsSource } from '../tls/material.js';
import { addSettingOptions, settingsFrom } from './options.js';
import { renderToFile } from './render.js';

export const EXAMPLE_REVIEW = fileURLToPath(new URL('../../examples/admission-review.json', import.meta.url));

/** What serve has built, handed to the cluster parts (the syncer) when a cluster is reachable. */
export interface ServePieces {
  settings: Settings;
  kubeConfig: KubeConfig;
  inventory: () => Inventory;
  /** Swap in a newer inventory (e.g. read by a sync round): both webhooks use it at once. */
  setInventory: (inventory: Inventory) => void;
  registry: Registry;
  logger: Logger;
  app: AdmissionApp;
  namespaces: NamespaceCache;
  /** The cluster's Nodes (watch-fed): the membership policy's node facts; the syncer reads the same cache. */
  nodes: WatchCache<ClusterNode>;
  /** The one membership policy both webhooks and the relabeller use. */
  membership: MembershipPolicySource;
  /** The certificate Secret loop, when serving from the Secret (tlsSecret). */
  certificates?: ClusterCertificates;
}

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * The seam for everything that needs a cluster beyond the namespace cache: the syncer, leader
 * election, certificate rotation. Called once the server listens, only when a cluster is reachable.
 */
export type ClusterParts = (pieces: ServePieces) => Promise<Stoppable>;

/** Admission only (tests, and callers that bring their own cluster parts). */
export const admissionOnly: ClusterParts = async () => ({ stop: async () => undefined });

/**
 * What `sgbridge serve` runs in a cluster: the leader-elected syncer, whose full inventory reads
 * feed both webhooks, and whose leadership also decides who renews the certificates.
 */
export const syncerParts: ClusterParts = async (p) => {
  const syncer = startSyncer({ kubeConfig: p.kubeConfig, settings: p.settings, log: p.logger, registry: p.registry, onInventory: p.setInventory, membership: p.membership, shared: { nodes: p.nodes, namespaces: p.namespaces.cache } });
  p.certificates?.setLeader(() => syncer.elector.isLeader());
  return { stop: () => syncer.stop() };
};

export interface ServeOptions {
  settings: Settings;
  /** Write the rendered example Calico objects here (npm start). */
  renderTo?: string;
  logger?: Logger;
  registry?: Registry;
  /** undefined = look for one by the standard rules; null = run without a cluster. */
  kubeConfig?: KubeConfig | null;
  clusterParts?: ClusterParts;
  /** Where to print the "try it" text (default: stdout). */
  out?: (text: string) => void;
}

export interface RunningServe {
  url: string;
  port: number;
  app: AdmissionApp;
  tls: TlsSource;
  stop(): Promise<void>;
}

/** Certificates: a directory with all three files is used as it is (a mounted Secret); otherwise, or for the default local dir, they are made or renewed there. */
async function tlsFor(settings: Settings, logger: Logger): Promise<TlsSource> {
  const dir = settings.tlsDir;
  const complete = [FILES.cert, FILES.key, FILES.ca].every((f) => existsSync(join(dir, f)));
  if (!complete || dir === SETTING_DEFS.tlsDir.default) {
    const { created, reason } = await ensureLocalCertificates(dir, { dns: settings.tlsDns, ips: settings.tlsIps });
    if (created) logger.info({ dir, reason }, 'made local TLS certificates');
  }
  return fileTlsSource(dir, { onRejected: (problems) => logger.error({ dir, problems }, 'new TLS files refused; still serving the previous certificate') });
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export function tryItText(settings: Settings, url: string): string {
  const ca = join(settings.tlsDir, FILES.ca);
  const near = relative(process.cwd(), EXAMPLE_REVIEW);
  const review = near && !near.startsWith('..') ? near : EXAMPLE_REVIEW;
  return [
    `sgbridge is serving the admission webhooks on ${url} (POST /mutate, /validate; GET /healthz, /readyz, /metrics)`,
    `try it: post a pod CREATE that names sg-98765432109876 and decode the JSONPatch it gets back:`,
    `  curl -s --cacert ${ca} ${url}/mutate -H 'content-type: application/json' --data @${review} | jq -r .response.patch | base64 -d`,
    `register it with a cluster: sgbridge webhook-config --url ${url} --ca-file ${ca} | kubectl apply -f -`,
    '',
  ].join('\n');
}

export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const { settings } = opts;
  const logger = opts.logger ?? createLogger(settings.logLevel);
  const registry = opts.registry ?? createRegistry();
  const out = opts.out ?? ((text: string) => void process.stdout.write(text));

  let inventory = await loadInventory(settings);
  // One membership policy (issue 23): from the inventory and, once a cluster is reachable, its
  // Nodes; the validating webhook's rule 6 gets the same policy object.
  const membership = new MembershipPolicySource(settings, { inventory });
  let protection = protectionContextFrom(settings, inventory, { membership: membership.current });
  membership.onChange((policy) => (protection = protectionContextFrom(settings, inventory, { membership: policy })));
  const setInventory = (next: Inventory) => {
    inventory = next;
    if (!membership.update({ inventory: next })) protection = protectionContextFrom(settings, next, { membership: membership.current });
  };

  if (opts.renderTo) {
    const summary = await renderToFile(settings, opts.renderTo);
    out(`wrote the Calico objects for the inventory to ${opts.renderTo} (${summary})\n`);
  }

  const kubeConfig = opts.kubeConfig === null ? undefined : (opts.kubeConfig ?? loadClusterConfig());
  const namespaces = kubeConfig ? new NamespaceCache(kubeConfig, { logger }) : undefined;
  const nodes = kubeConfig ? nodeCache(kubeConfig, { log: logger }) : undefined;
  if (nodes) {
    // unannotated pods get the groups of the cluster's nodes: the policy follows them
    const follow = () => membership.update({ clusterNodes: [...nodes.values()] });
    nodes.onChange(follow);
    void nodes.synced().then(follow);
    void nodes.start();
  }
  // every replica answers admission, so every replica watches the tiers (rule 3 places policies by them)
  const tierWatch = kubeConfig ? new TierWatch(kubeConfig, { log: logger }) : undefined;
  tierWatch?.start();
  // SecurityGroupPolicies (setting securityGroupPolicies): membership reads them from these caches
  const policies = kubeConfig && settings.securityGroupPolicies ? SecurityGroupPolicyCaches.create(kubeConfig, { log: logger }) : undefined;
  if (policies) {
    membership.update({ securityGroupPolicies: policies });
    void policies.start();
  }
  if (namespaces) await namespaces.start();
  else logger.info('no cluster configured: the namespace allow-list (aws.tigera.io/allowed-security-groups) is off and the syncer does not run');

  const handlers = webhookHandlers(
    () => membership.current,
    () => protection,
    namespaces ? (ns, ctx) => namespaces.facts(ns, ctx.timeoutMs) : NO_NAMESPACE_FACTS,
    tierWatch ? () => tierFactsFrom(tierWatch.tiers()) : undefined,
  );
  const certificates =
    kubeConfig && settings.tlsSecret
      ? await startClusterCertificates(kubeConfig, { namespace: settings.namespace, serviceName: settings.serviceName, names: { dns: settings.tlsDns, ips: settings.tlsIps }, logger })
      : undefined;
  const tls = certificates?.source ?? (await tlsFor(settings, logger));
  const app = await buildApp({
    tls,
    logger,
    registry,
    handlers,
    readiness: () =>
      namespaces && !namespaces.ready
        ? { ready: false, reason: 'namespace list not loaded yet' }
        : nodes && !nodes.ready
          ? { ready: false, reason: 'node list not loaded yet (the node groups of unannotated pods come from it)' }
          : policies && !policies.ready
            ? { ready: false, reason: 'SecurityGroupPolicy or ServiceAccount list not loaded yet (pod groups come from them)' }
            : { ready: true },
  });
  await app.listen({ host: settings.listen, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const url = `https://${hostForUrl(settings.listen)}:${port}`;

  const cluster = kubeConfig && namespaces && nodes ? await (opts.clusterParts ?? admissionOnly)({ settings, kubeConfig, inventory: () => inventory, setInventory, registry, logger, app, namespaces, nodes, membership, certificates }) : undefined;
  out(tryItText(settings, url));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await cluster?.stop();
      await app.close(); // stops accepting, drains in-flight requests
      await namespaces?.stop();
      nodes?.stop();
      tierWatch?.stop();
      policies?.stop();
      if (certificates) await certificates.stop();
      else tls.close();
    })());
  return { url, port, app, tls, stop };
}

/** Every setting is a serve flag: the syncer runs inside serve. */
const SERVE_SETTINGS = Object.keys(SETTING_DEFS) as SettingName[];

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve the admission webhooks over HTTPS (TLS >= 1.2); with a reachable cluster also the namespace allow-list and the syncer')
    .addOption(new Option('--render-to <FILE>', 'also write the Calico objects the inventory calls for to FILE (YAML), as `sgbridge render` prints them'));
  addSettingOptions(cmd, SERVE_SETTINGS);
  cmd.addHelpText(
    'after',
    [
      '',
      'Without flags: https://127.0.0.1:8443, certificates made under certs/ on first run, the example VPC from examples/inventory.yaml.',
      'Cluster access follows KUBECONFIG / ~/.kube/config / in-cluster rules. Without a cluster the namespace',
      'allow-list (aws.tigera.io/allowed-security-groups) is off and only the webhooks run.',
      'SIGTERM or SIGINT: stop accepting, finish in-flight requests, then exit.',
    ].join('\n'),
  );
  cmd.action(async () => {
    const settings = settingsFrom(cmd);
    const { renderTo } = cmd.opts<{ renderTo?: string }>();
    const running = await startServe({ settings, renderTo, clusterParts: syncerParts });
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) process.exit(1); // a second signal: stop waiting
      signalled = true;
      process.stderr.write(`sgbridge serve: ${signal}, draining in-flight requests\n`);
      void running.stop().then(() => process.exit(0));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
