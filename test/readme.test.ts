// README.md is the user's door. Its two commands really run: `npm start`'s command is started as
// the README says (from a checkout-shaped folder, after the build `prestart` runs) and must print
// what the README shows, answer /healthz and give the patch the README promises; `npm test` is the
// command CI runs after a fresh install. Its command list, settings table and Performance table
// stay in step with the CLI, the settings and the benchmarks.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { applyPatch, type Operation } from 'fast-json-patch';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registerCommands } from '../src/cli/commands.js';
import { SETTING_DEFS, envName, flagName, type SettingName } from '../src/core/settings.js';
import { BUILD_TIMEOUT_MS, builtApp } from './support/built-app.js';
import { REPO_ROOT } from './support/helm.js';
import { freePort, httpsGet, startServeProcess } from './support/serve-process.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const names = Object.keys(SETTING_DEFS) as SettingName[];

function program(): Command {
  const p = new Command('sgbridge');
  registerCommands(p);
  return p;
}

/** The fenced blocks of one README section, each as its lines. */
function blocks(section: string): string[][] {
  const start = readme.indexOf(`\n## ${section}`);
  expect(start, section).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd().split('\n'));
}

const [commandBlock, seenBlock] = blocks('Try it');
const commands = commandBlock!.map((line) => line.replace(/\s+#.*$/, '').trim());

function post(url: string, ca: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A folder shaped like a built checkout: package.json, dist/, examples/, node_modules/. */
function checkout(): string {
  const app = builtApp();
  const dir = mkdtempSync(join(tmpdir(), 'sgbridge-checkout-'));
  for (const part of ['package.json', 'dist', 'examples']) cpSync(join(app, part), join(dir, part), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('README: the two commands', () => {
  // The first test file to get here compiles the app (tsc) while the others wait for it.
  beforeAll(() => void builtApp(), BUILD_TIMEOUT_MS);

  it('are `npm install && npm start` and `npm test`, and nothing else', () => {
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
  });

  it('npm start builds with the build the tests use, then runs node dist/main.js serve', () => {
    expect(pkg.scripts.prestart).toBe('npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(pkg.scripts.start).toMatch(/^node dist\/main\.js serve( |$)/);
  });

  it('npm start serves what the README shows: its output, /healthz, out/calico.yaml and the promised patch', async () => {
    const dir = checkout();
    const port = await freePort();
    const [node, script, ...args] = pkg.scripts.start!.split(' ');
    expect(node).toBe('node');
    // The README's own default port is taken on a shared machine: the same command on a free one.
    const env = { PATH: process.env.PATH, HOME: dir, [envName('port')]: String(port) };
    const server = await startServeProcess(process.execPath, [join(dir, script!), ...args], { cwd: dir, env });
    try {
      const shown = seenBlock!.map((line) => line.replaceAll(`:${SETTING_DEFS.port.default}`, `:${port}`));
      const printed = server.stdout().trimEnd().split('\n');
      const [summary, ...rest] = shown;
      expect(printed[0]!.startsWith(summary!.replace(/…\)$/, ''))).toBe(true);
      expect(printed.slice(1, shown.length)).toEqual(rest);

      const ca = readFileSync(join(dir, 'certs/ca.crt'), 'utf8');
      expect((await httpsGet(`${server.url}/healthz`, ca)).status).toBe(200);
      expect(server.url).toBe(`https://${SETTING_DEFS.listen.default}:${port}`);

      const objects = parseAllDocuments(readFileSync(join(dir, 'out/calico.yaml'), 'utf8')).flatMap((d) => (d.toJS() as { items?: unknown[] } | null)?.items ?? [d.toJS()]).filter(Boolean) as { kind: string }[];
      expect(objects.filter((o) => o.kind === 'Tier')).toHaveLength(3);

      const reviewText = readFileSync(join(dir, 'examples/admission-review.json'), 'utf8');
      const answer = JSON.parse(await post(`${server.url}/mutate`, ca, reviewText)) as { response: { allowed: boolean; patch: string } };
      expect(answer.response.allowed).toBe(true);
      const pod = (JSON.parse(reviewText) as { request: { object: { metadata: { labels?: Record<string, string> } } } }).request.object;
      const patch = JSON.parse(Buffer.from(answer.response.patch, 'base64').toString('utf8')) as Operation[];
      const labels = applyPatch(structuredClone(pod), patch).newDocument.metadata.labels ?? {};
      expect(labels['sg.aws.tigera.io/sg-98765432109876']).toBe('');
      expect(Object.keys(labels).filter((k) => k.startsWith('sg.aws.tigera.io/sg-') && k !== 'sg.aws.tigera.io/sg-98765432109876')).toHaveLength(1);
    } finally {
      // "Stop it with Ctrl-C": SIGINT, and it exits cleanly.
      expect(await server.stop('SIGINT'), server.output()).toBe(0);
    }
  }, 120_000);

  it('npm test is what CI runs after a fresh install of the lock file', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ci.at(-1)).toBe(commands[1]);
    expect(ci).toContain('npm ci');
    expect(ci.indexOf('npm ci')).toBeLessThan(ci.length - 1);
    expect(pkg.scripts.test).toBe('vitest run');
  });
});

describe('README: reference tables', () => {
  it('lists every setting with its flag, variable and default', () => {
    for (const name of names) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${flagName(name)}\` |`));
      expect(row, flagName(name)).toBeDefined();
      expect(row).toContain(`\`${envName(name)}\``);
      expect(row).toContain(`\`${name}\``);
    }
  });

  it('lists every command the CLI has', () => {
    for (const cmd of program().commands) expect(readme, cmd.name()).toContain(`sgbridge ${cmd.name()}`);
  });

  it('serve --help offers every setting as a flag', () => {
    const serve = program().commands.find((c) => c.name() === 'serve')!;
    const help = serve.helpInformation();
    for (const name of names) expect(help, flagName(name)).toContain(flagName(name));
  });

  it('gives a Performance row with figures for every benchmark npm run bench runs', () => {
    const benches = readdirSync(join(REPO_ROOT, 'bench')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
    expect(benches.length).toBeGreaterThan(0);
    const perf = readme.slice(readme.indexOf('\n## Performance'));
    for (const bench of benches) {
      const row = perf.split('\n').find((line) => line.startsWith(`| \`${bench}\``));
      expect(row, bench).toBeDefined();
      expect(row, `${bench}: a figure in bold`).toMatch(/\*\*[\d.,]+\s*(×|ms|s|MiB|MB)?\*\*/);
    }
    expect(existsSync(join(REPO_ROOT, 'bench/run.ts'))).toBe(true);
  });
});
