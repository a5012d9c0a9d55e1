// The install as a new machine meets it: `npm ci` from this checkout's package.json,
// package-lock.json and .npmrc in an empty folder with an empty npm cache (every package comes from
// the registry), then `npm ci --omit=dev` (what the image ships) in another empty folder. Prints
// wall time, disk use and package count; targets: the full install under 500 MiB and 30 s, the
// production install at most 160 MiB. Disk use is counted as `du` counts it (allocated blocks,
// each hard-linked file once), in MiB as `du -h` prints it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MANIFESTS = ['package.json', 'package-lock.json', '.npmrc'];
const TARGET_FULL_MIB = 500;
const TARGET_FULL_S = 30;
const TARGET_PROD_MIB = 160;

export interface InstallFigures {
  seconds: number;
  mib: number;
  packages: number;
}

/** Disk use of a tree in MiB: allocated blocks, hard links counted once (as `du -s`). */
export function diskUseMiB(root: string): number {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const st = lstatSync(path);
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      bytes += st.blocks * 512;
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return bytes / 1024 / 1024;
}

/** Packages npm installed: the entries of its hidden lockfile, node_modules/.package-lock.json. */
export function installedPackages(dir: string): number {
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages).filter((k) => k !== '').length;
}

function npmCi(dir: string, cache: string, extra: string[]): InstallFigures {
  for (const file of MANIFESTS) copyFileSync(join(REPO, file), join(dir, file));
  const t0 = performance.now();
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--cache', cache, ...extra], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_cache: cache } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`npm ci ${extra.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { seconds, mib: diskUseMiB(join(dir, 'node_modules')), packages: installedPackages(dir) };
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sgbridge-install-'));
  try {
    const cache = join(work, 'npm-cache');
    const full = npmCi(mkdtempSync(join(work, 'full-')), cache, []);
    const prod = npmCi(mkdtempSync(join(work, 'prod-')), cache, ['--omit=dev']);
    const line = (name: string, f: InstallFigures) => `${name}: ${f.mib.toFixed(0)} MiB, ${f.packages} packages, ${f.seconds.toFixed(1)} s`;
    process.stdout.write(`${line('npm ci (empty cache)', full)}  [target < ${TARGET_FULL_MIB} MiB, < ${TARGET_FULL_S} s]\n`);
    process.stdout.write(`${line('npm ci --omit=dev (warm cache)', prod)}  [target <= ${TARGET_PROD_MIB} MiB]\n`);
    const missed: string[] = [];
    if (full.mib >= TARGET_FULL_MIB) missed.push('full install size');
    if (full.seconds >= TARGET_FULL_S) missed.push('full install time');
    if (prod.mib > TARGET_PROD_MIB) missed.push('production install size');
    if (missed.length) {
      process.stdout.write(`MISSED: ${missed.join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
