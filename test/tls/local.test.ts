import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { materialProblems } from '../../src/tls/ca.js';
import { ensureLocalCertificates } from '../../src/tls/local.js';
import { certificateExpiry } from '../../src/tls/material.js';

const tmp = () => mkdtemp(join(tmpdir(), 'sgbridge-local-'));

describe('ensureLocalCertificates', () => {
  it('makes ca.crt, tls.crt and tls.key (0600) on first run and loads them afterwards', async () => {
    const dir = await tmp();
    const first = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
    expect(first.created).toBe(true);
    expect(materialProblems(first.material)).toEqual([]);
    expect((await stat(join(dir, 'tls.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'tls.crt'), 'utf8')).toBe(first.material.cert);
    const second = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
    expect(second.created).toBe(false);
    expect(second.material).toEqual(first.material);
  });

  it('reissues from the same CA when a name is missing', async () => {
    const dir = await tmp();
    const first = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: [] });
    const again = await ensureLocalCertificates(dir, { dns: ['localhost', 'host.example'], ips: ['10.1.2.3'] });
    expect(again.created).toBe(true);
    expect(again.material.ca).toBe(first.material.ca);
    expect(again.material.cert).not.toBe(first.material.cert);
  });

  it('remakes unreadable or mismatched files', async () => {
    const dir = await tmp();
    await ensureLocalCertificates(dir, { dns: ['localhost'], ips: [] });
    await writeFile(join(dir, 'tls.crt'), 'not a certificate');
    const again = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: [] });
    expect(again.created).toBe(true);
    expect(again.reason).toMatch(/tls.crt/);
    expect(materialProblems(again.material)).toEqual([]);
  });

  it('remakes a certificate that expires within the renewal window', async () => {
    const dir = await tmp();
    const now = new Date();
    const short = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: [], days: 10, now });
    expect(certificateExpiry(short.material.cert).getTime() - now.getTime()).toBeLessThan(11 * 86_400_000);
    const again = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: [] });
    expect(again.created).toBe(true);
    expect(again.reason).toMatch(/expires soon/);
    expect(again.material.ca).toBe(short.material.ca);
  });
});
