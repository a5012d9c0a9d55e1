import { describe, expect, it } from 'vitest';
import { createCa, issueServingCertificate } from '../../src/tls/ca.js';
import type { TlsMaterial } from '../../src/tls/material.js';
import { secretTlsSource } from '../../src/tls/secret-source.js';
import { until } from '../support/until.js';

const make = (): TlsMaterial => {
  const ca = createCa();
  return { ...issueServingCertificate(ca, { dns: ['localhost'], ips: [] }), ca: ca.cert };
};

describe('secretTlsSource', () => {
  it('waits for usable material, then follows changes and keeps the last good one', async () => {
    let stored: Partial<TlsMaterial> | undefined;
    const problems: string[] = [];
    const a = make();
    setTimeout(() => (stored = { cert: a.cert }), 50);
    setTimeout(() => (stored = a), 150);
    const source = await secretTlsSource(async () => stored, { pollMs: 30, onProblem: (p) => problems.push(p) });
    try {
      expect(source.current()).toEqual(a);
      expect(problems[0]).toMatch(/does not exist or is incomplete/);
      const seen: TlsMaterial[] = [];
      source.subscribe((m) => seen.push(m));
      stored = { ...a, key: make().key };
      await until(() => problems.some((p) => /does not belong/.test(p)));
      expect(source.current()).toEqual(a);
      const b = make();
      stored = b;
      await until(() => seen.length === 1);
      expect(source.current()).toEqual(b);
      stored = undefined;
      await until(() => problems.some((p) => /disappeared/.test(p)));
      expect(source.current()).toEqual(b);
    } finally {
      source.close();
    }
  });

  it('gives up with a clear error when nothing usable appears in time', async () => {
    await expect(secretTlsSource(async () => undefined, { pollMs: 20, firstWithinMs: 100 })).rejects.toThrow(/no usable TLS material in the certificate Secret after 100 ms/);
  });

  it('keeps serving through read errors', async () => {
    const a = make();
    let fail = false;
    const problems: string[] = [];
    const source = await secretTlsSource(async () => {
      if (fail) throw new Error('HTTP 500');
      return a;
    }, { pollMs: 20, onProblem: (p) => problems.push(p) });
    fail = true;
    await until(() => problems.length > 0);
    expect(problems[0]).toMatch(/cannot read the certificate Secret: HTTP 500/);
    expect(source.current()).toEqual(a);
    source.close();
  });
});
