// The SecurityGroupPolicy and ServiceAccount caches against the apiserver double (AWS's CRD
// schema validating what is created): listed and watched in every namespace, each namespace's
// policies indexed when one changes, deletion dropping the index.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyGroupsFor } from '../../src/core/security-group-policy/index.js';
import { SecurityGroupPolicyCaches } from '../../src/kube/security-group-policy-caches.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { serviceAccount, sgpClusterDouble } from '../support/sgp-cluster.js';
import { until } from '../support/until.js';
import { awsSamples, sgp } from '../core/security-group-policy/builders.js';

const A = 'sg-0000000000000000a';
const B = 'sg-0000000000000000b';
const SGP = 'vpcresources.k8s.aws/v1beta1';

describe('SecurityGroupPolicyCaches', () => {
  let api: ApiServerDouble;
  let caches: SecurityGroupPolicyCaches | undefined;
  beforeEach(async () => {
    api = await sgpClusterDouble();
  });
  afterEach(async () => {
    caches?.stop();
    caches = undefined;
    await api.close();
  });

  it("lists AWS's samples and ServiceAccounts, and matches pods as the controller does", async () => {
    for (const sample of awsSamples()) api.create({ ...sample, metadata: { ...sample.metadata, namespace: 'shop' } } as never);
    api.create(serviceAccount('shop', 'db-reader', { role: 'db', environment: 'production' }));
    caches = SecurityGroupPolicyCaches.create(api.kubeConfig(), { log: pino({ level: 'silent' }) });
    await caches.start();
    expect(caches.ready).toBe(true);
    expect(caches.policies('other')).toBeUndefined();
    const byPod = policyGroupsFor({ labels: { role: 'db', environment: 'qa' } }, 'shop', caches);
    expect(byPod?.sources.map((s) => s.policy.name)).toEqual(['securitygrouppolicy-sample-podselector']);
    const bySa = policyGroupsFor({ labels: {}, serviceAccountName: 'db-reader' }, 'shop', caches);
    expect(bySa?.sources.map((s) => s.policy.name)).toEqual(['securitygrouppolicy-sample-serviceaccountselector']);
    expect(bySa?.groups).toEqual(['sg-07b9fafd9006da7d5']);
  });

  it('follows creation, change and deletion of policies and ServiceAccount labels by watch', async () => {
    caches = SecurityGroupPolicyCaches.create(api.kubeConfig(), { log: pino({ level: 'silent' }) });
    await caches.start();
    const groups = (labels: Record<string, string>, sa?: string) => policyGroupsFor({ labels, ...(sa ? { serviceAccountName: sa } : {}) }, 'shop', caches!)?.groups;
    const nonEmpty = (g: string[] | undefined) => (g?.length ? g : undefined);
    api.create(sgp('web', 'shop', { podSelector: { matchLabels: { app: 'web' } }, groupIds: [A] }));
    expect(await until(() => nonEmpty(groups({ app: 'web' })), { what: 'the new policy' })).toEqual([A]);
    api.replace({ ...(api.get(SGP, 'SecurityGroupPolicy', 'web', 'shop') as object), spec: { podSelector: { matchLabels: { app: 'web' } }, securityGroups: { groupIds: [B] } } } as never);
    expect(await until(() => groups({ app: 'web' })?.[0] === B && groups({ app: 'web' }), { what: 'the changed policy' })).toEqual([B]);

    api.create(sgp('pay', 'shop', { serviceAccountSelector: { matchLabels: { team: 'pay' } }, groupIds: [A] }));
    api.create(serviceAccount('shop', 'payer'));
    await until(() => caches!.serviceAccountLabels('shop', 'payer'), { what: 'the ServiceAccount' });
    expect(groups({}, 'payer')).toEqual([]);
    api.replace({ ...(api.get('v1', 'ServiceAccount', 'payer', 'shop') as object), metadata: { ...(api.get('v1', 'ServiceAccount', 'payer', 'shop') as { metadata: object }).metadata, labels: { team: 'pay' } } } as never);
    expect(await until(() => nonEmpty(groups({}, 'payer')), { what: 'the relabelled ServiceAccount' })).toEqual([A]);

    api.remove(SGP, 'SecurityGroupPolicy', 'web', 'shop');
    api.remove(SGP, 'SecurityGroupPolicy', 'pay', 'shop');
    await until(() => caches!.policies('shop') === undefined, { what: 'the namespace without policies' });
  });

  it('keeps an invalid policy out of matching and reports it', async () => {
    api.create(sgp('empty', 'shop', { groupIds: [A] }));
    caches = SecurityGroupPolicyCaches.create(api.kubeConfig(), { log: pino({ level: 'silent' }) });
    await caches.start();
    const found = policyGroupsFor({ labels: {} }, 'shop', caches);
    expect(found?.groups).toEqual([]);
    expect(found?.ignored).toEqual([{ policy: { namespace: 'shop', name: 'empty' }, reason: expect.stringContaining('neither spec.podSelector nor spec.serviceAccountSelector') }]);
  });
});
