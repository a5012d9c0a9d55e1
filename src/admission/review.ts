// AdmissionReview v1 codec: a JSON body in, an AdmissionRequest out (or a problem naming the field),
// and a Decision back into the AdmissionReview response the apiserver expects.
import type { AdmissionRequest, Decision, Operation } from '../core/admission-types.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

export type Decoded = { ok: true; request: AdmissionRequest } | { ok: false; field: string; message: string };

const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function problem(field: string, expected: string, got: unknown): Decoded {
  return { ok: false, field, message: `${field}: expected ${expected}, got ${describe(got)}` };
}

function checkStrings(obj: unknown, field: string, keys: readonly string[]): Decoded {
  if (!isObject(obj)) return problem(field, `an object with ${keys.join(', ')}`, obj);
  const key = keys.find((k) => typeof obj[k] !== 'string')!;
  return problem(`${field}.${key}`, 'a string', obj[key]);
}

// The checks below read each field by name, since in V8 a lookup by a key held in a variable is
// megamorphic, and this runs on every request; the generic checkStrings() only names the field
// once a check has failed.
function checkKind(kind: unknown): Decoded | undefined {
  return isObject(kind) && typeof kind.group === 'string' && typeof kind.version === 'string' && typeof kind.kind === 'string' ? undefined : checkStrings(kind, 'request.kind', ['group', 'version', 'kind']);
}

function checkResource(resource: unknown): Decoded | undefined {
  return isObject(resource) && typeof resource.group === 'string' && typeof resource.version === 'string' && typeof resource.resource === 'string'
    ? undefined
    : checkStrings(resource, 'request.resource', ['group', 'version', 'resource']);
}

function checkOptional(value: unknown, type: 'string' | 'boolean', field: string): Decoded | undefined {
  return value === undefined || value === null || typeof value === type ? undefined : problem(field, `a ${type}`, value);
}

/** Checks the shape of an AdmissionReview v1 request; the objects themselves are left to the handlers. */
export function decodeReview(body: unknown): Decoded {
  if (!isObject(body)) return problem('body', 'an AdmissionReview JSON object', body);
  if (body.apiVersion !== ADMISSION_API_VERSION) return problem('apiVersion', `"${ADMISSION_API_VERSION}" (configure admissionReviewVersions: [v1])`, body.apiVersion);
  if (body.kind !== ADMISSION_KIND) return problem('kind', `"${ADMISSION_KIND}"`, body.kind);
  const req = body.request;
  if (!isObject(req)) return problem('request', 'an object', req);
  if (typeof req.uid !== 'string' || req.uid === '') return problem('request.uid', 'a non-empty string', req.uid);
  const bad =
    checkKind(req.kind) ??
    checkResource(req.resource) ??
    checkOptional(req.subResource, 'string', 'request.subResource') ??
    checkOptional(req.name, 'string', 'request.name') ??
    checkOptional(req.namespace, 'string', 'request.namespace') ??
    checkOptional(req.dryRun, 'boolean', 'request.dryRun');
  if (bad) return bad;
  if (!OPERATIONS.includes(req.operation as Operation)) return problem('request.operation', OPERATIONS.join(', '), req.operation);
  const operation = req.operation as Operation;
  if (req.userInfo !== undefined && !isObject(req.userInfo)) return problem('request.userInfo', 'an object', req.userInfo);
  if ((operation === 'CREATE' || operation === 'UPDATE') && !isObject(req.object)) return problem('request.object', `an object for ${operation}`, req.object);
  if (req.object !== undefined && req.object !== null && !isObject(req.object)) return problem('request.object', 'an object or null', req.object);
  if (req.oldObject !== undefined && req.oldObject !== null && !isObject(req.oldObject)) return problem('request.oldObject', 'an object or null', req.oldObject);
  // The parsed body is the request (no copy); only a missing userInfo is filled in.
  return { ok: true, request: (req.userInfo === undefined ? { ...req, userInfo: {} } : req) as unknown as AdmissionRequest };
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: AdmissionResponse;
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 409: 'Conflict', 422: 'Invalid', 500: 'InternalError' };

/**
 * The response for a decision. A denial carries `reason` so kubectl prints "(Forbidden)"; the uid
 * is echoed, since the apiserver rejects a response whose uid does not match.
 */
export function encodeResponse(uid: string, decision: Decision): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid, allowed: decision.allowed };
  if (!decision.allowed) {
    const code = decision.code ?? 403;
    response.status = { code, reason: REASONS[code] ?? 'Forbidden', message: decision.message ?? 'denied by sgbridge' };
  } else if (decision.patch && decision.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = decision.patchBase64 ?? Buffer.from(JSON.stringify(decision.patch)).toString('base64');
  }
  if (decision.warnings && decision.warnings.length > 0) response.warnings = decision.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}

/** The apiserver appends `?timeout=10s` to the webhook URL: the time it waits for an answer. */
export function timeoutFromUrl(url: string): number | undefined {
  const q = url.indexOf('?');
  const m = q === -1 ? null : /(?:^|&)timeout=(\d+)s(?:&|$)/.exec(url.slice(q + 1));
  return m ? Number(m[1]) * 1000 : undefined;
}
