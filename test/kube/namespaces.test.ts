// The namespace cache's memory of lookups it had to make itself: a namespace the watch has not
// delivered (or that does not exist) costs one GET for a burst of pods, and the watch replaces
// what was remembered as soon as it delivers the namespace.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NamespaceCache } from '../../src/kube/namespaces.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';

const ALLOW = 'aws.tigera.io/allowed-security-groups';
let api: ApiServerDouble;
let cache: NamespaceCache;
beforeEach(async () => {
  api = await startApiServerDouble();
  cache = new NamespaceCache(api.kubeConfig(), { restartDelayMs: 20, failedTtlMs: 60_000 });
  await cache.start();
  await until(() => api.openWatches() === 1);
});
afterEach(async () => {
  await cache.stop();
  await api.close();
});

const gets = (name: string) => api.requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/namespaces/${name}`).length;

describe('NamespaceCache lookups outside the watch', () => {
  it('remembers a failed lookup: fifty pods in an unknown namespace make one GET', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.facts('not-yet')));
    for (let i = 0; i < 50; i++) answers.push(await cache.facts('not-yet'));
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify({ allowList: 'unknown', problem: 'the namespace does not exist' })]));
    expect(gets('not-yet')).toBe(1);
  });

  it('forgets the failure when the watch delivers the namespace', async () => {
    expect((await cache.facts('arriving')).allowList).toBe('unknown');
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'arriving', annotations: { [ALLOW]: '["*"]', unrelated: 'x' } } });
    await until(async () => (await cache.facts('arriving')).allowList === 'on');
    expect(await cache.facts('arriving')).toEqual({ allowList: 'on', annotations: { [ALLOW]: '["*"]' } });
    expect(gets('arriving')).toBe(1);
  });

  it('keeps only the allow-list annotation of each namespace', async () => {
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big', annotations: { [ALLOW]: '["sg-0123456789abcdef0"]', 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(10_000) } } });
    await until(() => cache.cache.get('big'));
    expect(cache.cache.get('big')).toEqual({ [ALLOW]: '["sg-0123456789abcdef0"]' });
  });
});
