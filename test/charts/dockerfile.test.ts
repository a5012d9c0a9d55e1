// No container engine here and no base image to pull: the Dockerfile is checked by reading it
// (each requirement on the image, and the usual lint rules: hadolint's DL3000/3002/3003/3004/3020/
// 3025 and friends, written as assertions), and the built app is run the way the image runs it.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envName } from '../../src/core/settings.js';
import { BUILD_TIMEOUT_MS, builtApp } from '../support/built-app.js';
import { CHART_DIR, REPO_ROOT } from '../support/helm.js';
import { freePort, httpsGet, startServeProcess } from '../support/serve-process.js';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + ' ' + lines[++i]!.replace(/^\s*#.*$/, '');
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read "${line}"`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ').trim(), line: start + 1 });
  }
  return out;
}

function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}

/** Whether .dockerignore sends a path to the build (last matching pattern wins, `!` re-includes). */
function sentToBuild(patterns: string[], path: string): boolean {
  let included = true;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const p = (negate ? raw.slice(1) : raw).replace(/\/$/, '');
    const re = new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '(/.*)?$');
    if (re.test(path)) included = negate;
  }
  return included;
}

/** KEY=value pairs of ENV, LABEL or ARG arguments (values quoted or bare, without spaces). */
function pairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([\w.-]+)=(?:"([^"]*)"|(\S*))/g)) out[m[1]!] = m[2] ?? m[3]!;
  return out;
}

function merged(stage: Instruction[], op: string): Record<string, string> {
  return Object.assign({}, ...stage.filter((i) => i.op === op).map((i) => pairs(i.args))) as Record<string, string>;
}

/** Every file under a folder with its size, mode and content hash: what "unchanged" means. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) out[relative(root, path)] = 'link';
      else if (entry.isDirectory()) walk(path);
      else out[relative(root, path)] = `${statSync(path).mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const all = stages(instructions);
const final = all.at(-1)!;
const builders = all.slice(0, -1);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { types: string[] } };
const buildConfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string; sourceMap?: boolean } };
const nodeVersion = pkg.devDependencies.node!.replace(/^[\^~]/, '');
const finalEnv = merged(final, 'ENV');
const entrypoint = JSON.parse(final.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
const finalWorkdir = final.filter((i) => i.op === 'WORKDIR').at(-1)!.args;
const npmRuns = instructions.filter((i) => i.op === 'RUN' && /\bnpm (ci|i|install)\b/.test(i.args));

describe('Dockerfile: bases and stages', () => {
  it('has no parser directive: BuildKit uses its built-in front end and fetches none', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
    expect(dockerfile).not.toMatch(/^#\s*escape\s*=/im);
  });

  it('builds on the exact Node release of the node devDependency, and runs on distroless Node of the same major', () => {
    expect(nodeVersion).toMatch(/^22\.\d+\.\d+$/);
    expect(builders.length).toBeGreaterThanOrEqual(1);
    const names: string[] = [];
    for (const stage of builders) {
      const [image, as, name] = stage[0]!.args.split(' ');
      if (!names.includes(image!)) expect(image, `line ${stage[0]!.line}: the Node image or an earlier stage`).toBe(`node:${nodeVersion}-bookworm-slim`);
      if (as?.toUpperCase() === 'AS') names.push(name!);
    }
    const base = final[0]!.args.split(' ')[0]!;
    expect(base).not.toMatch(/:latest\b/);
    expect(base).toMatch(new RegExp(`^gcr\\.io/distroless/nodejs${nodeVersion.split('.')[0]}-debian12(:nonroot|@sha256:[0-9a-f]{64})$`));
  });

  it('runs no command in the final stage: distroless has no shell to run one', () => {
    expect(final.filter((i) => i.op === 'RUN' || i.op === 'SHELL')).toEqual([]);
  });
});

describe('Dockerfile: a lean build that works behind a proxy', () => {
  it('installs production dependencies only, from the lock file', () => {
    const ci = npmRuns.filter((i) => /\bnpm ci\b/.test(i.args));
    expect(ci.length).toBeGreaterThan(0);
    for (const run of ci) expect(run.args, `line ${run.line}`).toMatch(/--omit=dev\b/);
    const copies = builders.flatMap((s) => s.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args));
    expect(copies.some((c) => c.includes('package-lock.json') && c.includes('.npmrc'))).toBe(true);
  });

  it('adds for tsc only the compiler and the type packages the sources need, at the lock file versions', () => {
    const installs = npmRuns.filter((i) => /\bnpm (i|install)\b/.test(i.args));
    expect(installs).toHaveLength(1);
    const install = installs[0]!.args;
    expect(install).toMatch(/--no-save\b/);
    expect(install).toMatch(/--ignore-scripts\b/);
    // The versions come from package-lock.json, never written here (no DL3016-like drift).
    expect(install).toContain("require('./package-lock.json')");
    const named = [...install.matchAll(/'((?:@types\/)?[\w.-]+)'/g)].map((m) => m[1]!).filter((n) => n in pkg.devDependencies).sort();
    // What tsc needs beyond the production tree: typescript, the globals in tsconfig "types", and
    // @types for runtime dependencies that ship no types of their own.
    const needed = ['typescript', ...tsconfig.compilerOptions.types.map((t) => `@types/${t}`), ...Object.keys(pkg.dependencies).map((d) => `@types/${d}`).filter((t) => t in pkg.devDependencies)];
    expect(named).toEqual([...new Set(needed)].sort());
    const tsc = builders.flatMap((s) => s.filter((i) => i.op === 'RUN' && /\btsc\b/.test(i.args)));
    expect(tsc.map((i) => i.args).join(' ')).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  it('gives every npm command the proxy CA from a BuildKit secret, when one is given', () => {
    expect(npmRuns.length).toBeGreaterThan(0);
    for (const run of npmRuns) {
      const mount = /--mount=type=secret,id=([\w-]+)/.exec(run.args);
      expect(mount, `line ${run.line}: a secret mount`).not.toBeNull();
      expect(run.args, `line ${run.line}`).not.toMatch(/required=true/);
      expect(run.args, `line ${run.line}: CA from the secret, only when present`).toContain(`if [ -f /run/secrets/${mount![1]} ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/${mount![1]}; fi`);
    }
    // Documented in the Dockerfile itself with the build command that uses it.
    expect(dockerfile).toMatch(/docker build --secret id=npm_ca,src=\S+/);
  });
});

describe('Dockerfile: the image as people run it', () => {
  it('runs as the numeric nonroot user 65532, in exec form with absolute paths', () => {
    expect(final.filter((i) => i.op === 'USER').at(-1)!.args).toBe('65532:65532');
    for (const op of ['ENTRYPOINT', 'CMD']) expect(final.filter((i) => i.op === op), op).toHaveLength(1);
    expect(entrypoint[0]).toBe('/nodejs/bin/node');
    const script = entrypoint.at(-1)!;
    expect(script).toBe(join(finalWorkdir, pkg.bin.sgbridge!));
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(final.map((i) => i.args)).toContain('--from=build /src/dist ./dist');
    expect(JSON.parse(final.find((i) => i.op === 'CMD')!.args)).toEqual(['serve']);
    // Source maps either shipped and used, or not made at all.
    const tsc = builders.flatMap((st) => st.filter((i) => i.op === 'RUN' && /\btsc\b/.test(i.args))).map((i) => i.args).join(' ');
    const maps = /--sourceMap false\b/.test(tsc) ? false : buildConfig.compilerOptions.sourceMap === true;
    expect(entrypoint.includes('--enable-source-maps'), 'node --enable-source-maps exactly when the build makes maps').toBe(maps);
    // node on PATH too, for exec probes and hooks that name it (the chart's preStop before 1.30).
    expect(finalEnv.PATH!.split(':')[0]).toBe('/nodejs/bin');
  });

  it('listens on every interface and keeps certificates in a folder 65532 may write', () => {
    expect(finalEnv[envName('listen')]).toBe('0.0.0.0');
    const tlsDir = finalEnv[envName('tlsDir')]!;
    expect(tlsDir).toMatch(/^\//);
    expect(final.some((i) => i.op === 'EXPOSE' && i.args === '8443')).toBe(true);
    const owned = final.filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build --chown=65532:65532 '));
    expect(owned.map((i) => join(finalWorkdir, i.args.split(' ').at(-1)!))).toContain(tlsDir);
  });

  it('carries the OCI labels: source, version and licence, from their homes', () => {
    const labels = merged(final, 'LABEL');
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { home: string; appVersion: string };
    expect(labels['org.opencontainers.image.source']).toBe(chart.home);
    expect(labels['org.opencontainers.image.licenses']).toBe(pkg.license);
    expect(labels['org.opencontainers.image.version']).toBe('${VERSION}');
    expect(merged(final, 'ARG').VERSION, 'ARG VERSION default is package.json version').toBe(pkg.version);
    expect(chart.appVersion, 'Chart.yaml appVersion is package.json version').toBe(pkg.version);
  });

  it('follows the usual lint rules', () => {
    for (const ins of instructions) {
      expect(ins.op, `line ${ins.line}: COPY, not ADD (DL3020)`).not.toBe('ADD');
      if (ins.op === 'WORKDIR') expect(ins.args, `line ${ins.line}: absolute WORKDIR (DL3000)`).toMatch(/^\//);
      if (ins.op === 'RUN') {
        expect(ins.args, `line ${ins.line}: no cd, use WORKDIR (DL3003)`).not.toMatch(/(^|&&|;)\s*cd\s/);
        expect(ins.args, `line ${ins.line}: no sudo (DL3004)`).not.toMatch(/\bsudo\b/);
        expect(ins.args, `line ${ins.line}: no curl|wget piping`).not.toMatch(/\b(curl|wget)\b/);
      }
      if (ins.op === 'USER') expect(ins.args, `line ${ins.line}: not root (DL3002)`).not.toMatch(/^(root|0)(:|$)/);
      expect(ins.op, `line ${ins.line}: MAINTAINER is deprecated (DL4000)`).not.toBe('MAINTAINER');
    }
    expect(instructions.filter((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT').every((i) => i.args.startsWith('['))).toBe(true);
  });
});

describe('the image entry point, run here', () => {
  // The first test file to get here compiles the app (tsc) while the others wait for it.
  beforeAll(() => void builtApp(), BUILD_TIMEOUT_MS);

  it('serves /healthz from another working directory with the image environment, leaving the app folder unchanged', async () => {
    const app = builtApp();
    const before = snapshot(app);
    const cwd = mkdtempSync(join(tmpdir(), 'sgbridge-workdir-'));
    const certs = mkdtempSync(join(tmpdir(), 'sgbridge-image-certs-'));
    // The image's ENV with its folders mapped here; this test listens on loopback, on a port the system gave.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: cwd, ...finalEnv, [envName('tlsDir')]: certs, [envName('listen')]: '127.0.0.1', [envName('port')]: String(await freePort()) };
    const args = entrypoint.slice(1).map((a) => (a.startsWith(finalWorkdir + '/') ? join(app, relative(finalWorkdir, a)) : a));
    const cmd = JSON.parse(final.find((i) => i.op === 'CMD')!.args) as string[];
    const server = await startServeProcess(process.execPath, [...args, ...cmd], { cwd, env });
    try {
      const health = await httpsGet(`${server.url}/healthz`, readFileSync(join(certs, 'ca.crt'), 'utf8'));
      expect(health.status).toBe(200);
    } finally {
      expect(await server.stop(), server.output()).toBe(0);
    }
    expect(snapshot(app)).toEqual(before);
    expect(readdirSync(cwd)).toEqual([]);
  }, 120_000);
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('sends exactly what the COPY instructions need, and they exist', () => {
    for (const ins of instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = ins.args.split(' ').slice(0, -1);
      for (const src of sources) {
        expect(existsSync(join(REPO_ROOT, src)), `${src} exists`).toBe(true);
        expect(sentToBuild(patterns, src.replace(/\/$/, '')), `${src} reaches the build`).toBe(true);
      }
    }
  });

  it('keeps node_modules, dist, local certificates, tools, tests and git out of the build', () => {
    for (const path of ['node_modules', 'node_modules/pino/package.json', 'dist/main.js', 'certs/tls.key', '.tools/helm', 'test/charts/chart.test.ts', '.git/config', 'charts/sgbridge/values.yaml', '.env']) {
      expect(sentToBuild(patterns, path), path).toBe(false);
    }
    expect(sentToBuild(patterns, 'src/main.ts')).toBe(true);
  });
});

describe('README: running the image', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Run the image');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const tlsDir = finalEnv[envName('tlsDir')]!;
  const port = final.find((i) => i.op === 'EXPOSE')!.args;

  it('publishes the exposed port and takes the CA from the folder the image makes its certificates in', () => {
    expect(start).toBeGreaterThan(-1);
    expect(section).toMatch(new RegExp(`docker run -d --name (\\S+) -p ${port}:${port} \\S+ serve\\n`));
    expect(section).toContain(`docker cp sgbridge:${tlsDir}/ca.crt `);
    expect(section).toMatch(new RegExp(`curl -s --cacert \\S+ https://localhost:${port}/healthz`));
  });

  it('mounts certificates of your own read-only over that folder, as their owner', () => {
    expect(section).toMatch(new RegExp(`--user "\\$\\(id -u\\):\\$\\(id -g\\)" -v "\\$PWD/certs:${tlsDir}:ro" \\S+ serve`));
  });

  it('builds behind a proxy with the secret id the Dockerfile mounts', () => {
    const ids = new Set([...dockerfile.matchAll(/--mount=type=secret,id=([\w-]+)/g)].map((m) => m[1]));
    expect([...ids]).toHaveLength(1);
    expect(section).toContain(`docker build --secret id=${[...ids][0]},src=`);
  });
});
