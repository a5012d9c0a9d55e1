// The admission server: one node:https server (TLS >= 1.2) whose certificate follows the TLS
// source without a restart, answering the routes of routes.ts. Its limits and timeouts are set
// here, once. Why not fastify: its routing, request and reply objects and body parsing cost about
// as much per request as sgbridge's own decision, for five fixed routes that need none of its
// plugins (docs/admission.md compares the two).
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BodyBudget } from './body-budget.js';
import { parseAdmissionBody } from './json-body.js';
import { admissionMetrics } from './metrics.js';
import { admissionRoutes, type Readiness } from './routes.js';
import { createWebhook, type AdmissionHandler } from './webhook.js';

export type { AdmissionHandler, HandlerContext } from './webhook.js';
export type { Readiness } from './routes.js';

export const BODY_LIMIT = 7 * 1024 * 1024;
/**
 * Bytes of request bodies read and parsed at once (body-budget.ts): one body at the limit with
 * room for ordinary AdmissionReviews (a few KiB each) beside it, so that only large bodies wait
 * for one another. Each one held is several times its size in memory while it is parsed and
 * decided on; `npm run bench -- hostile` measures the peak.
 */
export const BODY_BUDGET = BODY_LIMIT + 1024 * 1024;

/** The shape of src/tls's TlsSource, restated so this adapter does not import another. */
export interface TlsMaterialSource {
  current(): { cert: string; key: string; ca: string };
  subscribe(listener: (m: { cert: string; key: string; ca: string }) => void): () => void;
}

export interface AdmissionAppOptions {
  /** Webhook path ('/mutate', '/validate') → handler. */
  handlers: Record<string, AdmissionHandler>;
  registry: Registry;
  /** Called by GET /readyz; absent means ready once listening. */
  readiness?: () => Readiness;
  tls: TlsMaterialSource;
  logger: Logger;
  /** Server timeouts in ms; the defaults suit an apiserver that waits at most 30 s. */
  timeouts?: { request?: number; keepAlive?: number };
  /** Bytes of bodies held at once; BODY_BUDGET unless given. */
  bodyBudget?: number;
}

export interface AdmissionApp {
  readonly server: Server;
  listen(at: { host: string; port: number }): Promise<void>;
  /** Stops accepting connections, answers 503 to new calls on open ones, and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

export async function buildApp(opts: AdmissionAppOptions): Promise<AdmissionApp> {
  const material = opts.tls.current();
  const t = opts.timeouts ?? {};
  const requestTimeout = t.request ?? 10_000;
  const https: ServerOptions = {
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    // Slow-loris: the headers and then the whole request must arrive within requestTimeout of the
    // connection or of the previous answer (else 408). Node enforces it only when given to the
    // constructor, and checks it every connectionsCheckingInterval (30 s by default).
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.max(250, Math.min(1000, requestTimeout / 4)),
    // A connection idle between requests closes after this. No socket inactivity timeout on top
    // (server.setTimeout): these two already bound every phase, and while one is set Node
    // refreshes its timer on every read and write of every request.
    keepAliveTimeout: t.keepAlive ?? 65_000,
  };
  const metrics = admissionMetrics(opts.registry);
  const webhooks = new Map(Object.entries(opts.handlers).map(([path, handler]) => [path, createWebhook(path, handler, metrics, opts.logger)]));
  let closing = false;
  const routes = admissionRoutes({
    webhooks,
    registry: opts.registry,
    readiness: opts.readiness,
    parse: parseAdmissionBody,
    bodyLimit: BODY_LIMIT,
    budget: new BodyBudget(opts.bodyBudget ?? BODY_BUDGET),
    isClosing: () => closing,
    log: opts.logger,
  });
  const server = createServer(https, routes);
  // node:https takes keepAliveTimeout as a property, not an option.
  server.keepAliveTimeout = https.keepAliveTimeout ?? 65_000;

  metrics.setCertificates(material);
  const unsubscribe = opts.tls.subscribe((next) => {
    try {
      server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
      metrics.setCertificates(next);
      opts.logger.info('serving certificate reloaded');
    } catch (err) {
      opts.logger.error({ err }, 'new TLS material refused; still serving the previous certificate');
    }
  });

  let closed: Promise<void> | undefined;
  return {
    server,
    listen: ({ host, port }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        closing = true;
        unsubscribe();
        // Answers given from now on close their connection (routes.ts); close() ends the idle
        // ones and calls back once the last connection has ended, so after every in-flight answer.
        if (!server.listening) return resolve();
        server.close(() => resolve());
      })),
  };
}
