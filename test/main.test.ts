// The `sgbridge` executable as built (dist/main.js), run from another working directory: its
// version is package.json's, and a bad setting stops it with exit code 2 and the setting's name.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, builtApp } from './support/built-app.js';
import { REPO_ROOT } from './support/helm.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

function sgbridge(args: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'sgbridge-main-'));
  return spawnSync(process.execPath, [join(builtApp(), 'dist/main.js'), ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd }, timeout: 60_000 });
}

describe('sgbridge (dist/main.js)', () => {
  // The first test file to get here compiles the app (tsc) while the others wait for it.
  beforeAll(() => void builtApp(), BUILD_TIMEOUT_MS);

  it('prints the version package.json holds', () => {
    const r = sgbridge(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 on a bad setting, naming it and the form expected', () => {
    const r = sgbridge(['serve', '--port', '70000']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('sgbridge: invalid configuration:\n  --port: expected a number from 1 to 65535 (got "70000")\n');
  });
});
