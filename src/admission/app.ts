// The admission server: a fastify plugin with the webhook routes, health, readiness and metrics,
// and buildApp(), which wraps it in an HTTPS-only fastify instance (TLS >= 1.2) whose certificate
// follows the TLS source without a restart. A request's way: route → parse → exchange (decode →
// handler's core decision → encode) → reply. The apiserver's ordinary webhook call takes the same
// exchange through the fast path in front of fastify (fast-path.ts).
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { webhookFastPath } from './fast-path.js';
import { BodyError, parseAdmissionBody } from './json-body.js';
import { admissionMetrics } from './metrics.js';
import { timeoutFromUrl } from './review.js';
import { createWebhook, errorBody, JSON_CONTENT_TYPE, type AdmissionHandler, type Webhook, type WebhookAnswer } from './webhook.js';

export type { AdmissionHandler, HandlerContext } from './webhook.js';

export const BODY_LIMIT = 7 * 1024 * 1024;

/** The shape of src/tls's TlsSource, restated so this adapter does not import another. */
export interface TlsMaterialSource {
  current(): { cert: string; key: string; ca: string };
  subscribe(listener: (m: { cert: string; key: string; ca: string }) => void): () => void;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface AdmissionPluginOptions {
  /** Webhook path ('/mutate', '/validate') → its exchange. */
  webhooks: ReadonlyMap<string, Webhook>;
  registry: Registry;
  /** Called by GET /readyz; absent means ready once listening. */
  readiness?: () => Readiness;
}

export interface AdmissionAppOptions extends Omit<AdmissionPluginOptions, 'webhooks'> {
  /** Webhook path ('/mutate', '/validate') → handler. */
  handlers: Record<string, AdmissionHandler>;
  tls: TlsMaterialSource;
  logger: Logger;
  /** Server timeouts in ms; the defaults suit an apiserver that waits at most 30 s. */
  timeouts?: { request?: number; keepAlive?: number };
}

function reply(res: FastifyReply, answer: WebhookAnswer) {
  return res.code(answer.statusCode).type(JSON_CONTENT_TYPE).send(answer.body);
}

function sendError(res: FastifyReply, statusCode: number, message: string, field?: string) {
  return reply(res, { statusCode, body: errorBody(statusCode, message, field) });
}

function webhookRoute(webhook: Webhook) {
  return (req: FastifyRequest, res: FastifyReply) => {
    const answer = webhook.answer(req.body, { timeoutMs: timeoutFromUrl(req.url), elapsedSeconds: () => res.elapsedTime / 1000 });
    return answer instanceof Promise ? answer.then((a) => reply(res, a)) : reply(res, answer);
  };
}

/** Routes: POST per webhook path, GET /healthz, /readyz, /metrics. Encapsulated: its body parser and error handler apply to its routes only. */
export const admissionPlugin: FastifyPluginAsync<AdmissionPluginOptions> = async (app, opts) => {
  const { webhooks } = opts;
  const parser = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      done(null, parseAdmissionBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  };
  app.removeAllContentTypeParsers();
  // application/json is what the apiserver sends (an exact match is fastify's fast path); any
  // other content type is read the same way and refused by the codec if it is not JSON.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, parser);
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, parser);

  app.setErrorHandler((err: FastifyError, req, res) => {
    const webhook = webhooks.get(req.routeOptions.url ?? '');
    const statusCode = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const [message, field] =
      statusCode === 413 ? [`body: larger than the ${BODY_LIMIT / 1024 / 1024} MiB limit`, 'body'] : err instanceof BodyError ? [err.message, err.field] : statusCode < 500 ? [err.message, undefined] : ['internal error', undefined];
    if (statusCode >= 500) req.log.error({ err }, 'request failed');
    if (webhook) return reply(res, webhook.refuse(statusCode, message, field, { elapsedSeconds: () => res.elapsedTime / 1000 }));
    return sendError(res, statusCode, message, field);
  });

  for (const [path, webhook] of webhooks) app.post(path, webhookRoute(webhook));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const state = opts.readiness?.() ?? { ready: true };
    return reply.code(state.ready ? 200 : 503).send({ status: state.ready ? 'ready' : 'not ready', ...(state.reason ? { reason: state.reason } : {}) });
  });
  app.get('/metrics', async (_req, reply) => reply.type(opts.registry.contentType).send(await opts.registry.metrics()));
};

/**
 * An HTTPS-only fastify instance with the admission plugin. The certificate is swapped in place
 * (setSecureContext) whenever the TLS source announces new material; in-flight connections keep
 * the old one.
 */
export async function buildApp(opts: AdmissionAppOptions) {
  const material = opts.tls.current();
  const t = opts.timeouts ?? {};
  const requestTimeout = t.request ?? 10_000;
  const https: ServerOptions = {
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    // Node enforces requestTimeout only when given to the constructor, and checks it every
    // connectionsCheckingInterval (30 s by default).
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.max(250, Math.min(1000, requestTimeout / 4)),
  };
  const metrics = admissionMetrics(opts.registry);
  // One exchange per webhook path, shared by the fastify routes and the fast path.
  const webhooks = new Map(Object.entries(opts.handlers).map(([path, handler]) => [path, createWebhook(path, handler, metrics, opts.logger)]));
  let closing = false;
  const fastPath = webhookFastPath({
    webhooks,
    parse: parseAdmissionBody,
    bodyLimit: BODY_LIMIT,
    isClosing: () => closing,
    log: opts.logger,
  });
  const app = Fastify({
    https,
    // The server fastify would make, with the webhook fast path in front of fastify's handler.
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const server = createServer(https, (req, res) => {
        if (!fastPath(req, res)) handler(req, res);
      });
      // What fastify sets on a server it makes itself. Slow-loris: the headers and then the whole
      // request must arrive within `request` ms of the connection or of the previous answer (else
      // 408), and a connection idle between requests closes after keepAlive ms. No socket
      // inactivity timeout on top (server.setTimeout; fastify's connectionTimeout is 0 too): these
      // two already bound every phase, and while it is set Node refreshes its timer on every read
      // and write of every request, a measured 5 µs of the fast path's ~80 (docs/admission.md).
      server.requestTimeout = requestTimeout;
      server.keepAliveTimeout = t.keepAlive ?? 65_000;
      return server;
    },
    loggerInstance: opts.logger,
    // One line per denial and per error is logged by the routes; no per-request access log.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (measurable at thousands of requests/s): lines carry the uid.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  // From here on new webhook calls go to fastify, which answers 503 while in-flight ones finish.
  app.addHook('preClose', async () => {
    closing = true;
  });
  metrics.setCertificates(material);
  const unsubscribe = opts.tls.subscribe((next) => {
    try {
      app.server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
      metrics.setCertificates(next);
      app.log.info('serving certificate reloaded');
    } catch (err) {
      app.log.error({ err }, 'new TLS material refused; still serving the previous certificate');
    }
  });
  app.addHook('onClose', async () => unsubscribe());
  await app.register(admissionPlugin, { webhooks, registry: opts.registry, readiness: opts.readiness });
  return app;
}

export type AdmissionApp = Awaited<ReturnType<typeof buildApp>>;
