// The application as it ships: `tsc -p tsconfig.build.json` output in an app folder laid out like the
// image's /app (package.json, dist/, examples/, node_modules/), for tests that run the real
// `node …/dist/main.js`. Built once per source content into .tools/ (git-ignored); test files in
// parallel workers share one build through a lock folder, so the compiler runs once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './helm.js';

const INPUTS = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'examples'];
const STALE_LOCK_MS = 5 * 60_000;
const WAIT_MS = 180_000;
/** For the beforeAll hook that calls builtApp(): a build, or the wait for another worker's. */
export const BUILD_TIMEOUT_MS = WAIT_MS + 60_000;

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
}

/** Names the build by what goes into it, so a changed source builds afresh. */
function contentKey(): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(join(REPO_ROOT, input))) hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function build(target: string): void {
  const partial = `${target}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(partial, 'dist')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed (${r.status}):\n${r.stdout}${r.stderr}`);
  cpSync(join(REPO_ROOT, 'package.json'), join(partial, 'package.json'));
  cpSync(join(REPO_ROOT, 'examples'), join(partial, 'examples'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(partial, 'node_modules'));
  renameSync(partial, target);
}

let built: string | undefined;

/** Absolute path of the app folder (its dist/main.js is the executable). */
export function builtApp(): string {
  if (built) return built;
  const target = join(REPO_ROOT, '.tools', `app-${contentKey()}`);
  const lock = `${target}.lock`;
  const deadline = Date.now() + WAIT_MS;
  mkdirSync(join(REPO_ROOT, '.tools'), { recursive: true });
  while (!existsSync(target)) {
    try {
      mkdirSync(lock, { recursive: false });
    } catch {
      // Another worker builds: wait for its rename, or take over a lock its crashed owner left.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`no build of the app appeared in ${target} within ${WAIT_MS / 1000} s`);
      sleep(200);
      continue;
    }
    try {
      if (!existsSync(target)) build(target);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return (built = target);
}
