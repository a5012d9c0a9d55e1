// The real Calico CRD schemas (test/fixtures/calico-crds) as validators, so tests
// can check that what sgbridge writes would be accepted by the apiserver of each Calico release.
// Beyond the OpenAPI schema it checks what the apiserver also checks: `x-kubernetes-list-type: set`
// (no duplicates), the CRDs' CEL rules (x-kubernetes-validations), and object names and labels.
//
//   const crds = loadCrdSchemas();
//   crds.validate(object, 'v3.31.7')   // → [] or a list of "path: problem" strings
//   loadCrdFile(file).validate(object)  // one CRD of another project (AWS's SecurityGroupPolicy)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCel } from '@marcbachmann/cel-js';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { CALICO_CRDS } from './fixtures.js';

export const CRD_ROOT = CALICO_CRDS;
export const CALICO_RELEASES = ['v3.29.0', 'v3.31.7', 'v3.32.1'] as const;
export type CalicoRelease = (typeof CALICO_RELEASES)[number];
/** Releases that serve each API group as CRDs. */
export const RELEASES_BY_GROUP: Record<string, readonly CalicoRelease[]> = {
  'crd.projectcalico.org': CALICO_RELEASES,
  'projectcalico.org': ['v3.32.1'],
};

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] };
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const celCache = new Map<string, (ctx: Record<string, unknown>) => unknown>();
function celRule(rule: string): (ctx: Record<string, unknown>) => unknown {
  let fn = celCache.get(rule);
  if (!fn) celCache.set(rule, (fn = parseCel(rule) as unknown as (ctx: Record<string, unknown>) => unknown));
  return fn;
}

function makeAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    schemaType: 'string',
    validate: (type: string, data: unknown) => type !== 'set' || !Array.isArray(data) || new Set(data.map((x) => JSON.stringify(x))).size === data.length,
    errors: false,
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    validate: (rules: { rule: string }[], data: unknown) =>
      rules.every((r) => {
        try {
          return celRule(r.rule)({ self: data }) === true;
        } catch {
          return false;
        }
      }),
    errors: false,
  });
  for (const k of ['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-map-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-embedded-resource']) {
    ajv.addKeyword({ keyword: k });
  }
  return ajv;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** What the apiserver checks of metadata for every object (names and labels). */
export function metadataProblems(meta: { name?: unknown; labels?: Record<string, unknown> } | undefined): string[] {
  const out: string[] = [];
  const name = meta?.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) out.push(`metadata.name: ${JSON.stringify(name)} is not a DNS subdomain of at most 253 characters`);
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    const slash = k.lastIndexOf('/');
    const prefix = slash < 0 ? '' : k.slice(0, slash);
    const nm = slash < 0 ? k : k.slice(slash + 1);
    if ((prefix && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || nm.length > 63 || !LABEL_NAME.test(nm)) out.push(`metadata.labels: bad key ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(`metadata.labels.${k}: bad value ${JSON.stringify(v)}`);
  }
  return out;
}

export interface CrdSchemas {
  /** Problems of `object` against the CRD of its apiVersion and kind in that release ([] = accepted). */
  validate(object: object, release: CalicoRelease): string[];
  /** Kinds each release × group defines, e.g. "v3.29.0 crd.projectcalico.org" → ["GlobalNetworkPolicy", …]. */
  kinds(): Map<string, string[]>;
}

/** The apiserver's metadata checks, then the schema's, as "path: problem" strings. */
function problemsOf(validate: ValidateFunction, object: object): string[] {
  const problems = metadataProblems((object as { metadata?: unknown }).metadata as Parameters<typeof metadataProblems>[0]);
  if (!validate(object)) {
    for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '(root)'}: ${e.message ?? e.keyword}${e.keyword === 'x-kubernetes-validations' || e.keyword === 'x-kubernetes-list-type' ? ` (${e.keyword})` : ''}`);
  }
  return problems;
}

let cached: CrdSchemas | undefined;

export function loadCrdSchemas(): CrdSchemas {
  if (cached) return cached;
  const ajv = makeAjv();
  const validators = new Map<string, ValidateFunction>();
  const kinds = new Map<string, string[]>();
  for (const release of CALICO_RELEASES) {
    for (const folder of readdirSync(join(CRD_ROOT, release))) {
      for (const file of readdirSync(join(CRD_ROOT, release, folder)).filter((f) => f.endsWith('.yaml'))) {
        const crd = parse(readFileSync(join(CRD_ROOT, release, folder, file), 'utf8')) as Crd;
        for (const v of crd.spec.versions) {
          const apiVersion = `${crd.spec.group}/${v.name}`;
          validators.set(`${release} ${apiVersion} ${crd.spec.names.kind}`, ajv.compile(v.schema.openAPIV3Schema));
        }
        const key = `${release} ${crd.spec.group}`;
        kinds.set(key, [...(kinds.get(key) ?? []), crd.spec.names.kind].sort());
      }
    }
  }
  cached = {
    validate(input, release) {
      const object = input as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
      const key = `${release} ${String(object.apiVersion)} ${String(object.kind)}`;
      const validate = validators.get(key);
      if (!validate) return [`no CRD for ${String(object.kind)} ${String(object.apiVersion)} in Calico ${release}`];
      return problemsOf(validate, object);
    },
    kinds: () => kinds,
  };
  return cached;
}

export interface CrdFile {
  group: string;
  kind: string;
  /** Problems of `object` against the CRD version its apiVersion names ([] = accepted). */
  validate(object: object): string[];
}

/** Validators for every served version of the CRD in one file. */
export function loadCrdFile(file: string): CrdFile {
  const ajv = makeAjv();
  const crd = parse(readFileSync(file, 'utf8')) as Crd;
  const validators = new Map(crd.spec.versions.map((v) => [`${crd.spec.group}/${v.name}`, ajv.compile(v.schema.openAPIV3Schema)]));
  return {
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    validate(input) {
      const object = input as { apiVersion?: unknown; kind?: unknown };
      const validate = validators.get(String(object.apiVersion));
      if (!validate || object.kind !== crd.spec.names.kind) return [`${file} defines no ${String(object.kind)} ${String(object.apiVersion)}`];
      return problemsOf(validate, object);
    },
  };
}
