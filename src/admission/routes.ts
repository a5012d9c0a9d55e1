// The server's five routes and every answer it gives: POST per webhook path (/mutate, /validate),
// GET /healthz, /readyz and /metrics. A webhook call goes socket → body (within the limit and the
// body budget) → JSON parse → exchange (decode → the core's decision → encode) → answer, in this
// file alone; the bad bodies (400), oversized ones (413), failures (500) and calls while the
// server drains (503) are answered here too, each with the JSON error body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { readBody, declaredLength } from './body.js';
import type { BodyBudget } from './body-budget.js';
import { BodyError } from './json-body.js';
import { timeoutFromUrl } from './review.js';
import { errorBody, JSON_CONTENT_TYPE, type ExchangeContext, type Webhook, type WebhookAnswer, type WebhookLog } from './webhook.js';

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface RoutesOptions {
  /** Webhook path ('/mutate', '/validate') → its exchange. */
  webhooks: ReadonlyMap<string, Webhook>;
  registry: Registry;
  /** Called by GET /readyz; absent means ready once listening. */
  readiness?: () => Readiness;
  /** Text → JSON value; throws BodyError for a body it refuses. */
  parse(text: string): unknown;
  bodyLimit: number;
  budget: BodyBudget;
  /** True once the server drains: new calls are answered 503. */
  isClosing(): boolean;
  log: WebhookLog;
}

type Route = (req: IncomingMessage, res: ServerResponse, url: string) => void;

/** A request's context; its timeout is read from the URL only if a handler asks (few do). */
class RequestContext implements ExchangeContext {
  constructor(
    private readonly url: string,
    private readonly started: number,
  ) {}

  get timeoutMs(): number | undefined {
    return timeoutFromUrl(this.url);
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}

/** The request handler of the HTTPS server. */
export function admissionRoutes(opts: RoutesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { webhooks, parse, bodyLimit, budget, log } = opts;
  const tooLarge = `body: larger than the ${bodyLimit / 1024 / 1024} MiB limit`;
  // While draining, every answer closes its connection, so that the server's close ends.
  const write = (res: ServerResponse, statusCode: number, body: string, contentType = JSON_CONTENT_TYPE): void => {
    const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
    if (opts.isClosing()) headers.connection = 'close';
    res.writeHead(statusCode, headers).end(body);
  };
  const answer = (res: ServerResponse, a: WebhookAnswer) => write(res, a.statusCode, a.body);

  const webhookRoute = (webhook: Webhook): Route => (req, res, url) => {
    const ctx = new RequestContext(url, performance.now());
    const fail = (err: unknown) => {
      log.error({ webhook: webhook.name, err }, 'request failed');
      if (!res.headersSent) answer(res, webhook.refuse(500, 'internal error', undefined, ctx));
    };
    const decide = (text: string) => {
      let body: unknown;
      try {
        body = parse(text);
      } catch (err) {
        if (!(err instanceof BodyError)) throw err;
        return answer(res, webhook.refuse(400, err.message, err.field, ctx));
      }
      const a = webhook.answer(body, ctx);
      if (a instanceof Promise) a.then((done) => answer(res, done), fail);
      else answer(res, a);
    };
    const length = declaredLength(req);
    // Refused by its Content-Length, before any of it is read or any budget is taken.
    if (length !== undefined && length > bodyLimit) return answer(res, webhook.refuse(413, tooLarge, 'body', ctx));
    let release: (() => void) | undefined;
    const withdraw = budget.reserve(length ?? bodyLimit, (r) => {
      release = r;
      readBody(req, length, bodyLimit, (result) => {
        try {
          if (result.ok) decide(result.text);
          else answer(res, webhook.refuse(413, tooLarge, 'body', ctx));
        } catch (err) {
          fail(err);
        }
      });
    });
    // The bytes return once the answer is sent or the client has gone; a request still waiting
    // (the client gone, or a request timeout) gives up its place.
    res.once('close', () => (release ? release() : withdraw()));
  };

  const healthz: Route = (_req, res) => write(res, 200, JSON.stringify({ status: 'ok' }));
  const readyz: Route = (_req, res) => {
    const state = opts.readiness?.() ?? { ready: true };
    write(res, state.ready ? 200 : 503, JSON.stringify({ status: state.ready ? 'ready' : 'not ready', ...(state.reason ? { reason: state.reason } : {}) }));
  };
  const metrics: Route = (_req, res) => {
    opts.registry.metrics().then(
      (text) => write(res, 200, text, opts.registry.contentType),
      (err: unknown) => {
        log.error({ err }, 'request failed');
        write(res, 500, errorBody(500, 'internal error'));
      },
    );
  };

  const routes = new Map<string, { method: string; route: Route }>();
  for (const [path, webhook] of webhooks) routes.set(path, { method: 'POST', route: webhookRoute(webhook) });
  routes.set('/healthz', { method: 'GET', route: healthz });
  routes.set('/readyz', { method: 'GET', route: readyz });
  routes.set('/metrics', { method: 'GET', route: metrics });

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const found = routes.get(path);
    if (!found) return write(res, 404, errorBody(404, `no route ${req.method ?? ''} ${path}`));
    // HEAD is GET without the body (Node leaves the body out of the answer).
    if (req.method !== found.method && !(found.method === 'GET' && req.method === 'HEAD')) {
      res.setHeader('allow', found.method);
      return write(res, 405, errorBody(405, `${path} answers ${found.method} only`));
    }
    if (opts.isClosing()) return write(res, 503, errorBody(503, 'sgbridge is shutting down'));
    found.route(req, res, url);
  };
}
