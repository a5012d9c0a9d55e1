// What one replica needs in memory: the resident set of the built `node dist/main.js serve` (as the
// image runs it), idle and under the admission benchmark's load (autocannon, 10 keep-alive
// connections posting the real pod-create sample to /mutate), in two set-ups: webhooks only (no
// cluster), and with a cluster (the apiserver test double: namespace cache, leader election, the
// syncer's rounds over the example VPC). The chart's memory request and limit follow these figures
// (README, Performance). Linux only: it reads VmRSS and VmHWM from /proc/<pid>/status.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startApiServerDouble } from '../test/support/apiserver-double.js';
import { freePort, httpsGet, startServeProcess, type ServeProcess } from '../test/support/serve-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');
const POD_CREATE = join(ROOT, 'test/fixtures/admission-samples/001-mutate-pods-CREATE.json');
const SETTLE_MS = 5_000;
const LOAD_SECONDS = Number(process.env.SGBRIDGE_BENCH_SECONDS ?? 15);
const CONNECTIONS = 10;

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(label: string, extraEnv: NodeJS.ProcessEnv): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sgbridge-rss-'));
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: work, NODE_ENV: 'production', SGBRIDGE_PORT: String(port), SGBRIDGE_TLS_DIR: join(work, 'certs'), SGBRIDGE_LOG_LEVEL: 'warn', ...extraEnv };
  const server = await startServeProcess(process.execPath, [MAIN, 'serve'], { cwd: work, env });
  let line: string;
  try {
    line = await loadAndMeasure(label, server, join(work, 'certs/ca.crt'));
  } finally {
    const code = await server.stop();
    rmSync(work, { recursive: true, force: true });
    if (code !== 0) {
      process.stdout.write(`${label}: serve exited ${code} on SIGTERM:\n${server.output()}\n`);
      process.exitCode = 1;
    }
  }
  process.stdout.write(line);
}

async function loadAndMeasure(label: string, server: ServeProcess, caFile: string): Promise<string> {
  const health = await httpsGet(`${server.url}/healthz`, readFileSync(caFile, 'utf8'));
  if (health.status !== 200) throw new Error(`${label}: /healthz answered ${health.status}`);
  await sleep(SETTLE_MS);
  const idle = memoryMiB(server.pid);
  const load = await autocannon({
    url: `${server.url}/mutate?timeout=10s`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFileSync(POD_CREATE, 'utf8'),
    connections: CONNECTIONS,
    duration: LOAD_SECONDS,
    servername: 'localhost',
  });
  const after = memoryMiB(server.pid);
  return (
    `${label}: idle ${idle.rss.toFixed(0)} MiB RSS (peak so far ${idle.peak.toFixed(0)}); ` +
    `under load (${CONNECTIONS} connections, ${LOAD_SECONDS} s, ${Math.round(load.requests.average)} req/s, ${load.non2xx + load.errors} failed) ` +
    `peak ${after.peak.toFixed(0)} MiB, ${after.rss.toFixed(0)} MiB at the end\n`
  );
}

export async function run(): Promise<void> {
  await measure('webhooks only (no cluster)', {});
  const api = await startApiServerDouble({ calico: 'crd' });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'sgbridge-rss-kube-')), 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeConfig().exportConfig());
  try {
    await measure('in a cluster (apiserver test double: namespace cache, leader, syncer)', { KUBECONFIG: kubeconfig });
  } finally {
    await api.close();
  }
}
