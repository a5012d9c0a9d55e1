// kube-apiserver TEST DOUBLE (in-process, plain HTTP on 127.0.0.1:<ephemeral>), built from the
// real v1.32 exchanges in test/fixtures/kube-api-samples (see its README for the quirks reproduced).
//
// API
//   const api = await startApiServerDouble(options?)
//     options.calico           'crd' (default: crd.projectcalico.org/v1 only, as recorded) | 'v3'
//                              (projectcalico.org/v3 native CRDs only) | 'both' | 'none'
//     options.namespace        sgbridge's own namespace (default 'sgbridge-system'): where
//                              permissions with scope 'namespace' apply
//     options.permissions      what the 'sgbridge' identity may do (default: API_PERMISSIONS of
//                              src/kube/permissions.ts, read at every request)
//     options.bookmarkIntervalMs  how often watches with allowWatchBookmarks get a BOOKMARK when
//                              the store moved past their last event (default 60 000, like the server)
//     options.validate         (obj) => causes[] | undefined: a 422 Invalid when causes are returned
//                              (hook for CRD-schema validation; each cause {field, message, reason?})
//     options.securityGroupPolicies  also serve ServiceAccounts and AWS's SecurityGroupPolicy CRD
//   api.url                    http://127.0.0.1:PORT
//   api.kubeConfig(identity?)  a KubeConfig for @kubernetes/client-node. 'sgbridge' (default) is
//                              user system:serviceaccount:<ns>:sgbridge, held to options.permissions;
//                              'admin' (system:masters) may do anything: use it for "someone else".
//   Direct store access (no HTTP, no RBAC, not logged; same semantics and watch events as HTTP):
//     api.create(obj) / api.replace(obj) / api.apply(obj, manager, force?) / api.patch(ref, ops)
//     api.get(apiVersion, kind, name, namespace?) → object | undefined
//     api.list(apiVersion, kind, namespace?) → objects sorted by namespace/name
//     api.remove(apiVersion, kind, name, namespace?)   (owner-reference GC runs, synchronously)
//   Faults: api.failNext({ method?, path?: string | RegExp, status: 429 | 500 | 409, count? })
//     the next `count` (default 1) HTTP requests matching method + path prefix/regexp get that
//     status with a Status body (429 carries retry-after: 1 and details.retryAfterSeconds);
//     api.clearFaults() drops the faults not yet used up.
//   Request log: api.requests (every HTTP request: method, path, query, contentType, status,
//     identity), api.writes() (non-GET requests), api.clearRequests()
//   Watches: api.compact() (every resourceVersion so far becomes "too old": a watch from it gets
//     the 410 Expired ERROR event in a 200 stream), api.closeWatches() (server ends all streams
//     cleanly), api.pauseWatches(true|false) (streams stay open but stop delivering: the silent stop
//     client-node watches suffer), api.sendBookmarks(), api.openWatches()
//   api.revision               the store-wide resourceVersion (a number)
//   api.close()
//
// Behaviour (as recorded): status codes and Status bodies with their details.kind quirks (plural
// resource for NotFound/AlreadyExists/rv Conflict/Forbidden/delete Success; Kind for Invalid and
// precondition Conflict); list metadata (custom resources: continue "" + resourceVersion; built-in:
// resourceVersion only; items sorted by namespace/name, CR items carry apiVersion+kind),
// limit/continue paging (opaque base64 token, remainingItemCount only without selectors),
// labelSelector (=, ==, !=, in, notin, exists, !exists) and fieldSelector metadata.name/namespace;
// server-side apply (application/apply-patch+yaml, YAML or JSON body; 201 create, 200 after; a
// no-op keeps resourceVersion; the applier's previous fields it now omits are removed unless
// another manager also owns them; lists are atomic; conflicts with other managers → 409 unless
// force=true); merge-patch, json-patch (failing `test` → 422 as 042), strategic-merge (treated as
// merge); PUT with a stale resourceVersion → 409; POST of an existing name → 409 AlreadyExists;
// DELETE with preconditions uid / resourceVersion → 409, success → Status (pods and namespaces:
// the object); owner-reference garbage collection; watch (newline-delimited events, replay from a
// resourceVersion, ADDED/DELETED when an object enters/leaves a label selector, bookmarks,
// timeoutSeconds, 410 Expired as an ERROR event); discovery (/api, /api/v1, /apis, /apis/<g>/<v>;
// text/plain 404 for a group/version not served; discovery needs no permission, as in RBAC's
// system:discovery). RBAC: any request of 'sgbridge' not covered by the permissions (resource +
// verb; list vs get vs watch; namespace scope only in options.namespace) → 403 as 025/026.
import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import type { ApiPermission, Verb } from '../../src/kube/permissions.js';
import { API_PERMISSIONS } from '../../src/kube/permissions.js';

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };
type Identity = 'sgbridge' | 'admin';

export interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  /** Custom resource: list metadata has `continue`, items carry apiVersion/kind. */
  custom: boolean;
  /** metadata.generation is kept and bumped on non-metadata changes. */
  generation: boolean;
  /** DELETE answers with the object (pods, namespaces) instead of a Status. */
  deleteReturnsObject?: boolean;
}

const CALICO_KINDS: [string, string, boolean][] = [
  ['tiers', 'Tier', false],
  ['globalnetworkpolicies', 'GlobalNetworkPolicy', false],
  ['networkpolicies', 'NetworkPolicy', true],
  ['stagedglobalnetworkpolicies', 'StagedGlobalNetworkPolicy', false],
  ['stagednetworkpolicies', 'StagedNetworkPolicy', true],
  ['stagedkubernetesnetworkpolicies', 'StagedKubernetesNetworkPolicy', true],
  ['globalnetworksets', 'GlobalNetworkSet', false],
  ['networksets', 'NetworkSet', true],
  ['hostendpoints', 'HostEndpoint', false],
];

function builtin(group: string, version: string, plural: string, kind: string, namespaced: boolean, generation = false, deleteReturnsObject = false): ResourceDef {
  return { group, version, plural, singular: kind.toLowerCase(), kind, namespaced, custom: false, generation, deleteReturnsObject };
}

function resourceDefs(calico: 'crd' | 'v3' | 'both' | 'none', securityGroupPolicies = false): ResourceDef[] {
  const defs: ResourceDef[] = [
    builtin('', 'v1', 'namespaces', 'Namespace', false, false, true),
    builtin('', 'v1', 'nodes', 'Node', false),
    builtin('', 'v1', 'pods', 'Pod', true, false, true),
    builtin('', 'v1', 'secrets', 'Secret', true),
    builtin('', 'v1', 'configmaps', 'ConfigMap', true),
    builtin('', 'v1', 'events', 'Event', true),
    builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
    builtin('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, true),
    builtin('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, true),
    builtin('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, true),
  ];
  const calicoGroups: [string, string][] = [];
  if (calico === 'crd' || calico === 'both') calicoGroups.push(['crd.projectcalico.org', 'v1']);
  if (calico === 'v3' || calico === 'both') calicoGroups.push(['projectcalico.org', 'v3']);
  for (const [group, version] of calicoGroups) {
    for (const [plural, kind, namespaced] of CALICO_KINDS) {
      defs.push({ group, version, plural, singular: kind.toLowerCase(), kind, namespaced, custom: true, generation: true });
    }
  }
  if (securityGroupPolicies) {
    defs.push(builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', true));
    defs.push({ group: 'vpcresources.k8s.aws', version: 'v1beta1', plural: 'securitygrouppolicies', singular: 'securitygrouppolicy', kind: 'SecurityGroupPolicy', namespaced: true, custom: true, generation: true });
  }
  return defs;
}

export interface StatusCause {
  field: string;
  message: string;
  reason?: string;
}

export interface ApiServerDoubleOptions {
  calico?: 'crd' | 'v3' | 'both' | 'none';
  namespace?: string;
  permissions?: ApiPermission[];
  bookmarkIntervalMs?: number;
  validate?: (obj: Obj) => StatusCause[] | undefined;
  /** Also serve ServiceAccounts and AWS's SecurityGroupPolicy CRD (vpcresources.k8s.aws/v1beta1). */
  securityGroupPolicies?: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  status: number;
  identity: Identity | 'anonymous';
}

export interface Fault {
  method?: string;
  path?: string | RegExp;
  status: 429 | 500 | 409;
  count?: number;
}

interface Reply {
  status: number;
  body: unknown;
  /** body is already serialized JSON */
  json?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

interface HistoryEntry {
  rv: number;
  def: ResourceDef;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: Obj;
  prev?: Obj;
}

interface Watcher {
  def: ResourceDef;
  namespace?: string;
  selector: Requirement[];
  fields: Record<string, string>;
  lastRv: number;
  res: ServerResponse;
  bookmarks: boolean;
  timers: NodeJS.Timeout[];
}

interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  time: string;
  fields: Set<string>;
}

class ApiError extends Error {
  constructor(readonly reply: Reply) {
    super(String((reply.body as { message?: string }).message ?? reply.status));
  }
}

// ---------- Status bodies ----------

function status(code: number, reason: string | undefined, message: string, details?: Record<string, unknown>): Reply {
  const body: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message };
  if (reason) body.reason = reason;
  if (details) body.details = details;
  body.code = code;
  return { status: code, body };
}

function qualified(def: ResourceDef, useKind = false): string {
  const base = useKind ? def.kind : def.plural;
  return def.group ? `${base}.${def.group}` : base;
}

function details(def: ResourceDef, name: string | undefined, useKind = false): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (name !== undefined) d.name = name;
  if (def.group) d.group = def.group;
  d.kind = useKind ? def.kind : def.plural;
  return d;
}

const notFound = (def: ResourceDef, name: string) => status(404, 'NotFound', `${qualified(def)} "${name}" not found`, details(def, name));
const alreadyExists = (def: ResourceDef, name: string) => status(409, 'AlreadyExists', `${qualified(def)} "${name}" already exists`, details(def, name));
const staleConflict = (def: ResourceDef, name: string) =>
  status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(def, name));
const badRequest = (message: string) => status(400, 'BadRequest', message);
const invalid = (def: ResourceDef, name: string, causes: StatusCause[]) => {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const text = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return status(422, 'Invalid', `${qualified(def, true)} "${name}" is invalid: ${text}`, {
    ...details(def, name, true),
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
};

// ---------- label selectors ----------

interface Requirement {
  key: string;
  op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists';
  values: string[];
}

export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  // split on commas that are not inside parentheses
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpMatchArray | null;
    if ((m = raw.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) });
    } else if ((m = raw.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      out.push({ key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]!] });
    } else if ((m = raw.match(/^!\s*(\S+)$/))) {
      out.push({ key: m[1]!, op: 'notexists', values: [] });
    } else if ((m = raw.match(/^(\S+)$/))) {
      out.push({ key: m[1]!, op: 'exists', values: [] });
    } else {
      throw new ApiError(badRequest(`unable to parse requirement: ${raw}`));
    }
  }
  return out;
}

function matchesSelector(obj: Obj, reqs: Requirement[]): boolean {
  const labels = ((obj.metadata?.labels ?? {}) as Record<string, string>);
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.values[0];
      case 'neq':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

function parseFieldSelector(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = part.trim().match(/^([^=]+?)==?(.*)$/);
    if (!m) throw new ApiError(badRequest(`invalid field selector: ${part}`));
    if (m[1] !== 'metadata.name' && m[1] !== 'metadata.namespace') throw new ApiError(badRequest(`field label not supported: ${m[1]}`));
    out[m[1]] = m[2]!;
  }
  return out;
}

function matchesFields(obj: Obj, fields: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(fields)) {
    const actual = k === 'metadata.name' ? obj.metadata?.name : (obj.metadata?.namespace ?? '');
    if (actual !== v) return false;
  }
  return true;
}

// ---------- field ownership (a simple SSA model) ----------

const META_OWNED = ['labels', 'annotations', 'ownerReferences', 'finalizers'];
const SEP = '\u0001';

/** Lists merged by key (SSA "associative lists"), by their path with keyed segments left out. */
const KEYED_LISTS: Record<string, string> = { webhooks: 'name', 'spec.containers': 'name' };

function keyedField(path: string[]): string | undefined {
  return KEYED_LISTS[path.filter((p) => !p.startsWith('k:')).join('.')];
}

/** Leaf paths of an object (maps recurse, keyed lists recurse by key, other lists are atomic). */
function leafPaths(obj: Obj): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: string[]) => {
    const key = Array.isArray(v) ? keyedField(path) : undefined;
    if (key && (v as unknown[]).every((e) => e !== null && typeof e === 'object' && (e as Record<string, unknown>)[key] !== undefined)) {
      for (const e of v as Record<string, unknown>[]) walk(e, [...path, `k:${JSON.stringify({ [key]: e[key] })}`]);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const [k, c] of Object.entries(v as Record<string, unknown>)) walk(c, [...path, k]);
    } else out.set(path.join(SEP), v);
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      const meta = (v ?? {}) as Record<string, unknown>;
      for (const mk of META_OWNED) {
        if (meta[mk] === undefined) continue;
        if (mk === 'labels' || mk === 'annotations') {
          for (const [lk, lv] of Object.entries(meta[mk] as Record<string, unknown>)) out.set(['metadata', mk, lk].join(SEP), lv);
        } else out.set(['metadata', mk].join(SEP), meta[mk]);
      }
      continue;
    }
    walk(v, [k]);
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function matchesKey(e: unknown, seg: string): boolean {
  const key = JSON.parse(seg.slice(2)) as Record<string, unknown>;
  return isMap(e) && Object.entries(key).every(([k, v]) => e[k] === v);
}

/** One step down: a map key, or a keyed-list element. `found` tells a missing step from undefined. */
function step(cur: unknown, seg: string): { found: boolean; value: unknown } {
  if (seg.startsWith('k:')) {
    const e = Array.isArray(cur) ? cur.find((x) => matchesKey(x, seg)) : undefined;
    return { found: e !== undefined, value: e };
  }
  if (isMap(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) return { found: true, value: cur[seg] };
  return { found: false, value: undefined };
}

function getPath(obj: Obj, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split(SEP)) cur = step(cur, k).value;
  return cur;
}

function hasPath(obj: Obj, path: string): boolean {
  let cur: unknown = obj;
  for (const k of path.split(SEP)) {
    const s = step(cur, k);
    if (!s.found) return false;
    cur = s.value;
  }
  return true;
}

function setPath(obj: Obj, path: string, value: unknown): void {
  const keys = path.split(SEP);
  let cur: unknown = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    const wantArray = keys[i + 1]!.startsWith('k:');
    if (k.startsWith('k:')) {
      const arr = cur as unknown[];
      let e = arr.find((x) => matchesKey(x, k));
      if (e === undefined) {
        e = { ...(JSON.parse(k.slice(2)) as object) };
        arr.push(e);
      }
      cur = e;
    } else {
      const m = cur as Record<string, unknown>;
      if (wantArray ? !Array.isArray(m[k]) : !isMap(m[k])) m[k] = wantArray ? [] : {};
      cur = m[k];
    }
  }
  (cur as Record<string, unknown>)[keys[keys.length - 1]!] = structuredClone(value);
}

function deletePath(obj: Obj, path: string): void {
  const keys = path.split(SEP);
  const chain: unknown[] = [obj];
  for (const k of keys.slice(0, -1)) {
    const s = step(chain[chain.length - 1], k);
    if (!s.found) return;
    chain.push(s.value);
  }
  const last = chain[chain.length - 1];
  if (isMap(last)) delete last[keys[keys.length - 1]!];
  // prune what is left empty: maps with no keys, keyed elements holding only their key, empty lists
  for (let i = keys.length - 2; i >= 0; i--) {
    const parent = chain[i];
    const child = chain[i + 1];
    const k = keys[i]!;
    const emptyElement = k.startsWith('k:') && isMap(child) && Object.keys(child).every((f) => Object.prototype.hasOwnProperty.call(JSON.parse(k.slice(2)), f));
    const empty = (isMap(child) && Object.keys(child).length === 0) || (Array.isArray(child) && child.length === 0) || emptyElement;
    if (!empty || (i === 0 && k === 'metadata')) break;
    if (Array.isArray(parent)) parent.splice(parent.indexOf(child), 1);
    else if (isMap(parent)) delete parent[k];
  }
}

function fieldsV1(fields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of [...fields].sort()) {
    let cur = out;
    for (const k of f.split(SEP)) {
      const key = k.startsWith('k:') ? k : `f:${k}`;
      cur[key] ??= {};
      cur = cur[key] as Record<string, unknown>;
    }
  }
  return out;
}

function dottedPath(path: string): string {
  return path
    .split(SEP)
    .map((k) => (k.startsWith('k:') ? `[${k.slice(2)}]` : `.${k}`))
    .join('');
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function nowTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${start}\u0000` })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('shape');
    return { rv: t.rv, start: t.start };
  } catch {
    throw new ApiError(badRequest('continue key is not valid: illegal base64 data'));
  }
}

// ---------- the double ----------

export class ApiServerDouble {
  readonly requests: LoggedRequest[] = [];
  private readonly defs: ResourceDef[];
  private readonly store = new Map<ResourceDef, Map<string, Obj>>();
  private readonly sortedCache = new Map<ResourceDef, [string, Obj][]>();
  /**
   * Serialized list items by stored object, valid while the object's managers list is the one it
   * was rendered with: a write stores a new object and an ownership change sets a new list, so an
   * entry never outlives what it shows (managedFields included).
   */
  private readonly jsonCache = new WeakMap<Obj, { managers: ManagerEntry[] | undefined; json: string }>();
  private readonly managers = new Map<string, ManagerEntry[]>(); // by uid
  private history: HistoryEntry[] = [];
  private oldestRv: number;
  private rv = 100;
  private readonly watchers = new Set<Watcher>();
  private paused = false;
  private faults: (Fault & { remaining: number })[] = [];
  private server: Server | undefined;
  private port = 0;
  private readonly namespace: string;

  constructor(private readonly options: ApiServerDoubleOptions = {}) {
    this.defs = resourceDefs(options.calico ?? 'crd', options.securityGroupPolicies);
    for (const d of this.defs) this.store.set(d, new Map());
    this.oldestRv = this.rv;
    this.namespace = options.namespace ?? 'sgbridge-system';
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get revision(): number {
    return this.rv;
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.closeWatches();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  kubeConfig(identity: Identity = 'sgbridge'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'double', server: this.url, skipTLSVerify: true }],
      users: [{ name: identity, token: identity === 'admin' ? 'admin-token' : 'sgbridge-token' }],
      contexts: [{ name: 'double', cluster: 'double', user: identity, namespace: this.namespace }],
      currentContext: 'double',
    });
    return kc;
  }

  failNext(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  writes(): LoggedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  compact(): void {
    this.history = [];
    this.oldestRv = this.rv;
  }

  closeWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w);
  }

  pauseWatches(paused: boolean): void {
    this.paused = paused;
  }

  openWatches(): number {
    return this.watchers.size;
  }

  sendBookmarks(): void {
    for (const w of this.watchers) this.bookmark(w);
  }

  // --- direct store access (admin, no HTTP) ---

  create(obj: Obj): Obj {
    const { def, ns } = this.defFor(obj);
    return this.unwrap(() => this.doCreate(def, ns, structuredClone(obj), 'test'));
  }

  replace(obj: Obj): Obj {
    const { def, ns } = this.defFor(obj);
    return this.unwrap(() => this.doUpdate(def, ns, String(obj.metadata?.name), structuredClone(obj), 'test'));
  }

  apply(obj: Obj, manager: string, force = false): Obj {
    const { def, ns } = this.defFor(obj);
    return this.unwrap(() => this.doApply(def, ns, String(obj.metadata?.name), structuredClone(obj), manager, force).obj);
  }

  patch(ref: { apiVersion: string; kind: string; name: string; namespace?: string }, ops: fastJsonPatch.Operation[], manager = 'test'): Obj {
    const { def } = this.defFor({ apiVersion: ref.apiVersion, kind: ref.kind });
    return this.unwrap(() => this.doPatch(def, ref.namespace, ref.name, 'application/json-patch+json', ops, manager, {}).body as Obj);
  }

  get(apiVersion: string, kind: string, name: string, namespace?: string): Obj | undefined {
    const { def } = this.defFor({ apiVersion, kind });
    const o = this.store.get(def)!.get(this.key(def, namespace, name));
    return o ? this.present(def, o) : undefined;
  }

  list(apiVersion: string, kind: string, namespace?: string): Obj[] {
    const { def } = this.defFor({ apiVersion, kind });
    return this.sorted(def, namespace).map((o) => this.present(def, o));
  }

  remove(apiVersion: string, kind: string, name: string, namespace?: string): void {
    const { def } = this.defFor({ apiVersion, kind });
    this.unwrap(() => this.doDelete(def, namespace, name, {}));
  }

  // --- internals ---

  private unwrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ApiError) throw new Error(`apiserver double: ${e.reply.status} ${e.message}`, { cause: e });
      throw e;
    }
  }

  private defFor(obj: { apiVersion?: unknown; kind?: unknown; metadata?: Record<string, unknown> }): { def: ResourceDef; ns: string | undefined } {
    const [group, version] = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/') : ['', String(obj.apiVersion)];
    const def = this.defs.find((d) => d.group === group && d.version === version && d.kind === obj.kind);
    if (!def) throw new Error(`apiserver double: ${String(obj.apiVersion)} ${String(obj.kind)} is not served`);
    const ns = def.namespaced ? String(obj.metadata?.namespace ?? 'default') : undefined;
    return { def, ns };
  }

  private key(def: ResourceDef, ns: string | undefined, name: string): string {
    return def.namespaced ? `${ns}/${name}` : name;
  }

  private apiVersionOf(def: ResourceDef): string {
    return def.group ? `${def.group}/${def.version}` : def.version;
  }

  /** The object as the server returns it: with managedFields rendered. */
  private present(def: ResourceDef, stored: Obj, withType = true): Obj {
    const o = structuredClone(stored);
    const uid = String(o.metadata?.uid);
    const mgrs = this.managers.get(uid) ?? [];
    if (mgrs.length) {
      o.metadata!.managedFields = mgrs
        .filter((m) => m.fields.size > 0)
        .map((m) => ({ manager: m.manager, operation: m.operation, apiVersion: this.apiVersionOf(def), time: m.time, fieldsType: 'FieldsV1', fieldsV1: fieldsV1(m.fields) }));
    }
    if (withType) {
      o.apiVersion = this.apiVersionOf(def);
      o.kind = def.kind;
    } else {
      delete o.apiVersion;
      delete o.kind;
    }
    return o;
  }

  private itemJson(def: ResourceDef, o: Obj): string {
    const managers = this.managers.get(String(o.metadata?.uid));
    const cached = this.jsonCache.get(o);
    if (cached !== undefined && cached.managers === managers) return cached.json;
    const json = JSON.stringify(this.present(def, o, def.custom));
    this.jsonCache.set(o, { managers, json });
    return json;
  }

  /** [key, object] sorted by key, cached until the next write to that resource. */
  private entries(def: ResourceDef): [string, Obj][] {
    let cached = this.sortedCache.get(def);
    if (!cached) {
      cached = [...this.store.get(def)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      this.sortedCache.set(def, cached);
    }
    return cached;
  }

  private sorted(def: ResourceDef, ns: string | undefined): Obj[] {
    return this.entries(def)
      .filter(([, o]) => ns === undefined || o.metadata?.namespace === ns)
      .map(([, o]) => o);
  }


  private record(def: ResourceDef, type: HistoryEntry['type'], obj: Obj, prev?: Obj): void {
    this.sortedCache.delete(def);
    const entry: HistoryEntry = { rv: this.rv, def, type, obj: structuredClone(obj), prev };
    this.history.push(entry);
    if (this.history.length > 50_000) {
      this.history.splice(0, 10_000);
      this.oldestRv = this.history[0]!.rv - 1;
    }
    if (!this.paused) for (const w of this.watchers) if (w.def === def) this.deliver(w, entry);
  }

  private updateOwnership(uid: string, manager: string, operation: 'Apply' | 'Update', changed: Set<string>, removed: Set<string>, replaceApplySet?: Set<string>): void {
    const list = this.managers.get(uid) ?? [];
    for (const m of list) {
      for (const f of removed) m.fields.delete(f);
      if (m.manager === manager && m.operation === operation) continue;
      for (const f of changed) m.fields.delete(f);
    }
    let mine = list.find((m) => m.manager === manager && m.operation === operation);
    if (!mine) {
      mine = { manager, operation, time: nowTime(), fields: new Set() };
      list.push(mine);
    }
    if (replaceApplySet) mine.fields = new Set(replaceApplySet);
    else for (const f of changed) mine.fields.add(f);
    this.managers.set(
      uid,
      list.filter((m) => m.fields.size > 0),
    );
  }

  private validate(def: ResourceDef, obj: Obj): void {
    const causes = this.options.validate?.(obj);
    if (causes && causes.length) throw new ApiError(invalid(def, String(obj.metadata?.name), causes));
  }

  private stamp(def: ResourceDef, obj: Obj, ns: string | undefined): void {
    obj.apiVersion = this.apiVersionOf(def);
    obj.kind = def.kind;
    const meta = (obj.metadata ??= {});
    if (def.namespaced) meta.namespace = ns;
    else delete meta.namespace;
    delete meta.managedFields;
  }

  private doCreate(def: ResourceDef, ns: string | undefined, obj: Obj, manager: string): Obj {
    this.stamp(def, obj, ns);
    const meta = obj.metadata!;
    if (!meta.name && typeof meta.generateName === 'string') meta.name = meta.generateName + randomUUID().slice(0, 5);
    if (typeof meta.name !== 'string' || meta.name === '') throw new ApiError(invalid(def, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]));
    const store = this.store.get(def)!;
    const key = this.key(def, ns, meta.name);
    if (store.has(key)) throw new ApiError(alreadyExists(def, meta.name));
    if (def.kind === 'Secret' && obj.stringData) {
      const data = { ...((obj.data ?? {}) as Record<string, string>) };
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) data[k] = Buffer.from(v).toString('base64');
      obj.data = data;
      delete obj.stringData;
    }
    if (def.kind === 'Pod') obj.status ??= { phase: 'Pending' };
    this.validate(def, obj);
    this.rv++;
    const uid = randomUUID();
    meta.uid = uid;
    meta.resourceVersion = String(this.rv);
    meta.creationTimestamp = nowTime();
    delete meta.deletionTimestamp;
    if (def.generation) meta.generation = 1;
    else delete meta.generation;
    store.set(key, obj);
    this.updateOwnership(uid, manager, 'Update', new Set(leafPaths(obj).keys()), new Set());
    this.record(def, 'ADDED', obj);
    return this.present(def, obj);
  }

  /** Writes `next` over `cur` (same key) when it differs; returns whether it changed. */
  private commit(def: ResourceDef, cur: Obj, next: Obj): boolean {
    const meta = next.metadata!;
    const curMeta = cur.metadata!;
    for (const k of ['uid', 'creationTimestamp', 'resourceVersion', 'generation', 'name', 'namespace']) {
      if (curMeta[k] === undefined) delete meta[k];
      else meta[k] = curMeta[k];
    }
    next.apiVersion = cur.apiVersion;
    next.kind = cur.kind;
    if (isDeepStrictEqual(next, cur)) return false;
    this.validate(def, next);
    const specChanged = Object.keys({ ...cur, ...next }).some((k) => k !== 'metadata' && k !== 'status' && !isDeepStrictEqual(cur[k], next[k]));
    this.rv++;
    meta.resourceVersion = String(this.rv);
    if (def.generation && specChanged) meta.generation = Number(curMeta.generation ?? 1) + 1;
    const key = this.key(def, meta.namespace as string | undefined, String(meta.name));
    this.store.get(def)!.set(key, next);
    this.record(def, 'MODIFIED', next, cur);
    return true;
  }

  private trackUpdate(uid: string, cur: Obj, next: Obj, manager: string): void {
    const before = leafPaths(cur);
    const after = leafPaths(next);
    const changed = new Set<string>();
    for (const [p, v] of after) if (!before.has(p) || !isDeepStrictEqual(before.get(p), v)) changed.add(p);
    const removed = new Set<string>([...before.keys()].filter((p) => !after.has(p)));
    if (changed.size || removed.size) this.updateOwnership(uid, manager, 'Update', changed, removed);
  }

  private current(def: ResourceDef, ns: string | undefined, name: string): Obj {
    const cur = this.store.get(def)!.get(this.key(def, ns, name));
    if (!cur) throw new ApiError(notFound(def, name));
    return cur;
  }

  private doUpdate(def: ResourceDef, ns: string | undefined, name: string, obj: Obj, manager: string): Obj {
    const cur = this.current(def, ns, name);
    this.stamp(def, obj, ns);
    if (obj.metadata!.name !== undefined && obj.metadata!.name !== name) throw new ApiError(badRequest(`the name of the object (${String(obj.metadata!.name)}) does not match the name on the URL (${name})`));
    const rv = obj.metadata!.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== cur.metadata!.resourceVersion) throw new ApiError(staleConflict(def, name));
    const next = structuredClone(obj);
    if (cur.status !== undefined && next.status === undefined) next.status = structuredClone(cur.status);
    if (this.commit(def, cur, next)) this.trackUpdate(String(cur.metadata!.uid), cur, next, manager);
    return this.present(def, this.current(def, ns, name));
  }

  private doApply(def: ResourceDef, ns: string | undefined, name: string, applied: Obj, manager: string, force: boolean): { obj: Obj; created: boolean } {
    if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) throw new ApiError(badRequest('error decoding YAML: the apply body must be an object'));
    const apiVersion = this.apiVersionOf(def);
    if (applied.apiVersion !== apiVersion || applied.kind !== def.kind) {
      throw new ApiError(badRequest(`the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${apiVersion}) or kind (${String(applied.kind)} vs ${def.kind})`));
    }
    const meta = (applied.metadata ??= {});
    if (meta.name !== name) throw new ApiError(badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`));
    if (def.namespaced && meta.namespace !== undefined && meta.namespace !== ns) throw new ApiError(badRequest(`the namespace of the provided object does not match the namespace sent on the request`));
    const intent = leafPaths(applied);
    const store = this.store.get(def)!;
    const cur = store.get(this.key(def, ns, name));
    if (!cur) {
      const obj = structuredClone(applied);
      this.stamp(def, obj, ns);
      delete obj.metadata!.resourceVersion;
      const created = this.doCreate(def, ns, obj, manager);
      const uid = String(created.metadata!.uid);
      this.managers.set(uid, [{ manager, operation: 'Apply', time: nowTime(), fields: new Set(intent.keys()) }]);
      return { obj: this.present(def, store.get(this.key(def, ns, name))!), created: true };
    }
    const rv = meta.resourceVersion;
    if (rv !== undefined && rv !== cur.metadata!.resourceVersion) throw new ApiError(staleConflict(def, name));
    const uid = String(cur.metadata!.uid);
    const owners = this.managers.get(uid) ?? [];
    const mine = owners.find((m) => m.manager === manager && m.operation === 'Apply');
    const previous = mine?.fields ?? new Set<string>();
    // conflicts: a field another manager owns, whose value this apply would change
    const conflicts: { field: string; manager: string }[] = [];
    const taken = new Set<string>();
    for (const [p, v] of intent) {
      const curVal = hasPath(cur, p) ? getPath(cur, p) : undefined;
      const same = hasPath(cur, p) && isDeepStrictEqual(curVal, v);
      for (const m of owners) {
        if (m === mine || !m.fields.has(p)) continue;
        if (!same) {
          conflicts.push({ field: p, manager: m.manager });
          taken.add(p);
        }
      }
    }
    if (conflicts.length && !force) {
      const mgrs = [...new Set(conflicts.map((c) => c.manager))];
      const msg =
        conflicts.length === 1
          ? `Apply failed with 1 conflict: conflict with "${conflicts[0]!.manager}": ${dottedPath(conflicts[0]!.field)}`
          : `Apply failed with ${conflicts.length} conflicts: ${mgrs.map((m) => `conflicts with "${m}":\n${conflicts.filter((c) => c.manager === m).map((c) => `- ${dottedPath(c.field)}`).join('\n')}`).join('\n')}`;
      throw new ApiError(
        status(409, 'Conflict', msg, { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: dottedPath(c.field) })) }),
      );
    }
    const next = structuredClone(cur);
    for (const p of previous) {
      if (intent.has(p)) continue;
      const ownedElsewhere = owners.some((m) => m !== mine && m.fields.has(p));
      if (!ownedElsewhere) deletePath(next, p);
    }
    for (const [p, v] of intent) setPath(next, p, v);
    const changed = this.commit(def, cur, next);
    // ownership: this manager's Apply set is exactly its intent; forced fields leave other managers
    const removed = new Set<string>([...previous].filter((p) => !intent.has(p) && !owners.some((m) => m !== mine && m.fields.has(p))));
    this.updateOwnership(uid, manager, 'Apply', taken, removed, new Set(intent.keys()));
    if (changed) {
      const entry = this.managers.get(uid)?.find((m) => m.manager === manager && m.operation === 'Apply');
      if (entry) entry.time = nowTime();
    }
    return { obj: this.present(def, this.current(def, ns, name)), created: false };
  }

  private doPatch(def: ResourceDef, ns: string | undefined, name: string, contentType: string, body: unknown, manager: string, query: Record<string, string>): Reply {
    if (contentType === 'application/apply-patch+yaml') {
      if (!query.fieldManager) throw new ApiError(badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'));
      const { obj, created } = this.doApply(def, ns, name, body as Obj, query.fieldManager, query.force === 'true');
      return { status: created ? 201 : 200, body: obj };
    }
    const cur = this.current(def, ns, name);
    let next: Obj;
    if (contentType === 'application/json-patch+json') {
      if (!Array.isArray(body)) throw new ApiError(badRequest('json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'));
      try {
        next = fastJsonPatch.applyPatch(structuredClone(cur), body as fastJsonPatch.Operation[], true, true).newDocument as Obj;
      } catch {
        throw new ApiError(status(422, 'Invalid', 'the server rejected our request due to an error in our request', {}));
      }
    } else if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
      const patchMeta = (body as Obj | null)?.metadata;
      if (patchMeta?.resourceVersion !== undefined && patchMeta.resourceVersion !== cur.metadata!.resourceVersion) throw new ApiError(staleConflict(def, name));
      next = mergePatch(cur, body) as Obj;
    } else {
      return { status: 415, body: status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`).body };
    }
    if (next.metadata?.name !== name) throw new ApiError(badRequest('metadata.name cannot be changed by a patch'));
    if (this.commit(def, cur, next)) this.trackUpdate(String(cur.metadata!.uid), cur, next, manager);
    return { status: 200, body: this.present(def, this.current(def, ns, name)) };
  }

  private doDelete(def: ResourceDef, ns: string | undefined, name: string, options: Obj): Reply {
    const cur = this.current(def, ns, name);
    const pre = (options.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
    if (pre.uid !== undefined && pre.uid !== cur.metadata!.uid) {
      throw new ApiError(
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${qualified(def, true)} "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${String(cur.metadata!.uid)}). The object might have been deleted and then recreated`,
          details(def, name, true),
        ),
      );
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata!.resourceVersion) {
      throw new ApiError(
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${qualified(def, true)} "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${String(cur.metadata!.resourceVersion)}). The object might have been modified`,
          details(def, name, true),
        ),
      );
    }
    this.rv++;
    const gone = structuredClone(cur);
    gone.metadata!.resourceVersion = String(this.rv);
    const uid = String(cur.metadata!.uid);
    this.store.get(def)!.delete(this.key(def, ns, name));
    this.record(def, 'DELETED', gone);
    const presented = this.present(def, gone);
    this.managers.delete(uid);
    this.collectGarbage(uid);
    if (def.deleteReturnsObject) {
      presented.metadata!.deletionTimestamp = nowTime();
      presented.metadata!.deletionGracePeriodSeconds = 0;
      return { status: 200, body: presented };
    }
    return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...details(def, name), uid } } };
  }

  /** Background-propagation garbage collection of dependents (the real one takes ~0.5 s). */
  private collectGarbage(ownerUid: string): void {
    for (const [def, store] of this.store) {
      for (const o of [...store.values()]) {
        const refs = (o.metadata?.ownerReferences ?? []) as { uid?: string }[];
        if (refs.some((r) => r.uid === ownerUid)) this.doDelete(def, o.metadata?.namespace as string | undefined, String(o.metadata?.name), {});
      }
    }
  }

  private doList(def: ResourceDef, ns: string | undefined, query: Record<string, string>): Reply {
    const selector = parseLabelSelector(query.labelSelector ?? '');
    const fields = parseFieldSelector(query.fieldSelector);
    const all = this.entries(def);
    let from = 0;
    let listRv = this.rv;
    const limit = query.limit ? Number(query.limit) : 0;
    if (query.continue) {
      const token = decodeContinue(query.continue);
      if (token.rv < this.oldestRv) {
        return status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      listRv = token.rv;
      const start = token.start.endsWith('\u0000') ? token.start.slice(0, -1) : token.start;
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid]![0] <= start) lo = mid + 1;
        else hi = mid;
      }
      from = lo;
    }
    const wanted = (o: Obj) => (ns === undefined || o.metadata?.namespace === ns) && matchesSelector(o, selector) && matchesFields(o, fields);
    const page: Obj[] = [];
    let i = from;
    let more = false;
    for (; i < all.length; i++) {
      const o = all[i]![1];
      if (!wanted(o)) continue;
      if (limit > 0 && page.length === limit) {
        more = true;
        break;
      }
      page.push(o);
    }
    const metadata: Record<string, unknown> = {};
    if (more) {
      const last = page[page.length - 1]!;
      metadata.continue = encodeContinue(listRv, this.key(def, last.metadata?.namespace as string | undefined, String(last.metadata?.name)));
      if (!query.labelSelector && !query.fieldSelector) metadata.remainingItemCount = all.slice(i).filter(([, o]) => wanted(o)).length;
    } else if (def.custom) metadata.continue = '';
    metadata.resourceVersion = String(listRv);
    return {
      status: 200,
      body: undefined,
      // items are serialized once per object version (lists of 50k objects stay cheap)
      json: `{"apiVersion":${JSON.stringify(this.apiVersionOf(def))},"items":[${page.map((o) => this.itemJson(def, o)).join(',')}],"kind":${JSON.stringify(`${def.kind}List`)},"metadata":${JSON.stringify(metadata)}}`,
    };
  }

  // --- watch ---

  private startWatch(def: ResourceDef, ns: string | undefined, query: Record<string, string>, res: ServerResponse): void {
    const selector = parseLabelSelector(query.labelSelector ?? '');
    const fields = parseFieldSelector(query.fieldSelector);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: Watcher = { def, namespace: ns, selector, fields, lastRv: 0, res, bookmarks: query.allowWatchBookmarks === 'true', timers: [] };
    const from = query.resourceVersion;
    if (from !== undefined && from !== '' && from !== '0') {
      const n = Number(from);
      if (!Number.isFinite(n) || n < this.oldestRv) {
        this.write(w, { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${this.oldestRv})`, reason: 'Expired', code: 410 } });
        res.end();
        return;
      }
      w.lastRv = n;
      this.watchers.add(w);
      for (const e of this.history) if (e.def === def && e.rv > n) this.deliver(w, e);
    } else {
      // no resourceVersion: synthetic ADDED for what exists, then changes
      this.watchers.add(w);
      for (const o of this.sorted(def, ns)) {
        if (matchesSelector(o, selector) && matchesFields(o, fields)) this.write(w, { type: 'ADDED', object: this.present(def, o) });
      }
      w.lastRv = this.rv;
    }
    const timeout = query.timeoutSeconds ? Number(query.timeoutSeconds) * 1000 : 0;
    if (timeout > 0) {
      w.timers.push(setTimeout(() => this.endWatch(w), timeout));
      if (w.bookmarks && timeout > 2000) w.timers.push(setTimeout(() => this.bookmark(w), timeout - 2000));
    }
    if (w.bookmarks) {
      const every = this.options.bookmarkIntervalMs ?? 60_000;
      const t = setInterval(() => this.bookmark(w), every);
      w.timers.push(t);
    }
    res.on('close', () => this.endWatch(w));
  }

  private write(w: Watcher, event: unknown): void {
    if (!w.res.writableEnded) w.res.write(JSON.stringify(event) + '\n');
  }

  private deliver(w: Watcher, e: HistoryEntry): void {
    if (w.namespace !== undefined && e.obj.metadata?.namespace !== w.namespace) return;
    if (!matchesFields(e.obj, w.fields)) return;
    const now = matchesSelector(e.obj, w.selector);
    const before = e.prev ? matchesSelector(e.prev, w.selector) : false;
    let type: string | undefined;
    if (e.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (e.type === 'DELETED') type = now ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (!type) return;
    w.lastRv = e.rv;
    this.write(w, { type, object: this.present(e.def, e.obj) });
  }

  private bookmark(w: Watcher): void {
    if (!w.bookmarks || this.paused || w.lastRv >= this.rv) return;
    this.write(w, { type: 'BOOKMARK', object: { apiVersion: this.apiVersionOf(w.def), kind: w.def.kind, metadata: { resourceVersion: String(this.rv) } } });
  }

  private endWatch(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    w.timers = [];
    this.watchers.delete(w);
    if (!w.res.writableEnded) w.res.end();
  }

  // --- HTTP ---

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const query = Object.fromEntries(url.searchParams.entries());
    const auth = req.headers.authorization ?? '';
    const identity: LoggedRequest['identity'] = auth === 'Bearer admin-token' ? 'admin' : auth === 'Bearer sgbridge-token' ? 'sgbridge' : 'anonymous';
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const log: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname, query, contentType, status: 0, identity };
    this.requests.push(log);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let reply: Reply | 'watch';
    try {
      reply = this.route(log, raw, req.headers['user-agent'] ?? '', res);
    } catch (e) {
      if (e instanceof ApiError) reply = e.reply;
      else reply = status(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`, { causes: [{ message: (e as Error).message }] });
    }
    if (reply === 'watch') {
      log.status = 200;
      return;
    }
    log.status = reply.status;
    const headers: Record<string, string> = { 'cache-control': 'no-cache, private', ...reply.headers };
    if (reply.status === 403) headers['x-content-type-options'] = 'nosniff';
    if (reply.json !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
      res.end(reply.json);
    } else if (typeof reply.body === 'string') {
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers });
      res.end(reply.body);
    } else {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(reply.body));
    }
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const f = this.faults.find(
      (x) => x.remaining > 0 && (!x.method || x.method.toUpperCase() === method) && (!x.path || (typeof x.path === 'string' ? path.startsWith(x.path) : x.path.test(path))),
    );
    if (!f) return undefined;
    f.remaining--;
    this.faults = this.faults.filter((x) => x.remaining > 0);
    return f;
  }

  private route(log: LoggedRequest, raw: string, userAgent: string, res: ServerResponse): Reply | 'watch' {
    const { method, path, query } = log;
    const fault = this.takeFault(method, path);
    if (fault) {
      if (fault.status === 429) return { ...status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }), headers: { 'retry-after': '1' } };
      if (fault.status === 500) return status(500, 'InternalError', 'Internal error occurred: injected fault', { causes: [{ message: 'injected fault' }] });
      return status(409, 'Conflict', 'Operation cannot be fulfilled: injected conflict', {});
    }
    if (log.identity === 'anonymous') return status(401, 'Unauthorized', 'Unauthorized');
    const discovery = this.discovery(path);
    if (discovery) return discovery;
    const parsed = this.parsePath(path);
    if (!parsed) return { status: 404, body: '404 page not found\n' };
    const { def, ns, name } = parsed;
    if (!def) return status(404, 'NotFound', 'the server could not find the requested resource', {});
    const watch = query.watch === 'true' || query.watch === '1';
    const verb: Verb | 'deletecollection' | undefined =
      method === 'GET' ? (watch ? 'watch' : name ? 'get' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? (name ? 'delete' : 'deletecollection') : undefined;
    if (!verb) return status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (log.identity === 'sgbridge' && !this.allowed(def, ns, verb)) {
      const user = `system:serviceaccount:${this.namespace}:sgbridge`;
      const where = def.namespaced && ns !== undefined ? `in the namespace "${ns}"` : 'at the cluster scope';
      const subject = name ? `${qualified(def)} "${name}"` : qualified(def);
      return status(403, 'Forbidden', `${subject} is forbidden: User "${user}" cannot ${verb} resource "${def.plural}" in API group "${def.group}" ${where}`, details(def, name));
    }
    const manager = query.fieldManager ?? (userAgent.split('/')[0] || 'unknown');
    const body = (): unknown => {
      if (!raw) return {};
      try {
        return log.contentType === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
      } catch (e) {
        throw new ApiError(badRequest(`error decoding request body: ${(e as Error).message}`));
      }
    };
    if (method === 'GET') {
      if (watch) {
        this.startWatch(def, ns, query, res);
        return 'watch';
      }
      if (name) return { status: 200, body: this.present(def, this.current(def, ns, name)) };
      return this.doList(def, ns, query);
    }
    if (method === 'POST') {
      if (name) return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      return { status: 201, body: this.doCreate(def, ns, body() as Obj, manager) };
    }
    if (!name) return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (method === 'PUT') return { status: 200, body: this.doUpdate(def, ns, name, body() as Obj, manager) };
    if (method === 'PATCH') return this.doPatch(def, ns, name, log.contentType ?? '', body(), manager, query);
    return this.doDelete(def, ns, name, body() as Obj);
  }

  private allowed(def: ResourceDef, ns: string | undefined, verb: Verb | 'deletecollection'): boolean {
    const perms = this.options.permissions ?? API_PERMISSIONS;
    return perms.some(
      (p) =>
        p.group === def.group &&
        p.resource === def.plural &&
        (p.verbs as string[]).includes(verb) &&
        (p.scope === 'cluster' || (def.namespaced && ns === this.namespace)),
    );
  }

  private parsePath(path: string): { def: ResourceDef | undefined; ns?: string; name?: string } | undefined {
    const parts = path.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts[1]) {
      group = '';
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
      group = parts[1];
      version = parts[2];
      rest = parts.slice(3);
    } else return undefined;
    if (!this.defs.some((d) => d.group === group && d.version === version)) return undefined;
    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, sub] = rest;
    if (sub !== undefined) return { def: undefined };
    const def = this.defs.find((d) => d.group === group && d.version === version && d.plural === plural);
    if (!def) return { def: undefined };
    if (def.namespaced !== (ns !== undefined) && !(def.namespaced && ns === undefined && !name)) return { def: undefined };
    return { def, ns, name: name ? decodeURIComponent(name) : undefined };
  }

  private discovery(path: string): Reply | undefined {
    const p = path.replace(/\/+$/, '');
    if (p === '/version') return { status: 200, body: { major: '1', minor: '32', gitVersion: 'v1.32.13', platform: 'linux/amd64' } };
    if (p === '/api') return { status: 200, body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }] } };
    if (p === '/apis') {
      const groups = [...new Set(this.defs.filter((d) => d.group).map((d) => `${d.group}/${d.version}`))].map((gv) => {
        const [name, version] = gv.split('/') as [string, string];
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups } };
    }
    const m = p.match(/^\/api\/(v1)$/) ?? p.match(/^\/apis\/([^/]+\/[^/]+)$/);
    if (!m) return undefined;
    const gv = m[1]!;
    const defs = this.defs.filter((d) => this.apiVersionOf(d) === gv);
    if (!defs.length) return { status: 404, body: '404 page not found\n' };
    return {
      status: 200,
      body: {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv,
        resources: defs.map((d) => ({ name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'] })),
      },
    };
  }
}

export async function startApiServerDouble(options: ApiServerDoubleOptions = {}): Promise<ApiServerDouble> {
  const api = new ApiServerDouble(options);
  await api.listen();
  return api;
}
