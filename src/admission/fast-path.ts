// The webhook fast path: the HTTPS server hands every request here before fastify, and the
// ordinary apiserver call (POST of an application/json AdmissionReview with a Content-Length
// within the body limit, to a webhook path, while not shutting down) is answered directly through
// the same Webhook exchange the fastify route uses. Everything else — other paths and methods,
// other content types, chunked or oversized bodies, requests during shutdown — returns false and
// goes to fastify unchanged, which answers it as before (404, 413, 503, ...).
//
// Why: fastify's routing, request/reply objects and body-parsing machinery cost about as much per
// request as sgbridge's own decision; skipping them for the one hot call cuts the server's CPU per
// request by a tenth or more (docs/admission.md#benchmark). Timeouts stay with Node's server
// (requestTimeout answers a body that never finishes with 408), as they do for fastify.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { BodyError } from './json-body.js';
import { timeoutFromUrl } from './review.js';
import { JSON_CONTENT_TYPE, type ExchangeContext, type Webhook, type WebhookAnswer, type WebhookLog } from './webhook.js';

export interface FastPathOptions {
  /** Webhook path ('/mutate') → its exchange. */
  webhooks: ReadonlyMap<string, Webhook>;
  /** Text → JSON value; throws BodyError for a body it refuses. */
  parse(text: string): unknown;
  bodyLimit: number;
  /** True once the server is shutting down: fastify then answers 503. */
  isClosing(): boolean;
  log: WebhookLog;
}

export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && (contentType === 'application/json' || contentType.toLowerCase().startsWith('application/json;'));
}

/**
 * Content-Type and Content-Length from the raw header list: reading `req.headers` would build the
 * whole headers object, a cost fastify pays anyway but the fast path need not. A repeated header
 * gives undefined, so such a request goes to fastify.
 */
function bodyHeaders(raw: string[]): { type?: string; length?: string } {
  let type: string | undefined;
  let length: string | undefined;
  let repeated = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && name.toLowerCase() === 'content-type') {
      repeated ||= type !== undefined;
      type = raw[i + 1];
    } else if (name.length === 14 && name.toLowerCase() === 'content-length') {
      repeated ||= length !== undefined;
      length = raw[i + 1];
    }
  }
  return repeated ? {} : { type, length };
}

function write(res: ServerResponse, answer: WebhookAnswer): void {
  res.writeHead(answer.statusCode, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(answer.body) }).end(answer.body);
}

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

export function webhookFastPath(opts: FastPathOptions): FastPath {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const webhook = opts.webhooks.get(q === -1 ? url : url.slice(0, q));
    if (!webhook) return false;
    const headers = bodyHeaders(req.rawHeaders);
    const length = Number(headers.length);
    if (!isJson(headers.type) || !Number.isInteger(length) || length > opts.bodyLimit || opts.isClosing()) return false;

    const ctx = new RequestContext(url, performance.now());
    const chunks: Buffer[] = [];
    // No 'error' listener: a client that goes away mid-body leaves nothing to answer, and Node's
    // IncomingMessage emits 'error' only to listeners (a test holds it to that).
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The exchange catches handler failures itself; this is the last guard for the process.
      const fail = (err: unknown) => {
        opts.log.error({ webhook: webhook.name, err }, 'request failed');
        if (!res.headersSent) write(res, webhook.refuse(500, 'internal error', undefined, ctx));
      };
      try {
        const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
        let body: unknown;
        try {
          body = opts.parse(text);
        } catch (err) {
          if (!(err instanceof BodyError)) throw err;
          write(res, webhook.refuse(400, err.message, err.field, ctx));
          return;
        }
        const answer = webhook.answer(body, ctx);
        if (answer instanceof Promise) answer.then((a) => write(res, a), fail);
        else write(res, answer);
      } catch (err) {
        fail(err);
      }
    });
    return true;
  };
}
