// `sgbridge serve` with the setting securityGroupPolicies against the apiserver double (AWS's CRD
// schema validating every policy created): AdmissionReviews shaped like the recorded ones, over
// real TLS. A pod selected by a policy gets its groups at creation, from the watch-fed caches;
// /validate refuses a policy that names the trust group or a group its namespace's allow-list
// forbids; with the setting off nothing reads SecurityGroupPolicies.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admissionOnly, startServe, type RunningServe } from '../../src/cli/serve.js';
import type { AdmissionRequest } from '../../src/core/admission-types.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import { FILES } from '../../src/tls/local.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { admissionSample } from '../support/fixtures.js';
import { sgpClusterDouble } from '../support/sgp-cluster.js';
import { until } from '../support/until.js';
import { sgp } from '../core/security-group-policy/builders.js';
import { httpsCall } from './support/https-client.js';

const DB_SG = 'sg-0d8b7c6a5e4f30211';
const POD_SG = 'sg-98765432109876';
const TRUST = 'sg-0f1e2d3c4b5a69788';
const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';
const ALLOW = 'aws.tigera.io/allowed-security-groups';
const sample = (file: string) => JSON.parse(readFileSync(admissionSample(file), 'utf8')) as { request: AdmissionRequest };

/** The recorded pod CREATE (labels app: standalone, team: payments; no annotation). */
const podReview = () => sample('003-mutate-pods-CREATE.json');

/** The recorded Tier CREATE's envelope around a SecurityGroupPolicy, as kube-apiserver sends a namespaced custom resource. */
function policyReview(policy: ReturnType<typeof sgp>) {
  const review = sample('020-validate-tiers.crd.projectcalico.org-CREATE.json');
  const gvk = { group: 'vpcresources.k8s.aws', version: 'v1beta1', kind: 'SecurityGroupPolicy' };
  const gvr = { group: 'vpcresources.k8s.aws', version: 'v1beta1', resource: 'securitygrouppolicies' };
  Object.assign(review.request, { kind: gvk, requestKind: gvk, resource: gvr, requestResource: gvr, name: policy.metadata.name, namespace: policy.metadata.namespace, object: policy });
  return review;
}

const decoded = (res: { json: () => unknown }) => {
  const { response } = res.json() as { response: { allowed: boolean; patch?: string; status?: { message?: string } } };
  return { allowed: response.allowed, patch: response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as { path: string }[]) : [], message: response.status?.message ?? '' };
};
const groupsAdded = (patch: { path: string }[]) => patch.map((op) => op.path.replace('/metadata/labels/sg.aws.tigera.io~1', '')).sort();

describe('sgbridge serve with SecurityGroupPolicies', () => {
  let api: ApiServerDouble;
  let dir: string;
  let running: RunningServe | undefined;
  let settings: Settings;
  const serve = async (over: Partial<Settings>) => {
    running = await startServe({ settings: { ...settings, ...over }, logger: pino({ level: 'silent' }), registry: new Registry(), kubeConfig: api.kubeConfig(), clusterParts: admissionOnly, out: () => undefined });
    return readFileSync(join(settings.tlsDir, FILES.ca), 'utf8');
  };
  const post = (path: string, ca: string, body: unknown) => httpsCall(`${running!.url}${path}`, { ca, body: JSON.stringify(body) }).then(decoded);

  beforeEach(async () => {
    api = await sgpClusterDouble();
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked', annotations: { [ALLOW]: `["${POD_SG}"]` } } });
    api.create(sgp('payments', 'integration-demo', { podSelector: { matchLabels: { team: 'payments' } }, groupIds: [DB_SG] }));
    dir = mkdtempSync(join(tmpdir(), 'sgbridge-serve-sgp-'));
    settings = { ...defaultSettings(), tlsDir: join(dir, 'certs'), port: 0 };
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("labels a pod its namespace's policy selects at creation, and the plain pod keeps the node groups", async () => {
    const ca = await serve({ securityGroupPolicies: true });
    await until(async () => (await httpsCall(`${running!.url}/readyz`, { ca, method: 'GET' })).status === 200, { what: 'readiness', timeoutMs: 10_000 });
    api.clearRequests();
    const selected = await post('/mutate', ca, podReview());
    expect(selected.allowed).toBe(true);
    expect(groupsAdded(selected.patch)).toEqual([DB_SG, POD_DEFAULT].sort());

    const plain = podReview();
    plain.request.object!.metadata!.labels = { app: 'standalone' };
    const unselected = await post('/mutate', ca, plain);
    expect(groupsAdded(unselected.patch)).not.toContain(DB_SG);
    expect(groupsAdded(unselected.patch)).toContain(POD_DEFAULT);
    // the webhook read the caches, not the API, per request
    expect(api.requests).toEqual([]);
  });

  it('refuses at /validate a policy naming the trust group, or a group the namespace does not allow', async () => {
    const ca = await serve({ securityGroupPolicies: true });
    const trust = await post('/validate', ca, policyReview(sgp('sneaky', 'integration-demo', { podSelector: {}, groupIds: [TRUST] })));
    expect(trust).toMatchObject({ allowed: false, message: expect.stringContaining(`security group ${TRUST} is internal to the integration`) });
    const locked = await post('/validate', ca, policyReview(sgp('db', 'locked', { podSelector: {}, groupIds: [DB_SG] })));
    expect(locked).toMatchObject({ allowed: false, message: expect.stringContaining(`security group ${DB_SG} is not permitted for pods in namespace locked`) });
    const fine = await post('/validate', ca, policyReview(sgp('web', 'locked', { podSelector: {}, groupIds: [POD_SG] })));
    expect(fine.allowed).toBe(true);
  });

  it('reads no SecurityGroupPolicy or ServiceAccount with the setting off, and the policy gives nothing', async () => {
    const ca = await serve({});
    const res = await post('/mutate', ca, podReview());
    expect(groupsAdded(res.patch)).not.toContain(DB_SG);
    expect(api.requests.filter((r) => r.path.includes('securitygrouppolicies') || r.path.includes('serviceaccounts'))).toEqual([]);
  });
});
