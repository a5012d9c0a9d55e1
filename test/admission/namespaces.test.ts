// The namespace allow-list cache against the kube-apiserver test double, through
// @kubernetes/client-node, and the pod webhook's answers that depend on it.
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mutateHandler } from '../../src/admission/handlers.js';
import type { AdmissionRequest } from '../../src/core/admission-types.js';
import { NamespaceCache } from '../../src/kube/namespaces.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';
import { examplePolicy } from './support/server.js';
import { until } from '../support/until.js';
import { admissionSample } from '../support/fixtures.js';

const ALLOW = 'aws.tigera.io/allowed-security-groups';
const SAMPLE = JSON.parse(readFileSync(admissionSample('003-mutate-pods-CREATE.json'), 'utf8')) as { request: AdmissionRequest };

function podRequest(namespace: string, groups: string): AdmissionRequest {
  const request = structuredClone(SAMPLE.request);
  request.namespace = namespace;
  request.object!.metadata!.namespace = namespace;
  request.object!.metadata!.annotations = { 'aws.tigera.io/security-groups': groups };
  return request;
}

function namespace(name: string, annotations?: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(annotations ? { annotations } : {}) } };
}

describe('NamespaceCache against the apiserver double', () => {
  let api: ApiServerDouble;
  let cache: NamespaceCache;
  beforeEach(async () => {
    api = await startApiServerDouble();
    api.create(namespace('team-a', { [ALLOW]: '["sg-98765432109876"]' }));
    api.create(namespace('open', { [ALLOW]: '["*"]' }));
    api.create(namespace('plain'));
    cache = new NamespaceCache(api.kubeConfig(), { restartDelayMs: 100 });
  });
  afterEach(async () => {
    await cache.stop();
    await api.close();
  });

  it('serves annotations from the watch-backed cache without a request per lookup', async () => {
    await cache.start();
    expect(cache.ready).toBe(true);
    api.clearRequests();
    expect(await cache.facts('team-a')).toEqual({ allowList: 'on', annotations: { [ALLOW]: '["sg-98765432109876"]' } });
    expect(await cache.facts('plain')).toEqual({ allowList: 'on', annotations: {} });
    expect(api.requests.filter((r) => r.path.startsWith('/api/v1/namespaces/'))).toEqual([]);
  });

  it('follows annotation changes through the watch', async () => {
    await cache.start();
    const ns = api.get('v1', 'Namespace', 'team-a') as { metadata: { annotations: Record<string, string> } };
    ns.metadata.annotations[ALLOW] = '["sg-12345678901234"]';
    api.replace(ns);
    await until(async () => {
      const facts = await cache.facts('team-a');
      return facts.allowList === 'on' && facts.annotations[ALLOW] === '["sg-12345678901234"]';
    });
  });

  it('fetches a namespace missing from the cache once, and remembers it', async () => {
    await cache.start();
    await api.pauseWatches(true);
    api.create(namespace('late', { [ALLOW]: '["*"]' }));
    api.clearRequests();
    const [a, b] = await Promise.all([cache.facts('late'), cache.facts('late')]);
    expect(a).toEqual({ allowList: 'on', annotations: { [ALLOW]: '["*"]' } });
    expect(b).toEqual(a);
    expect(await cache.facts('late')).toEqual(a);
    expect(api.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/late')).toHaveLength(1);
  });

  it('answers unknown when the API fails, and the pod webhook then denies pods that name groups', async () => {
    await cache.start();
    api.failNext({ method: 'GET', path: '/api/v1/namespaces/missing-from-cache', status: 500 });
    const facts = await cache.facts('missing-from-cache');
    expect(facts).toEqual({ allowList: 'unknown', problem: 'the Kubernetes API answered HTTP 500' });

    api.failNext({ method: 'GET', path: '/api/v1/namespaces/also-missing', status: 500 });
    const handler = mutateHandler(await examplePolicy().then((p) => () => p), (ns, ctx) => cache.facts(ns, ctx.timeoutMs));
    const denied = await handler(podRequest('also-missing', '["sg-98765432109876"]'), {});
    expect(denied.allowed).toBe(false);
    expect(denied.message).toMatch(/cannot check aws\.tigera\.io\/allowed-security-groups of namespace also-missing \(the Kubernetes API answered HTTP 500\)/);
    // A pod that names no group does not need the namespace and is admitted.
    const unnamed = structuredClone(SAMPLE.request);
    unnamed.namespace = 'also-missing';
    expect((await handler(unnamed, {})).allowed).toBe(true);
  });

  it('keeps answering from fetches while the list itself fails, and recovers', async () => {
    api.failNext({ method: 'GET', path: /^\/api\/v1\/namespaces$/, status: 500, count: 2 });
    await cache.start();
    expect(cache.ready).toBe(false);
    expect(await cache.facts('team-a')).toEqual({ allowList: 'on', annotations: { [ALLOW]: '["sg-98765432109876"]' } });
    await until(() => cache.ready);
  });

  it('decides the allow-list through the pod webhook', async () => {
    await cache.start();
    const policy = await examplePolicy();
    const handler = mutateHandler(() => policy, (ns, ctx) => cache.facts(ns, ctx.timeoutMs));
    expect((await handler(podRequest('team-a', '["sg-98765432109876"]'), {})).allowed).toBe(true);
    const refused = await handler(podRequest('team-a', '["sg-12345678901234", "sg-98765432109876"]'), {});
    expect(refused.allowed).toBe(false);
    expect(refused.message).toBe('security group sg-12345678901234 is not permitted for pods in namespace team-a (aws.tigera.io/allowed-security-groups lists sg-98765432109876)');
    expect((await handler(podRequest('open', '["sg-12345678901234"]'), {})).allowed).toBe(true);
    expect((await handler(podRequest('plain', '["sg-12345678901234"]'), {})).allowed).toBe(true);

    const strictNamespaces = mutateHandler(await examplePolicy({ namespaceDefault: 'none' }).then((p) => () => p), (ns) => cache.facts(ns));
    const none = await strictNamespaces(podRequest('plain', '["sg-12345678901234"]'), {});
    expect(none.allowed).toBe(false);
    expect(none.message).toMatch(/namespace plain does not allow security groups/);
  });
});

describe('NamespaceCache against an apiserver that never answers', () => {
  it('does not hold up start, and answers unknown within the time the apiserver waits', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never replies
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'silent', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'silent', cluster: 'silent', user: 'u' }],
      currentContext: 'silent',
    });
    const cache = new NamespaceCache(kc, { fetchTimeoutMs: 2000 });
    try {
      const started = Date.now();
      await cache.start(300);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(cache.ready).toBe(false);
      // The apiserver waits 1 s (?timeout=1s): sgbridge gives up in time to answer.
      const facts = await cache.facts('team-a', 1000);
      expect(facts).toEqual({ allowList: 'unknown', problem: 'no answer within 500 ms' });
    } finally {
      await cache.stop();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
