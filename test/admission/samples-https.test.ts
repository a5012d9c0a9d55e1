// Every real AdmissionReview from ../shared/admission-samples through the real server over real
// TLS. Pod CREATE/UPDATE requests get a patch that, applied with a JSONPatch library to the
// request's object, yields exactly the expected labels; everything else is allowed untouched.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonpatch from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { httpsCall } from './support/https-client.js';

const SAMPLES = join(process.cwd(), '..', 'shared', 'admission-samples');
const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).sort();

// The example VPC: node groups = eks-cluster-sg (the nodes' primary ENIs, less internal groups);
// every pod is also in the pod default group.
const NODE = 'sg-0c1d2e3f405162738';
const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';
const INSTANCE_SG = 'sg-12345678901234';
const POD_SG = 'sg-98765432109876';

/** Expected membership per pod CREATE/UPDATE sample (by file number), from the sample's annotation. */
const EXPECTED_GROUPS: Record<string, string[]> = {
  '001': [NODE, POD_DEFAULT], // deployment pod, no annotation
  '002': [NODE, POD_DEFAULT],
  '003': [NODE, POD_DEFAULT], // kubectl run with labels
  '004': [NODE, POD_DEFAULT],
  '005': [NODE, POD_DEFAULT], // no labels at all: /metadata/labels is added
  '006': [NODE, POD_DEFAULT],
  '007': [NODE, POD_DEFAULT], // generateName
  '008': [NODE, POD_DEFAULT],
  '009': [POD_SG, POD_DEFAULT], // annotate '["sg-98765432109876"]'
  '010': [POD_SG, POD_DEFAULT],
  '011': [INSTANCE_SG, POD_SG, POD_DEFAULT], // the docs' '["sg-a, sg-b"]' form
  '012': [INSTANCE_SG, POD_SG, POD_DEFAULT],
  '013': [NODE, POD_DEFAULT], // forged sg.aws.tigera.io/sg-0123456789abcdef0 label is removed
  '014': [NODE, POD_DEFAULT],
  '015': [INSTANCE_SG, POD_DEFAULT], // dry run: same answer as a real request
  '016': [INSTANCE_SG, POD_DEFAULT],
  '043': [NODE, POD_DEFAULT],
  '044': [NODE, POD_DEFAULT], // carries sg-98765432109876 without the annotation: removed
  '057': [NODE, POD_DEFAULT],
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
