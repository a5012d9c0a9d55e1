import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { registerCerts } from '../../src/cli/certs.js';
import { materialProblems } from '../../src/tls/ca.js';
import { runCli } from '../support/cli.js';

const runCerts = async (args: string[]) => (await runCli(registerCerts, ['certs', ...args])).out;

const read = async (dir: string) => ({
  ca: await readFile(join(dir, 'ca.crt'), 'utf8'),
  cert: await readFile(join(dir, 'tls.crt'), 'utf8'),
  key: await readFile(join(dir, 'tls.key'), 'utf8'),
});

describe('sgbridge certs', () => {
  it('writes ca.crt, tls.crt and tls.key (0600) for repeated and comma-separated names', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'sgbridge-certs-')), 'out');
    const out = await runCerts(['--out', dir, '--dns', 'a.example,b.example', '--dns', 'c.example', '--ip', '10.0.0.1', '--ip', '::1,127.0.0.1', '--days', '30']);
    expect(out).toMatch(/made a new CA/);
    const m = await read(dir);
    expect(materialProblems(m)).toEqual([]);
    expect((await stat(join(dir, 'tls.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'ca.key'))).mode & 0o777).toBe(0o600);
    const x = new X509Certificate(m.cert);
    expect(x.subjectAltName).toBe('DNS:a.example, DNS:b.example, DNS:c.example, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:127.0.0.1');
    const days = (new Date(x.validTo).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('keeps the CA on a second run unless --new-ca', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sgbridge-certs-'));
    await runCerts(['--out', dir, '--dns', 'one.example']);
    const first = await read(dir);
    expect(await runCerts(['--out', dir, '--dns', 'two.example'])).toMatch(/kept the CA/);
    const second = await read(dir);
    expect(second.ca).toBe(first.ca);
    expect(new X509Certificate(second.cert).subjectAltName).toBe('DNS:two.example');
    await runCerts(['--out', dir, '--dns', 'two.example', '--new-ca']);
    expect((await read(dir)).ca).not.toBe(first.ca);
  });

  it('defaults to localhost and 127.0.0.1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sgbridge-certs-'));
    await runCerts(['--out', dir]);
    expect(new X509Certificate((await read(dir)).cert).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
  });

  it('refuses a bad IP with a clear error and a non-zero exit, writing nothing', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'sgbridge-certs-')), 'out');
    const run = promisify(execFile);
    const err = await run('npx', ['tsx', 'src/main.ts', 'certs', '--out', dir, '--ip', '10.0.0.300'], { cwd: process.cwd() }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('ip: expected an IPv4 or IPv6 address, got "10.0.0.300"');
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});
