// Issue 18, tried as an attacker would on a real cluster: each hole is a request shaped like the
// recorded AdmissionReviews, first routed through the registrations as webhook-config and the
// Helm chart write them (rules, subresources, namespaceSelector, matchConditions as CEL: a request
// the apiserver never sends is a bypass too), then sent over TLS to the real server. Ordinary writes
// of the same kinds keep passing, and the ones the apiserver does not send are not needed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookHandlers, type NamespaceFactsLookup, type TierFactsLookup } from '../../src/admission/handlers.js';
import type { AdmissionRequest } from '../../src/core/admission-types.js';
import { protectionContextFrom } from '../../src/core/protection/index.js';
import { defaultSettings } from '../../src/core/settings.js';
import { buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { WEBHOOK_NAMES } from '../../src/core/webhooks.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import { routed } from '../support/admission-routing.js';
import { INSTANCE_SG, NODE_GROUP, POD_DEFAULT, POD_SG } from '../support/example-ids.js';
import { admissionSample } from '../support/fixtures.js';
import { renderChart } from '../support/helm.js';
import { httpsCall } from './support/https-client.js';
import { examplePolicy, startTestServer, type TestServer } from './support/server.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const settings = defaultSettings();
const OPERATOR = { username: 'system:serviceaccount:tigera-operator:tigera-operator', groups: ['system:serviceaccounts', 'system:serviceaccounts:tigera-operator', 'system:authenticated'] };
const ADMIN = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
const DEV = { username: 'dev', groups: ['developers', 'system:authenticated'] };
const KUBELET = { username: 'system:node:ip-10-0-1-10.ec2.internal', groups: ['system:nodes', 'system:authenticated'] };
const SCHEDULER = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };

/** The recorded request of one sample file, to start an attack from. */
function sample(prefix: string): Any {
  const file = ['025-validate-hostendpoints.crd.projectcalico.org-CREATE.json', '026-validate-networksets.crd.projectcalico.org-CREATE.json', '028-validate-globalnetworksets.crd.projectcalico.org-CREATE.json', '029-validate-networkpolicies.crd.projectcalico.org-CREATE.json', '021-validate-globalnetworkpolicies.crd.projectcalico.org-CREATE.json', '020-validate-tiers.crd.projectcalico.org-CREATE.json', '014-validate-pods-UPDATE.json', '027-validate-namespaces-UPDATE.json'].find((f) => f.startsWith(prefix))!;
  return (JSON.parse(readFileSync(admissionSample(file), 'utf8')) as { request: Any }).request;
}

/** A recorded Calico CREATE with new labels (and spec), by `user`. */
function calicoWrite(prefix: string, user: Any, labels: Record<string, string>, spec?: Record<string, unknown>, name?: string): Any {
  const r = sample(prefix);
  const object = { ...r.object, metadata: { ...r.object.metadata, labels, ...(name ? { name } : {}) }, ...(spec ? { spec } : {}) };
  return { ...r, userInfo: user, object, ...(name ? { name } : {}) };
}

const pod = (labels: Record<string, string>, annotations?: Record<string, string>, status: Record<string, unknown> = { phase: 'Running' }) => {
  const base = sample('014').object;
  return { ...base, metadata: { ...base.metadata, labels, ...(annotations ? { annotations } : { annotations: undefined }) }, status };
};
const members = (...groups: string[]) => Object.fromEntries([...groups, POD_DEFAULT].map((g) => [`sg.aws.tigera.io/${g}`, '']));
const annotation = (...groups: string[]) => ({ 'aws.tigera.io/security-groups': JSON.stringify(groups) });

function podStatus(user: Any, oldObject: Any, object: Any): Any {
  return { ...sample('014'), subResource: 'status', userInfo: user, oldObject, object };
}
function binding(user: Any, metadata: Record<string, unknown>): Any {
  const r = sample('014');
  return {
    ...r,
    kind: { group: '', version: 'v1', kind: 'Binding' },
    requestKind: { group: '', version: 'v1', kind: 'Binding' },
    subResource: 'binding',
    operation: 'CREATE',
    userInfo: user,
    object: { kind: 'Binding', apiVersion: 'v1', metadata: { name: r.name, namespace: r.namespace, ...metadata }, target: { kind: 'Node', name: 'ip-10-0-1-10.ec2.internal' } },
    oldObject: null,
  };
}
function namespaceWrite(user: Any, annotationsAfter: Record<string, string> | undefined, annotationsBefore: Record<string, string> | undefined): Any {
  const r = sample('027');
  const withAnnotations = (a: Record<string, string> | undefined) => ({ ...r.object, metadata: { ...r.object.metadata, annotations: a } });
  return { ...r, userInfo: user, object: withAnnotations(annotationsAfter), oldObject: withAnnotations(annotationsBefore) };
}

// The recorded pods run in integration-demo; it allows pod-sg only.
const NAMESPACES: Record<string, Record<string, string>> = { 'integration-demo': { 'aws.tigera.io/allowed-security-groups': JSON.stringify([POD_SG]) } };
const namespaceFacts: NamespaceFactsLookup = (ns) => ({ allowList: 'on', annotations: NAMESPACES[ns] ?? {} });
const TIER_ORDERS: Record<string, number | null> = { default: null, 'calico-system': 100, 'allow-tigera': 102, legacy: 50, platform: 200 };
const tierFacts: TierFactsLookup = () => ({ tiers: 'on', orderOf: (t) => TIER_ORDERS[t] });

let server: TestServer;
let codeConfig: Any;
let chartConfig: Any;

beforeAll(async () => {
  const policy = await examplePolicy();
  const protection = protectionContextFrom(settings, await readInventoryFile(EXAMPLE_INVENTORY), { membership: policy });
  server = await startTestServer({ handlers: webhookHandlers(() => policy, () => protection, namespaceFacts, tierFacts) });
  codeConfig = buildValidatingWebhookConfiguration({ target: { url: 'https://sgbridge.example:8443' }, failurePolicy: 'Ignore', settings });
  chartConfig = renderChart({ kubeVersion: '1.32.0', values: { config: { vpcId: 'vpc-0123456789abcdef0' } } }).find((o) => o.kind === 'ValidatingWebhookConfiguration');
});
afterAll(async () => server.close());

/** The webhooks the apiserver calls, the same for the code's registration and the chart's. */
function routes(request: AdmissionRequest): string[] {
  const names = routed([codeConfig], request);
  expect(routed([chartConfig], request), 'the chart routes like webhook-config').toEqual(names);
  return names;
}

async function answer(request: AdmissionRequest): Promise<{ allowed: boolean; code?: number; message?: string }> {
  const res = await httpsCall(`${server.url}/validate?timeout=3s`, { ca: server.ca, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
  expect(res.status).toBe(200);
  const body = res.json() as { response: { uid: string; allowed: boolean; status?: { code?: number; message?: string } } };
  expect(body.response.uid).toBe(request.uid);
  return { allowed: body.response.allowed, code: body.response.status?.code, message: body.response.status?.message };
}

/** Sent to `webhook`, and refused with a message naming each of `mentions`. */
async function refused(request: AdmissionRequest, webhook: string, ...mentions: string[]): Promise<void> {
  expect(routes(request)).toEqual([webhook]);
  const a = await answer(request);
  expect(a.allowed, a.message).toBe(false);
  expect(a.code).toBe(403);
  expect(a.message!.length).toBeLessThan(256);
  for (const m of mentions) expect(a.message).toContain(m);
}

/** Either not sent at all, or sent and allowed. */
async function passes(request: AdmissionRequest): Promise<void> {
  if (routes(request).length === 0) return;
  const a = await answer(request);
  expect(a.allowed, a.message).toBe(true);
}

describe('item 1: the metadata service from a network set', () => {
  it('refuses allow-metadata-access on a NetworkSet over 0.0.0.0/0 in the attacker\'s namespace, a GlobalNetworkSet and a HostEndpoint', async () => {
    for (const value of ['true', '']) {
      await refused(calicoWrite('026', DEV, { 'aws.tigera.io/allow-metadata-access': value }, { nets: ['0.0.0.0/0'] }), WEBHOOK_NAMES.validateCalico, 'aws.tigera.io/allow-metadata-access');
      await refused(calicoWrite('028', ADMIN, { 'aws.tigera.io/allow-metadata-access': value }, { nets: ['0.0.0.0/0'] }), WEBHOOK_NAMES.validateCalico, 'aws.tigera.io/allow-metadata-access');
      await refused(calicoWrite('025', ADMIN, { 'aws.tigera.io/allow-metadata-access': value }), WEBHOOK_NAMES.validateCalico, 'aws.tigera.io/allow-metadata-access');
    }
  });
});

describe('item 2: policies before the integration tiers', () => {
  const allowAll = { selector: 'all()', types: ['Ingress', 'Egress'], ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] };
  it('refuses an Allow-all policy in calico-system, allow-tigera or an early tier, and creating calico-system at order 1', async () => {
    await refused(calicoWrite('021', ADMIN, { 'projectcalico.org/tier': 'calico-system' }, { ...allowAll, tier: 'calico-system' }, 'calico-system.allow-all'), WEBHOOK_NAMES.validateCalico, 'calico-system', 'Calico operator');
    await refused(calicoWrite('021', DEV, {}, { ...allowAll, tier: 'allow-tigera' }, 'allow-tigera.allow-all'), WEBHOOK_NAMES.validateCalico, 'allow-tigera');
    await refused(calicoWrite('021', ADMIN, {}, { ...allowAll, tier: 'legacy' }, 'legacy.allow-all'), WEBHOOK_NAMES.validateCalico, 'legacy', 'order 50');
    await refused(calicoWrite('021', ADMIN, {}, { ...allowAll, tier: 'not-yet-there' }, 'not-yet-there.allow-all'), WEBHOOK_NAMES.validateCalico, 'cannot confirm');
    await refused({ ...calicoWrite('020', ADMIN, {}, { order: 1, defaultAction: 'Pass' }, 'calico-system') }, WEBHOOK_NAMES.validateCalico, 'calico-system', 'allow-listed');
  });
  it('lets the Calico operator write its tiers and their policies, and anyone a policy in the default tier or a late one', async () => {
    await passes(calicoWrite('020', OPERATOR, {}, { order: 100, defaultAction: 'Deny' }, 'calico-system'));
    await passes(calicoWrite('021', OPERATOR, { 'projectcalico.org/tier': 'calico-system' }, { ...allowAll, tier: 'calico-system' }, 'calico-system.allow-all'));
    await passes(sample('029'));
    await passes(calicoWrite('021', ADMIN, {}, { ...allowAll, tier: 'platform' }, 'platform.allow-all'));
  });
});

describe("item 3: sgbridge's other labels", () => {
  it('refuses vpc-member, eni-id, instance-id and endpoint-kind on network sets and host endpoints', async () => {
    for (const key of ['aws.tigera.io/vpc-member', 'aws.tigera.io/eni-id', 'aws.tigera.io/instance-id', 'aws.tigera.io/endpoint-kind']) {
      for (const prefix of ['026', '028', '025']) await refused(calicoWrite(prefix, DEV, { [key]: '' }, prefix === '025' ? undefined : { nets: ['0.0.0.0/0'] }), WEBHOOK_NAMES.validateCalico, key);
    }
  });
  it("refuses them in a Profile's labelsToApply, which reach every HostEndpoint that names the profile", async () => {
    const r = sample('028');
    const profile = (labelsToApply: Record<string, string>, name = 'office') => ({
      ...r,
      kind: { ...r.kind, kind: 'Profile' },
      resource: { ...r.resource, resource: 'profiles' },
      name,
      userInfo: ADMIN,
      object: { apiVersion: 'crd.projectcalico.org/v1', kind: 'Profile', metadata: { name }, spec: { labelsToApply } },
    });
    await refused(profile({ 'aws.tigera.io/vpc-member': '' }), WEBHOOK_NAMES.validateCalico, 'aws.tigera.io/vpc-member', 'Profile');
    await passes(profile({ 'pcns.projectcalico.org/name': 'team-a' }, 'kns.team-a'));
  });

  it('keeps network sets and host endpoints with ordinary labels', async () => {
    for (const prefix of ['026', '028', '025']) await passes(calicoWrite(prefix, DEV, { role: 'office', 'example.com/vpc-member': '' }));
  });
});

describe('item 4: pods/status and pods/binding', () => {
  const before = pod(members(POD_SG), annotation(POD_SG));
  it('refuses a status update that moves annotation and labels to a group the namespace forbids', async () => {
    await refused(podStatus(DEV, before, pod(members(INSTANCE_SG), annotation(INSTANCE_SG))), WEBHOOK_NAMES.validatePodStatus, INSTANCE_SG, 'not permitted');
  });
  it('sends, and refuses, a status update that changes only the annotation', async () => {
    await refused(podStatus(DEV, before, pod(members(POD_SG), annotation(INSTANCE_SG))), WEBHOOK_NAMES.validatePodStatus);
    await refused(podStatus(DEV, pod(members(NODE_GROUP)), pod(members(NODE_GROUP), annotation(POD_SG))), WEBHOOK_NAMES.validatePodStatus, POD_SG);
  });
  it('leaves a kubelet-like status update (conditions only) to the apiserver', async () => {
    const kubelet = podStatus(KUBELET, before, pod(members(POD_SG), annotation(POD_SG), { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }));
    expect(routes(kubelet)).toEqual([]);
  });
  it('refuses a Binding that carries the annotation or a membership label; the scheduler\'s Binding is not sent', async () => {
    await refused(binding(DEV, { annotations: annotation(INSTANCE_SG) }), WEBHOOK_NAMES.validatePodBinding, 'aws.tigera.io/security-groups');
    await refused(binding(DEV, { annotations: { [`sg.aws.tigera.io/${INSTANCE_SG}`]: '' } }), WEBHOOK_NAMES.validatePodBinding, INSTANCE_SG);
    await refused(binding(DEV, { labels: { [`sg.aws.tigera.io/${INSTANCE_SG}`]: '' } }), WEBHOOK_NAMES.validatePodBinding, INSTANCE_SG);
    expect(routes(binding(SCHEDULER, {}))).toEqual([]);
  });
});

describe('item 5: the namespace allow-list', () => {
  const key = 'aws.tigera.io/allowed-security-groups';
  it('refuses widening, removing or setting it by a namespace user', async () => {
    await refused(namespaceWrite(DEV, { [key]: '["*"]' }, { [key]: JSON.stringify([POD_SG]) }), WEBHOOK_NAMES.validateNamespaces, key, 'integration-demo');
    await refused(namespaceWrite(DEV, undefined, { [key]: JSON.stringify([POD_SG]) }), WEBHOOK_NAMES.validateNamespaces, key);
    await refused({ ...namespaceWrite(DEV, { [key]: '["*"]' }, undefined), operation: 'CREATE', oldObject: null }, WEBHOOK_NAMES.validateNamespaces, key);
  });
  it('lets a cluster admin (system:masters, the default allowListWriterGroups) change it, and anyone change the rest', async () => {
    await passes(namespaceWrite(ADMIN, { [key]: '["*"]' }, undefined));
    await passes(namespaceWrite(DEV, { [key]: JSON.stringify([POD_SG]), team: 'a' }, { [key]: JSON.stringify([POD_SG]) }));
    await passes(sample('027'));
  });
});
