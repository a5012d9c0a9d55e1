// Every real AdmissionReview from test/fixtures/admission-samples through the real server over real
// TLS. Pod CREATE/UPDATE requests get a patch that, applied with a JSONPatch library to the
// request's object, yields exactly the expected labels; everything else is allowed untouched.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleServer, startTestServer, type TestServer } from './support/server.js';
import { httpsCall } from './support/https-client.js';
import { INSTANCE_SG, NODE_GROUP, POD_DEFAULT, POD_SG } from '../support/example-ids.js';
import { ADMISSION_SAMPLES } from '../support/fixtures.js';

const SAMPLES = ADMISSION_SAMPLES;
const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort();

// The example VPC: node groups = eks-cluster-sg (the nodes' primary ENIs, less internal groups);
// every pod is also in the pod default group.

/** Expected membership per pod CREATE/UPDATE sample (by file number), from the sample's annotation. */
const EXPECTED_GROUPS: Record<string, string[]> = {
  '001': [NODE_GROUP, POD_DEFAULT], // deployment pod, no annotation
  '002': [NODE_GROUP, POD_DEFAULT],
  '003': [NODE_GROUP, POD_DEFAULT], // kubectl run with labels
  '004': [NODE_GROUP, POD_DEFAULT],
  '005': [NODE_GROUP, POD_DEFAULT], // no labels at all: /metadata/labels is added
  '006': [NODE_GROUP, POD_DEFAULT],
  '007': [NODE_GROUP, POD_DEFAULT], // generateName
  '008': [NODE_GROUP, POD_DEFAULT],
  '009': [POD_SG, POD_DEFAULT], // annotate '["sg-98765432109876"]'
  '010': [POD_SG, POD_DEFAULT],
  '011': [INSTANCE_SG, POD_SG, POD_DEFAULT], // the docs' '["sg-a, sg-b"]' form
  '012': [INSTANCE_SG, POD_SG, POD_DEFAULT],
  '013': [NODE_GROUP, POD_DEFAULT], // forged sg.aws.tigera.io/sg-0123456789abcdef0 label is removed
  '014': [NODE_GROUP, POD_DEFAULT],
  '015': [INSTANCE_SG, POD_DEFAULT], // dry run: same answer as a real request
  '016': [INSTANCE_SG, POD_DEFAULT],
  '043': [NODE_GROUP, POD_DEFAULT],
  '044': [NODE_GROUP, POD_DEFAULT], // carries sg-98765432109876 without the annotation: removed
  '057': [NODE_GROUP, POD_DEFAULT],
};

interface Review {
  apiVersion: string;
  kind: string;
  request: {
    uid: string;
    operation: string;
    resource: { group: string; resource: string };
    object: { metadata: { labels?: Record<string, string> } } | null;
  };
}

function expectedLabels(original: Record<string, string> | undefined, groups: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(original ?? {})) if (!k.startsWith('sg.aws.tigera.io/')) out[k] = v;
  for (const g of groups) out[`sg.aws.tigera.io/${g}`] = '';
  return out;
}

describe('admission samples over HTTPS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it('has the samples to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const file of files) {
    it(`/mutate answers ${file}`, async () => {
      const text = readFileSync(join(SAMPLES, file), 'utf8');
      const review = JSON.parse(text) as Review;
      const res = await httpsCall(`${server.url}/mutate?timeout=3s`, { ca: server.ca, body: text });
      expect(res.status).toBe(200);
      expect(res.protocol).toMatch(/^TLSv1\.[23]$/);
      const body = res.json() as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; patchType?: string; patch?: string } };
      expect(body.apiVersion).toBe('admission.k8s.io/v1');
      expect(body.kind).toBe('AdmissionReview');
      expect(body.response.uid).toBe(review.request.uid);
      expect(body.response.allowed).toBe(true);

      const number = file.slice(0, 3);
      const isPodWrite = review.request.resource.group === '' && review.request.resource.resource === 'pods' && ['CREATE', 'UPDATE'].includes(review.request.operation);
      if (!isPodWrite) {
        expect(body.response.patch).toBeUndefined();
        return;
      }
      const groups = EXPECTED_GROUPS[number];
      expect(groups, `expected groups for ${file}`).toBeDefined();
      expect(body.response.patchType).toBe('JSONPatch');
      const ops = JSON.parse(Buffer.from(body.response.patch!, 'base64').toString('utf8')) as jsonpatch.Operation[];
      const object = structuredClone(review.request.object!);
      const patched = jsonpatch.applyPatch(object, ops, true, false).newDocument;
      expect(patched.metadata.labels).toEqual(expectedLabels(review.request.object!.metadata.labels, groups!));

      // Idempotent (reinvocationPolicy: IfNeeded): the patched pod needs no further patch.
      const again = structuredClone(review) as Review;
      again.request.object = patched;
      const second = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: JSON.stringify(again) });
      const secondBody = second.json() as { response: { allowed: boolean; patch?: string } };
      expect(secondBody.response.allowed).toBe(true);
      expect(secondBody.response.patch).toBeUndefined();
    });
  }

  it('counts requests by webhook, operation and outcome', async () => {
    const metrics = await server.registry.metrics();
    expect(metrics).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="CREATE",outcome="patched"\} \d+/);
    expect(metrics).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="DELETE",outcome="allowed"\} \d+/);
  });
});

/**
 * SPEC §2 verdicts for the non-pod samples. Cluster admins are not trusted by default, so admin's
 * writes to protected objects are denied too.
 */
const VALIDATE_ALLOWED: Record<string, boolean> = {
  '017': true, // plain NetworkPolicy
  '018': true, // match-security-groups NetworkPolicy (no internal group)
  '019': true, // NetworkPolicy DELETE
  '020': false, // tier sg-local (admin)
  '021': false, // GNP in sg-local (admin)
  '022': false,
  '023': false,
  '024': false, // tier "early" at order 50
  '025': false, // HostEndpoint with a membership label
  '026': false, // NetworkSet with a membership label
  '027': true, // namespace label: not guarded
  '028': false, // GlobalNetworkSet with a membership label
  '029': true, // Calico NetworkPolicy in tier default naming a user group
  '030': true, // delete tier "early"
  '031': false, // delete tier sg-local
  '032': false, // delete a HostEndpoint that carries a membership label
  '033': false, // the same as dev
  '034': false,
  '035': false,
  '036': false,
  '037': false,
  '038': false,
  '039': true, // pod DELETE
  '040': true,
  '041': true,
};

describe('admission samples through both webhooks over HTTPS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startExampleServer();
  });
  afterAll(async () => server.close());

  for (const file of files) {
    it(`/validate answers ${file}${EXPECTED_GROUPS[file.slice(0, 3)] ? ' after /mutate patched it' : ''}`, async () => {
      const review = JSON.parse(readFileSync(join(SAMPLES, file), 'utf8')) as Review;
      const number = file.slice(0, 3);
      if (EXPECTED_GROUPS[number]) {
        // The apiserver's order: mutating webhook, patch applied, then the validating webhook.
        const mutated = (await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: JSON.stringify(review) })).json() as { response: { patch: string } };
        const ops = JSON.parse(Buffer.from(mutated.response.patch, 'base64').toString('utf8')) as jsonpatch.Operation[];
        review.request.object = jsonpatch.applyPatch(structuredClone(review.request.object!), ops, true, false).newDocument;
      }
      const res = await httpsCall(`${server.url}/validate?timeout=5s`, { ca: server.ca, body: JSON.stringify(review) });
      expect(res.status).toBe(200);
      const body = res.json() as { response: { uid: string; allowed: boolean; status?: { code: number; reason: string; message: string } } };
      expect(body.response.uid).toBe(review.request.uid);
      const expected = EXPECTED_GROUPS[number] ? true : VALIDATE_ALLOWED[number];
      expect(expected, `expected verdict for ${file}`).toBeDefined();
      expect(body.response.allowed).toBe(expected);
      if (!expected) {
        expect(body.response.status).toMatchObject({ code: 403, reason: 'Forbidden' });
        expect(body.response.status!.message.length).toBeGreaterThan(20);
      }
    });
  }
});
