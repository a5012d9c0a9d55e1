// The admission server: a fastify plugin with the webhook routes, health, readiness and metrics,
// and buildApp(), which wraps it in an HTTPS-only fastify instance (TLS >= 1.2) whose certificate
// follows the TLS source without a restart. A request's way: route → decode → handler (core
// decision) → encode → reply.
import Fastify, { LogController, type FastifyError, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import sjson from 'secure-json-parse';
import type { Registry } from 'prom-client';
import type { AdmissionRequest, Decision } from '../core/admission-types.js';
import { BodyError, makeJsonBodyParser } from './json-body.js';
import { admissionMetrics, type AdmissionMetrics, type Outcome } from './metrics.js';
import { decodeReview, encodeResponse, parseTimeoutQuery } from './review.js';

export const BODY_LIMIT = 7 * 1024 * 1024;

/** What a handler may know besides the request: the time the apiserver waits (from ?timeout=). */
export interface HandlerContext {
  timeoutMs?: number;
}
export type AdmissionHandler = (request: AdmissionRequest, ctx: HandlerContext) => Decision | Promise<Decision>;

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
  /** Webhook path ('/mutate', '/validate') → handler. */
  handlers: Record<string, AdmissionHandler>;
  registry: Registry;
  /** Called by GET /readyz; absent means ready once listening. */
  readiness?: () => Readiness;
}

export interface AdmissionAppOptions extends AdmissionPluginOptions {
  tls: TlsMaterialSource;
  logger: Logger;
  /** Server timeouts in ms; the defaults suit an apiserver that waits at most 30 s. */
  timeouts?: { request?: number; connection?: number; keepAlive?: number };
}

const webhookName = (path: string) => path.replace(/^\//, '');

function userOf(request: AdmissionRequest): string {
  return request.userInfo.username ?? '(unknown)';
}

function resourceOf(request: AdmissionRequest): string {
  const r = request.resource;
  const gvr = `${r.group ? `${r.group}/` : ''}${r.version}/${r.resource}${request.subResource ? `/${request.subResource}` : ''}`;
  const name = request.name ?? (request.object?.metadata?.generateName ? `${request.object.metadata.generateName}*` : '');
  return `${gvr} ${request.namespace ? `${request.namespace}/` : ''}${name}`.trim();
}

function outcomeOf(decision: Decision): Outcome {
  if (!decision.allowed) return 'denied';
  return decision.patch && decision.patch.length > 0 ? 'patched' : 'allowed';
}

function sendError(reply: FastifyReply, statusCode: number, message: string, field?: string) {
  const error = statusCode === 413 ? 'Payload Too Large' : statusCode >= 500 ? 'Internal Server Error' : 'Bad Request';
  return reply.code(statusCode).send({ statusCode, error, message, ...(field ? { field } : {}) });
}

function webhookRoute(path: string, handler: AdmissionHandler, metrics: AdmissionMetrics) {
  const webhook = webhookName(path);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const decoded = decodeReview(req.body);
    if (!decoded.ok) {
      metrics.observe(webhook, 'unknown', 'invalid', reply.elapsedTime / 1000);
      req.log.warn({ webhook, field: decoded.field, problem: decoded.message }, 'invalid admission request');
      return sendError(reply, 400, decoded.message, decoded.field);
    }
    const request = decoded.request;
    let decision: Decision;
    try {
      // The pod decision is usually synchronous: awaiting only a real promise saves a microtask turn per request.
      const result = handler(request, { timeoutMs: parseTimeoutQuery(req.query) });
      decision = result instanceof Promise ? await result : result;
    } catch (err) {
      metrics.observe(webhook, request.operation, 'error', reply.elapsedTime / 1000);
      req.log.error({ webhook, uid: request.uid, err }, 'admission handler failed');
      return sendError(reply, 500, `sgbridge could not decide on request ${request.uid}: ${(err as Error).message}`);
    }
    if (!decision.allowed) {
      req.log.info(
        { webhook, uid: request.uid, user: userOf(request), operation: request.operation, resource: resourceOf(request), dryRun: request.dryRun === true, reason: decision.message },
        'admission denied',
      );
    }
    metrics.observe(webhook, request.operation, outcomeOf(decision), reply.elapsedTime / 1000);
    return reply.send(encodeResponse(request.uid, decision));
  };
}

/** Routes: POST per webhook path, GET /healthz, /readyz, /metrics. Encapsulated: its body parser and error handler apply to its routes only. */
export const admissionPlugin: FastifyPluginAsync<AdmissionPluginOptions> = async (app, opts) => {
  const metrics = admissionMetrics(opts.registry);
  const parse = makeJsonBodyParser((text) => sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) as unknown);

  const parser = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      done(null, parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  };
  app.removeAllContentTypeParsers();
  // application/json is what the apiserver sends (an exact match is fastify's fast path); any
  // other content type is read the same way and refused by the codec if it is not JSON.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, parser);
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, parser);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const path = req.routeOptions.url ?? '';
    const statusCode = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (path in opts.handlers) metrics.observe(webhookName(path), 'unknown', statusCode < 500 ? 'invalid' : 'error', reply.elapsedTime / 1000);
    if (statusCode === 413) return sendError(reply, 413, `body: larger than the ${BODY_LIMIT / 1024 / 1024} MiB limit`, 'body');
    if (err instanceof BodyError) return sendError(reply, 400, err.message, err.field);
    if (statusCode < 500) return sendError(reply, statusCode, err.message);
    req.log.error({ err }, 'request failed');
    return sendError(reply, 500, 'internal error');
  });

  for (const [path, handler] of Object.entries(opts.handlers)) app.post(path, webhookRoute(path, handler, metrics));

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
  const app = Fastify({
    https: {
      cert: material.cert,
      key: material.key,
      minVersion: 'TLSv1.2',
      // Node enforces requestTimeout only when given to the constructor (fastify sets it later,
      // which is too late), and checks it every connectionsCheckingInterval (30 s by default).
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.max(250, Math.min(1000, requestTimeout / 4)),
    },
    loggerInstance: opts.logger,
    // One line per denial and per error is logged by the routes; no per-request access log.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (measurable at thousands of requests/s): lines carry the uid.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT,
    // Slow-loris: the whole request must arrive within `request` ms, and an idle socket closes.
    requestTimeout,
    connectionTimeout: t.connection ?? 60_000,
    keepAliveTimeout: t.keepAlive ?? 65_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const metrics = admissionMetrics(opts.registry);
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
  await app.register(admissionPlugin, { handlers: opts.handlers, registry: opts.registry, readiness: opts.readiness });
  return app;
}

export type AdmissionApp = Awaited<ReturnType<typeof buildApp>>;
