// No Docker engine here: the Dockerfile is checked by reading it, with the usual lint rules
// (hadolint's DL3000/3002/3003/3004/3006/3007/3020/3025 and friends) written as assertions.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/helm.js';

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

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const all = stages(instructions);
const final = all.at(-1)!;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; engines: { node: string } };

describe('Dockerfile', () => {
  it('is multi-stage, every base pinned to an exact Node 22 release matching the node devDependency (no latest)', () => {
    const froms = instructions.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const nodeVersion = pkg.devDependencies.node!.replace(/^[\^~]/, '');
    expect(nodeVersion).toMatch(/^22\.\d+\.\d+$/);
    for (const from of froms) {
      const image = from.args.split(' ')[0]!;
      expect(image, `line ${from.line}`).not.toMatch(/:latest\b/);
      expect(image, `line ${from.line}: exact tag`).toMatch(/^[\w./-]+:\d+\.\d+\.\d+-[\w.-]+$|@sha256:[0-9a-f]{64}$/);
      expect(image).toBe(`node:${nodeVersion}-bookworm-slim`);
    }
    expect(froms[0]!.args).toMatch(/ AS build$/i);
  });

  it('builds with npm ci and npm run build, and installs only production dependencies in the final stage', () => {
    const buildRuns = all[0]!.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(buildRuns.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(buildRuns.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    const finalRuns = final.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(finalRuns.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    // DL3016-like: no unpinned `npm install <pkg>` anywhere; the lock file decides versions.
    expect(instructions.filter((i) => i.op === 'RUN' && /\bnpm (i|install)\b/.test(i.args))).toEqual([]);
    const copies = final.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /src/dist ./dist');
    expect(copies.some((c) => /^examples\b/.test(c))).toBe(true);
  });

  it('runs as a numeric non-root user, with ENTRYPOINT and CMD in exec form so node gets SIGTERM', () => {
    const users = final.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users.at(-1)!.args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
    for (const op of ['ENTRYPOINT', 'CMD']) {
      const ins = final.filter((i) => i.op === op);
      expect(ins, op).toHaveLength(1);
      const parsed = JSON.parse(ins[0]!.args) as unknown;
      expect(Array.isArray(parsed), `${op} in exec (JSON) form`).toBe(true);
    }
    expect(JSON.parse(final.find((i) => i.op === 'ENTRYPOINT')!.args)).toEqual(['node', 'dist/main.js']);
    // dist/main.js is what `npm run build` makes from src/main.ts, and the package's own bin.
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(REPO_ROOT, 'src/main.ts'))).toBe(true);
    expect((pkg as unknown as { bin: Record<string, string> }).bin.sgbridge).toBe('dist/main.js');
  });

  it('leaves no shell in the final image, and runs nothing after removing it', () => {
    const runs = final.filter((i) => i.op === 'RUN');
    const last = runs.at(-1)!;
    for (const shell of ['/bin/sh', '/bin/bash', '/usr/bin/sh', '/usr/bin/bash', '/bin/dash', '/usr/bin/dash']) expect(last.args).toContain(shell);
    expect(last.args).toMatch(/\/usr\/local\/bin\/npm\b/);
    expect(final.slice(final.indexOf(last) + 1).map((i) => i.op)).not.toContain('RUN');
    expect(final.some((i) => i.op === 'SHELL')).toBe(false);
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
    for (const path of ['node_modules', 'node_modules/fastify/package.json', 'dist/main.js', 'certs/tls.key', '.tools/helm', 'test/charts/chart.test.ts', '.git/config', 'charts/sgbridge/values.yaml', '.env']) {
      expect(sentToBuild(patterns, path), path).toBe(false);
    }
    expect(sentToBuild(patterns, 'src/main.ts')).toBe(true);
  });
});
