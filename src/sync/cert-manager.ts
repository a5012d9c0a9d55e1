// Certificates that look after themselves in a cluster (SPEC §5, issue 7): the certificate Secret
// is made on first start by whichever replica gets there first; from then on only the leader
// renews it (serving certificate 30 days before expiry, CA a year before), keeps the caBundle of
// both webhook configurations in step (and repairs it when it drifts), and every replica serves
// whatever the Secret holds, reloaded without a restart.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CertSecretStore, certSecretName, type CertSecretData, type StoredSecret } from '../kube/cert-secret.js';
import { WebhookCaBundleInjector, type InjectResult } from '../kube/webhook-cabundle.js';
import type { TlsSource } from '../tls/material.js';
import { applyRotation, DEFAULT_ROTATION, planRotation, type Names, type RotationPolicy, type RotationStep } from '../tls/rotation.js';
import { secretTlsSource } from '../tls/secret-source.js';

export interface CertSecretPort {
  read(): Promise<StoredSecret | undefined>;
  create(data: Required<CertSecretData>): Promise<'created' | 'exists'>;
  replace(data: Required<CertSecretData>, resourceVersion: string): Promise<'replaced' | 'conflict'>;
}

export interface CaBundlePort {
  inject(caBundle: string): Promise<InjectResult>;
  /** What the webhook configurations hold now (base64 caBundles per webhook). */
  read?(): Promise<{ webhooks?: { caBundle?: string }[] }[]>;
}

type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface CertManagerDeps {
  secret: CertSecretPort;
  webhooks: CaBundlePort;
  isLeader: () => boolean;
  names: Names;
  policy?: RotationPolicy;
  /** Time between rounds in ms (default 30 000): also how fast a drifted caBundle is repaired. */
  intervalMs?: number;
  /**
   * How long a CA bundle must have been in the webhook configurations before a serving
   * certificate that needs it is served (default 10 000 ms: the apiserver's configuration
   * informer picks changes up within about a second).
   */
  caPropagationMs?: number;
  now?: () => Date;
  logger?: Log;
}

export type CertRoundAction = 'not-leader' | 'none' | 'new-ca' | 'new-serving' | 'waiting' | 'conflict';

export interface CertRound {
  action: CertRoundAction;
  reason?: string;
  /** Webhook configurations whose caBundle was set this round. */
  patched: string[];
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The CAs the webhook configurations trust now (PEM), so a remade Secret keeps trusting them. */
async function trustedNow(webhooks: CaBundlePort | undefined): Promise<string> {
  if (!webhooks?.read) return '';
  try {
    const states = await webhooks.read();
    const bundles = new Set(states.flatMap((s) => (s.webhooks ?? []).map((w) => w.caBundle ?? '')));
    return [...bundles].map((b) => Buffer.from(b, 'base64').toString('utf8')).join('\n');
  } catch {
    return ''; // not allowed or not reachable: start without the old CAs
  }
}

/**
 * Makes the Secret when it does not exist yet; any replica may call it (the first create wins).
 * CAs the webhook configurations already trust stay in the new bundle while they are valid, so
 * replicas still serving a certificate from a lost Secret stay trusted until they reload.
 */
export async function bootstrapCertificates(deps: Pick<CertManagerDeps, 'secret' | 'names' | 'policy' | 'now' | 'logger'> & { webhooks?: CaBundlePort }): Promise<'created' | 'exists'> {
  if (await deps.secret.read()) return 'exists';
  const now = deps.now?.() ?? new Date();
  const step: RotationStep = { kind: 'new-ca', reason: 'no certificate Secret yet' };
  const made = applyRotation({ ca: await trustedNow(deps.webhooks) }, step, deps.names, now, deps.policy ?? DEFAULT_ROTATION);
  const result = await deps.secret.create(made);
  if (result === 'created') deps.logger?.info({ names: [...deps.names.dns, ...deps.names.ips] }, 'created the CA and serving certificate');
  return result;
}

export interface CertManager {
  /** Starts the loop: a round now, then one every intervalMs (rounds do nothing unless leader). */
  start(): void;
  /** One round now (the loop calls it; tests and `sync --once` may too). */
  runOnce(): Promise<CertRound>;
  stop(): Promise<void>;
}

export function createCertManager(deps: CertManagerDeps): CertManager {
  const policy = deps.policy ?? DEFAULT_ROTATION;
  const now = () => deps.now?.() ?? new Date();
  const log = deps.logger;
  // The bundle last seen in every webhook configuration, and since when.
  let published: { bundle: string; since: number } | undefined;

  async function publish(ca: string): Promise<string[]> {
    const bundle = b64(ca);
    const result = await deps.webhooks.inject(bundle);
    if (result.patched.length > 0) log?.info({ patched: result.patched }, 'caBundle set in the webhook configurations');
    if (published?.bundle !== bundle) published = { bundle, since: now().getTime() };
    return result.patched;
  }

  async function write(stored: StoredSecret, step: RotationStep): Promise<StoredSecret | undefined> {
    const next = applyRotation(stored.data, step, deps.names, now(), policy);
    if ((await deps.secret.replace(next, stored.resourceVersion)) === 'conflict') return undefined;
    log?.info({ step: step.kind, reason: 'reason' in step ? step.reason : undefined }, step.kind === 'new-ca' ? 'new CA added to the bundle' : 'new serving certificate issued');
    return deps.secret.read();
  }

  async function round(): Promise<CertRound> {
    if (!deps.isLeader()) return { action: 'not-leader', patched: [] };
    await bootstrapCertificates({ ...deps, policy });
    let stored = await deps.secret.read();
    if (!stored) return { action: 'conflict', reason: 'the certificate Secret vanished', patched: [] };
    const patched: string[] = [];
    let action: CertRoundAction = 'none';
    let reason: string | undefined;

    let step = planRotation(stored.data, deps.names, now(), policy);
    if (step.kind === 'new-ca') {
      const after = await write(stored, step);
      if (!after) return { action: 'conflict', reason: 'the certificate Secret changed meanwhile', patched };
      stored = after;
      action = 'new-ca';
      reason = step.reason;
    }
    patched.push(...(await publish(stored.data.ca ?? '')));

    step = planRotation(stored.data, deps.names, now(), policy);
    if (step.kind === 'new-serving') {
      const waited = published ? now().getTime() - published.since : 0;
      const caPropagationMs = deps.caPropagationMs ?? 10_000;
      if (!step.urgent && waited < caPropagationMs) {
        return { action: action === 'none' ? 'waiting' : action, reason: `${step.reason}; waiting for the CA bundle to reach the apiserver`, patched };
      }
      const after = await write(stored, step);
      if (!after) return { action: 'conflict', reason: 'the certificate Secret changed meanwhile', patched };
      patched.push(...(await publish(after.data.ca ?? '')));
      return { action: 'new-serving', reason: step.reason, patched };
    }
    return { action, reason, patched };
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<CertRound> | undefined;
  let stopped = false;
  let started = false;

  const runOnce = (): Promise<CertRound> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = () => {
    if (stopped) return;
    runOnce()
      .catch((err: unknown) => {
        log?.error({ err }, 'certificate round failed; trying again next round');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.intervalMs ?? 30_000);
      });
  };
  return {
    start() {
      if (started || stopped) return;
      started = true;
      tick();
    },
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

export interface ClusterCertificatesOptions {
  namespace: string;
  serviceName: string;
  names: Names;
  /** Who leads; may be handed in later with setLeader (until then: not the leader). */
  isLeader?: () => boolean;
  logger?: Log;
  policy?: RotationPolicy;
  intervalMs?: number;
  caPropagationMs?: number;
  /** How often each replica re-reads the Secret (default 10 000 ms). */
  reloadMs?: number;
}

export interface ClusterCertificates {
  /** What the admission server serves from (buildApp's tls). */
  source: TlsSource;
  manager: CertManager;
  /** Hands in the leader election once it exists (the syncer's elector.isLeader). */
  setLeader(isLeader: () => boolean): void;
  /** Stops the loop, then closes the source. */
  stop(): Promise<void>;
}

/**
 * What `serve` needs in a cluster: the TLS source every replica serves from (after making the
 * Secret if nobody has yet) and the leader's certificate loop.
 */
export async function startClusterCertificates(kc: KubeConfig, opts: ClusterCertificatesOptions): Promise<ClusterCertificates> {
  let leader = opts.isLeader ?? (() => false);
  const secret = new CertSecretStore(kc, opts.namespace, certSecretName(opts.serviceName));
  const webhooks = new WebhookCaBundleInjector(kc, opts.serviceName);
  await bootstrapCertificates({ secret, webhooks, names: opts.names, policy: opts.policy, logger: opts.logger });
  const source = await secretTlsSource(async () => (await secret.read())?.data, {
    pollMs: opts.reloadMs,
    onProblem: (problem) => opts.logger?.warn({ secret: `${opts.namespace}/${secret.name}`, problem }, 'certificate Secret not usable'),
  });
  const manager = createCertManager({ secret, webhooks, isLeader: () => leader(), names: opts.names, policy: opts.policy, intervalMs: opts.intervalMs, caPropagationMs: opts.caPropagationMs, logger: opts.logger });
  manager.start();
  return {
    source,
    manager,
    setLeader(isLeader) {
      leader = isLeader;
    },
    async stop() {
      await manager.stop();
      source.close();
    },
  };
}
