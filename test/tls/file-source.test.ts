import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileTlsSource } from '../../src/tls/file-source.js';
import { ensureLocalCertificates, writeCertificateFiles } from '../../src/tls/local.js';
import { createCa, issueServingCertificate } from '../../src/tls/ca.js';
import type { TlsMaterial } from '../../src/tls/material.js';
import { until } from '../support/until.js';

describe('fileTlsSource', () => {
  it('fails clearly when the directory has no certificates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sgbridge-fs-'));
    await expect(fileTlsSource(dir)).rejects.toThrow(/expected readable tls.crt, tls.key and ca.crt/);
  });

  it('reloads changed files, keeps the last good material on bad ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sgbridge-fs-'));
    const { material } = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: [] });
    const rejected: string[][] = [];
    const source = await fileTlsSource(dir, { pollMs: 100, onRejected: (p) => rejected.push(p) });
    try {
      expect(source.current()).toEqual(material);
      const seen: TlsMaterial[] = [];
      source.subscribe((m) => seen.push(m));

      await writeFile(join(dir, 'tls.crt'), 'broken');
      await until(() => rejected.length > 0);
      expect(source.current()).toEqual(material);
      expect(seen).toEqual([]);

      const ca = createCa();
      const next = issueServingCertificate(ca, { dns: ['localhost'], ips: [] });
      const nextMaterial = { ...next, ca: ca.cert };
      await writeCertificateFiles(dir, nextMaterial);
      await until(() => seen.length > 0);
      expect(source.current()).toEqual(nextMaterial);
      expect(seen.at(-1)).toEqual(nextMaterial);
    } finally {
      source.close();
    }
  });
});
