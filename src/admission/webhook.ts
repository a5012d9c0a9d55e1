// One webhook's exchange, independent of the HTTP layer that carries it (routes.ts): a parsed body
// in, the status code and JSON text to answer with out. Decoding, the core decision, the denial
// log line and the metrics happen here.
import { STATUS_CODES } from 'node:http';
import type { LogFn } from 'pino';
import type { AdmissionRequest, Decision } from '../core/admission-types.js';
import type { AdmissionMetrics, Outcome } from './metrics.js';
import { decodeReview, encodeResponse } from './review.js';

/** What a handler may know besides the request: the time the apiserver waits (from ?timeout=). */
export interface HandlerContext {
  timeoutMs?: number;
}
export type AdmissionHandler = (request: AdmissionRequest, ctx: HandlerContext) => Decision | Promise<Decision>;

/** The log lines an exchange writes (pino's). */
export interface WebhookLog {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface WebhookAnswer {
  statusCode: number;
  /** JSON text. */
  body: string;
}

export interface ExchangeContext extends HandlerContext {
  /** Seconds since the request arrived, read when the answer is ready. */
  elapsedSeconds(): number;
}

export interface Webhook {
  /** 'mutate' for '/mutate'. */
  readonly name: string;
  answer(body: unknown, ctx: ExchangeContext): WebhookAnswer | Promise<WebhookAnswer>;
  /** An answer for a request refused before it could be decoded (unreadable body, too large). */
  refuse(statusCode: number, message: string, field: string | undefined, ctx: ExchangeContext): WebhookAnswer;
}

/** The JSON error body every non-AdmissionReview answer carries. */
export function errorBody(statusCode: number, message: string, field?: string): string {
  const error = STATUS_CODES[statusCode] ?? (statusCode >= 500 ? 'Internal Server Error' : 'Bad Request');
  return JSON.stringify({ statusCode, error, message, ...(field ? { field } : {}) });
}

export const webhookName = (path: string) => path.replace(/^\//, '');

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

export function createWebhook(path: string, handler: AdmissionHandler, allMetrics: AdmissionMetrics, log: WebhookLog): Webhook {
  const name = webhookName(path);
  const metrics = allMetrics.forWebhook(name);

  const refuse = (statusCode: number, message: string, field: string | undefined, ctx: ExchangeContext): WebhookAnswer => {
    metrics.observe('unknown', statusCode < 500 ? 'invalid' : 'error', ctx.elapsedSeconds());
    return { statusCode, body: errorBody(statusCode, message, field) };
  };

  const failed = (request: AdmissionRequest, err: unknown, ctx: ExchangeContext): WebhookAnswer => {
    metrics.observe(request.operation, 'error', ctx.elapsedSeconds());
    log.error({ webhook: name, uid: request.uid, err }, 'admission handler failed');
    return { statusCode: 500, body: errorBody(500, `sgbridge could not decide on request ${request.uid}: ${(err as Error).message}`) };
  };

  const decided = (request: AdmissionRequest, decision: Decision, ctx: ExchangeContext): WebhookAnswer => {
    if (!decision.allowed) {
      log.info(
        { webhook: name, uid: request.uid, user: userOf(request), operation: request.operation, resource: resourceOf(request), dryRun: request.dryRun === true, reason: decision.message },
        'admission denied',
      );
    }
    metrics.observe(request.operation, outcomeOf(decision), ctx.elapsedSeconds());
    return { statusCode: 200, body: JSON.stringify(encodeResponse(request.uid, decision)) };
  };

  return {
    name,
    refuse,
    answer(body, ctx) {
      const decoded = decodeReview(body);
      if (!decoded.ok) {
        log.warn({ webhook: name, field: decoded.field, problem: decoded.message }, 'invalid admission request');
        return refuse(400, decoded.message, decoded.field, ctx);
      }
      const request = decoded.request;
      let result: Decision | Promise<Decision>;
      try {
        result = handler(request, ctx);
      } catch (err) {
        return failed(request, err, ctx);
      }
      // The pod decision is usually synchronous: a real promise only when a namespace must be fetched.
      if (result instanceof Promise) {
        return result.then(
          (decision) => decided(request, decision, ctx),
          (err: unknown) => failed(request, err, ctx),
        );
      }
      return decided(request, result, ctx);
    },
  };
}
