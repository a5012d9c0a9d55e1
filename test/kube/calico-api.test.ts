// Calico API detection by discovery.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CalicoApiNotFound, detectCalicoApi } from '../../src/kube/calico-api.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';

let api: ApiServerDouble | undefined;
afterEach(async () => {
  await api?.close();
});

function capture() {
  const lines: string[] = [];
  return { log: pino({ level: 'info' }, { write: (s: string) => lines.push(s) }), lines };
}

describe('detectCalicoApi', () => {
  it.each([
    ['crd', 'crd', /crd\.projectcalico\.org\/v1/],
    ['v3', 'v3', /native projectcalico\.org\/v3/],
    ['both', 'crd', /crd\.projectcalico\.org\/v1/],
  ] as const)('serving %s → %s, and says so in the log', async (served, want, logged) => {
    api = await startApiServerDouble({ calico: served });
    const { log, lines } = capture();
    expect(await detectCalicoApi(api.kubeConfig(), log)).toBe(want);
    expect(lines.join('')).toMatch(logged);
  });

  it('fails clearly when Calico is not installed', async () => {
    api = await startApiServerDouble({ calico: 'none' });
    await expect(detectCalicoApi(api.kubeConfig())).rejects.toBeInstanceOf(CalicoApiNotFound);
    await expect(detectCalicoApi(api.kubeConfig())).rejects.toThrow(/Install Calico/);
  });
});
