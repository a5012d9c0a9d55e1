// Every setting, once (SPEC §7): its flag, its SGBRIDGE_* variable, its config-file key, its
// default, its help line and its check. Pure: callers hand in the raw values they read.
import { isIP } from 'node:net';
import { isSgId } from './vocabulary.js';

type Kind = 'string' | 'int' | 'number' | 'bool' | 'list' | 'enum';

interface SettingDef<T> {
  kind: Kind;
  default: T;
  help: string;
  /** Placeholder shown in --help, e.g. FILE. */
  arg?: string;
  choices?: readonly string[];
  /** Returns an error text ("expected …") or undefined when the value is good. */
  check?: (value: T) => string | undefined;
}

const sgList = (v: string[]) => v.find((x) => !isSgId(x)) && `expected security group ids like sg-0123456789abcdef0, got "${v.find((x) => !isSgId(x))}"`;
const optionalSg = (v: string) => (v === '' || isSgId(v) ? undefined : 'expected a security group id like sg-0123456789abcdef0');
// An SQS queue URL: scheme and host (AWS's, a VPC endpoint's or a local emulator's), then
// /<12-digit account>/<queue name>, the name being what SQS allows (FIFO queues end in .fifo).
// (The chart's values.schema.json has the same pattern.)
const SQS_QUEUE_URL = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/[0-9]{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const optionalQueueUrl = (v: string) => (v === '' || SQS_QUEUE_URL.test(v) ? undefined : 'expected an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-aws-events');
const range = (lo: number, hi: number) => (v: number) => (v >= lo && v <= hi ? undefined : `expected a number from ${lo} to ${hi}`);

function def<T>(d: SettingDef<T>): SettingDef<T> {
  return d;
}

export const SETTING_DEFS = {
  port: def({ kind: 'int', default: 8443, arg: 'PORT', help: 'HTTPS port of the admission server', check: range(1, 65535) }),
  listen: def({ kind: 'string', default: '127.0.0.1', arg: 'ADDRESS', help: 'address to listen on (0.0.0.0 in a cluster)', check: (v: string) => (isIP(v) ? undefined : 'expected an IPv4 or IPv6 address') }),
  tlsDir: def({ kind: 'string', default: 'certs', arg: 'DIR', help: 'directory with tls.crt, tls.key and ca.crt (made on first run when missing)' }),
  tlsDns: def({ kind: 'list', default: ['localhost'], arg: 'NAMES', help: 'DNS names for self-made serving certificates (comma-separated)' }),
  tlsIps: def({ kind: 'list', default: ['127.0.0.1'], arg: 'IPS', help: 'IP addresses for self-made serving certificates (comma-separated)', check: (v: string[]) => (v.every((x) => isIP(x)) ? undefined : 'expected IP addresses') }),
  tlsSecret: def({ kind: 'bool', default: false, help: 'in a cluster: serve the certificate from the Secret <service-name>-tls in --namespace, which sgbridge makes, renews and puts into its webhook configurations itself (instead of files in --tls-dir)' }),
  inventory: def({ kind: 'string', default: '', arg: 'FILE', help: 'inventory snapshot (JSON or YAML); default: the example VPC shipped in examples/inventory.yaml' }),
  aws: def({ kind: 'bool', default: false, help: 'read the inventory live from EC2 (standard AWS SDK credential chain, AWS_REGION, AWS_ENDPOINT_URL_EC2)' }),
  awsEventsQueueUrl: def({ kind: 'string', default: '', arg: 'URL', help: 'SQS queue fed by the EventBridge rule on EC2 changes (docs/install.md): a change in AWS starts a sync at once, and the poll becomes a backstop (--resync-interval 10, the default, then means 300)', check: optionalQueueUrl }),
  clusterName: def({ kind: 'string', default: 'sgbridge', arg: 'NAME', help: 'cluster name, as in tigera-cluster-<name>-TigeraPodDefault-*' }),
  vpcId: def({ kind: 'string', default: '', arg: 'VPC', help: 'VPC id to read with --aws (required there)', check: (v: string) => (v === '' || /^vpc-[0-9a-f]{8,17}$/.test(v) ? undefined : 'expected a VPC id like vpc-0123456789abcdef0') }),
  nodeGroups: def({ kind: 'list', default: [] as string[], arg: 'SG_IDS', help: "security groups of the cluster's nodes: membership of pods without the annotation", check: sgList }),
  trustGroupId: def({ kind: 'string', default: '', arg: 'SG_ID', help: 'id of tigera-trust-host-enforcement (default: found by name in the inventory)', check: optionalSg }),
  enforcedGroupId: def({ kind: 'string', default: '', arg: 'SG_ID', help: 'id of tigera-has-host-enforcement (default: found by name)', check: optionalSg }),
  podDefaultGroupId: def({ kind: 'string', default: '', arg: 'SG_ID', help: 'id of tigera-cluster-<name>-TigeraPodDefault-* (default: found by name)', check: optionalSg }),
  metadataAccess: def({ kind: 'enum', default: 'denied', choices: ['denied', 'allowed'] as const, arg: 'MODE', help: 'pods reach the instance metadata service only when labelled (denied) or unless labelled "false" (allowed)' }),
  namespaceDefault: def({ kind: 'enum', default: 'all', choices: ['all', 'none'] as const, arg: 'MODE', help: 'what a namespace without aws.tigera.io/allowed-security-groups lets its pods join; needs a cluster (without one the allow-list is off)' }),
  strict: def({ kind: 'bool', default: false, help: 'deny security groups the inventory does not know (default: warn)' }),
  securityGroupPolicies: def({ kind: 'bool', default: false, help: "read AWS SecurityGroupPolicy objects (vpcresources.k8s.aws/v1beta1) as a source of pod groups: a pod's groups are its annotation's plus those of the policies in its namespace that select it (docs/migrate-from-sgpp.md)" }),
  syncerIdentity: def({ kind: 'string', default: 'system:serviceaccount:sgbridge-system:sgbridge', arg: 'USER', help: "sgbridge's own identity: the only one trusted to write its objects" }),
  calicoApiserverIdentity: def({ kind: 'string', default: 'system:serviceaccount:calico-apiserver:calico-apiserver', arg: 'USER', help: 'calico-apiserver account, trusted on crd.projectcalico.org (it relays checked requests)' }),
  breakGlassUsers: def({ kind: 'list', default: [] as string[], arg: 'USERS', help: 'users allowed to edit protected objects in an emergency' }),
  breakGlassGroups: def({ kind: 'list', default: [] as string[], arg: 'GROUPS', help: 'groups allowed to edit protected objects in an emergency' }),
  tierAllowList: def({ kind: 'list', default: ['calico-system', 'allow-tigera'], arg: 'TIERS', help: 'tiers allowed at or before order 107' }),
  calicoOperatorIdentity: def({ kind: 'string', default: 'system:serviceaccount:tigera-operator:tigera-operator', arg: 'USER', help: "the Calico operator's account: trusted to write the allow-listed tiers and policies in tiers at or before order 107 (Calico installs its own that way)" }),
  allowListWriterUsers: def({ kind: 'list', default: [] as string[], arg: 'USERS', help: "users who may change a namespace's aws.tigera.io/allowed-security-groups annotation (besides sgbridge and break-glass)" }),
  allowListWriterGroups: def({ kind: 'list', default: ['system:masters'], arg: 'GROUPS', help: "groups who may change a namespace's aws.tigera.io/allowed-security-groups annotation (besides sgbridge and break-glass)" }),
  resyncInterval: def({ kind: 'number', default: 10, arg: 'SECONDS', help: 'seconds between sync rounds', check: range(1, 3600) }),
  cacheRelistInterval: def({ kind: 'number', default: 3600, arg: 'SECONDS', help: "seconds between the syncer's safety re-lists of its watch-fed caches (between them it only watches); 0 = never", check: (v: number) => (v === 0 || (v >= 60 && v <= 86400) ? undefined : 'expected 0 (never) or a number from 60 to 86400') }),
  deleteThreshold: def({ kind: 'number', default: 0.5, arg: 'SHARE', help: "largest share (0-1) of sgbridge's objects one round may delete before holding deletions", check: range(0, 1) }),
  deleteHoldRounds: def({ kind: 'int', default: 3, arg: 'N', help: 'rounds a held deletion must repeat before it goes through', check: range(1, 1000) }),
  allowDeletions: def({ kind: 'bool', default: false, help: 'let a large deletion through at once (operator override)' }),
  hostEndpointNode: def({ kind: 'string', default: 'aws-vpc-member', arg: 'NAME', help: 'spec.node of VPC-member host endpoints; must never be a real node name' }),
  namespace: def({ kind: 'string', default: 'sgbridge-system', arg: 'NS', help: "sgbridge's own namespace (Lease, Secret, Events)" }),
  serviceName: def({ kind: 'string', default: 'sgbridge', arg: 'NAME', help: "the Service in front of sgbridge (certificate names)" }),
  calicoNamespaces: def({ kind: 'list', default: ['calico-system', 'calico-apiserver', 'tigera-operator'], arg: 'NS', help: "Calico's namespaces, excluded from the pod webhook" }),
  logLevel: def({ kind: 'enum', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, arg: 'LEVEL', help: 'log level' }),
} as const;

export type SettingName = keyof typeof SETTING_DEFS;
type ValueOf<D> = D extends SettingDef<infer T> ? T : never;
export type Settings = { -readonly [K in SettingName]: ValueOf<(typeof SETTING_DEFS)[K]> } & {
  metadataAccess: 'denied' | 'allowed';
  namespaceDefault: 'all' | 'none';
};

export function flagName(name: SettingName): string {
  return '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
export function envName(name: SettingName): string {
  return 'SGBRIDGE_' + name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function defaultSettings(): Settings {
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(SETTING_DEFS)) out[k] = Array.isArray(d.default) ? [...d.default] : d.default;
  return out as Settings;
}

type Raw = unknown;

function convert(def: SettingDef<unknown>, raw: Raw): { value?: unknown; error?: string } {
  switch (def.kind) {
    case 'string':
      return typeof raw === 'string' ? { value: raw } : { error: 'expected a string' };
    case 'enum':
      return typeof raw === 'string' && def.choices!.includes(raw) ? { value: raw } : { error: `expected one of ${def.choices!.join(', ')}` };
    case 'bool':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === '1') return { value: true };
      if (raw === 'false' || raw === '0') return { value: false };
      return { error: 'expected true or false' };
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n) || (def.kind === 'int' && !Number.isInteger(n))) return { error: def.kind === 'int' ? 'expected a whole number' : 'expected a number' };
      return { value: n };
    }
    case 'list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return { value: raw.map((x) => x.trim()).filter(Boolean) };
      if (typeof raw === 'string') return { value: raw.split(',').map((x) => x.trim()).filter(Boolean) };
      return { error: 'expected a comma-separated list or an array of strings' };
  }
}

export interface SettingSources {
  /** Values from command-line flags, keyed by setting name (only those given). */
  flags?: Partial<Record<string, Raw>>;
  /** The process environment; only SGBRIDGE_* names are read. */
  env?: Record<string, string | undefined>;
  /** The parsed config file (camelCase keys) and its path, for messages. */
  file?: { path: string; values: Record<string, Raw> };
}

/** flags > SGBRIDGE_* environment > config file > defaults; every problem names its setting. */
export function resolveSettings(sources: SettingSources): Settings {
  const out = defaultSettings() as Record<string, unknown>;
  const problems: string[] = [];
  const names = Object.keys(SETTING_DEFS) as SettingName[];
  if (sources.file) {
    for (const key of Object.keys(sources.file.values)) {
      if (!(names as string[]).includes(key)) problems.push(`${sources.file.path}: unknown setting "${key}" (known: ${names.join(', ')})`);
    }
  }
  for (const name of names) {
    const def = SETTING_DEFS[name] as SettingDef<unknown>;
    const candidates: [string, Raw][] = [];
    if (sources.flags && sources.flags[name] !== undefined) candidates.push([flagName(name), sources.flags[name]]);
    else if (sources.env && sources.env[envName(name)] !== undefined) candidates.push([envName(name), sources.env[envName(name)]]);
    else if (sources.file && sources.file.values[name] !== undefined) candidates.push([`${sources.file.path}: ${name}`, sources.file.values[name]]);
    const [origin, raw] = candidates[0] ?? [];
    if (origin === undefined) continue;
    const { value, error } = convert(def, raw);
    const checked = error ?? def.check?.(value);
    if (checked) problems.push(`${origin}: ${checked} (got ${JSON.stringify(raw)})`);
    else out[name] = value;
  }
  if (out.aws === true && out.vpcId === '') problems.push(`${flagName('vpcId')} / ${envName('vpcId')}: required with --aws (expected a VPC id like vpc-0123456789abcdef0)`);
  if (out.awsEventsQueueUrl !== '' && out.aws !== true) problems.push(`${flagName('awsEventsQueueUrl')} / ${envName('awsEventsQueueUrl')}: needs --aws (the events name EC2 changes to re-read)`);
  if (problems.length) throw new ConfigError(problems);
  return out as Settings;
}
