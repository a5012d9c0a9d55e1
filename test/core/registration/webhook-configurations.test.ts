import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { evaluate, parse } from '@marcbachmann/cel-js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readInventoryFile, EXAMPLE_INVENTORY } from '../../../src/aws/inventory-file.js';
import { decideValidation, isSecurityGroupPolicyRequest, protectionContextFrom } from '../../../src/core/protection/index.js';
import { classify } from '../../../src/core/protection/kinds.js';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration, buildWebhookObjects, CALICO_RESOURCES, webhookBaseUrl, type WebhookConfigOptions } from '../../../src/core/registration/index.js';
import { WEBHOOK_NAMES } from '../../../src/core/webhooks.js';
import { createCa } from '../../../src/tls/ca.js';
import { CALICO_CRDS } from '../../support/fixtures.js';
import { routed } from '../../support/admission-routing.js';
import { CALICO_APISERVER, samples, settings, SYNCER, withUser, type Any } from './setup.js';

const CRDS = join(CALICO_CRDS, 'v3.31.7', 'crd.projectcalico.org-v1');

const ca = createCa();
const caBundle = Buffer.from(ca.cert).toString('base64');
const opts: WebhookConfigOptions = { target: { url: 'https://sgbridge.example:8443/' }, caBundle, failurePolicy: 'Ignore', settings };

const mwc: Any = buildMutatingWebhookConfiguration(opts);
const vwc: Any = buildValidatingWebhookConfiguration(opts);

describe('MutatingWebhookConfiguration', () => {
  const w = mwc.webhooks[0];
  it('sends pod CREATE and UPDATE to /mutate the way SPEC §1 and §5 need', () => {
    expect(mwc).toMatchObject({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'sgbridge' } });
    expect(mwc.webhooks).toHaveLength(1);
    expect(w).toMatchObject({
      name: WEBHOOK_NAMES.mutatePods,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      timeoutSeconds: 3,
      failurePolicy: 'Ignore',
      reinvocationPolicy: 'IfNeeded',
      clientConfig: { url: 'https://sgbridge.example:8443/mutate', caBundle },
    });
    expect(w.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }]);
  });
  it('caBundle decodes to the CA', () => {
    const pem = Buffer.from(w.clientConfig.caBundle, 'base64').toString();
    expect(new X509Certificate(pem).fingerprint256).toBe(new X509Certificate(ca.cert).fingerprint256);
  });
  it("excludes kube-system, sgbridge's own and Calico's namespaces by kubernetes.io/metadata.name", () => {
    const custom = buildMutatingWebhookConfiguration({ ...opts, settings: { ...settings, namespace: 'sgb', calicoNamespaces: ['calico-x'] } }) as Any;
    expect(custom.webhooks[0].namespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'sgb', 'calico-x'] }] });
    expect(w.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'sgbridge-system', 'calico-system', 'calico-apiserver', 'tigera-operator']);
  });
  it('takes the failure policy asked for', () => {
    expect((buildMutatingWebhookConfiguration({ ...opts, failurePolicy: 'Fail' }) as Any).webhooks[0].failurePolicy).toBe('Fail');
  });
  it('routes every mutating sample to the webhook, except when the syncer asks', () => {
    for (const { file, request } of samples.filter((s) => s.file.includes('mutate') || s.file.includes('behave'))) {
      expect(routed([mwc], request), file).toEqual([WEBHOOK_NAMES.mutatePods]);
      expect(routed([mwc], withUser(request, SYNCER)), file).toEqual([]);
      expect(routed([mwc], { ...request, namespace: 'kube-system' }), file).toEqual([]);
    }
  });
});

describe('ValidatingWebhookConfiguration', () => {
  const byName = (n: string): Any => vwc.webhooks.find((w: Any) => w.name === n);
  const calico = byName(WEBHOOK_NAMES.validateCalico);

  it('fails closed on Calico objects, configurable elsewhere, all on /validate with the caBundle', () => {
    expect(calico.failurePolicy).toBe('Fail');
    expect(byName(WEBHOOK_NAMES.validatePods).failurePolicy).toBe('Ignore');
    expect(byName(WEBHOOK_NAMES.validateNetworkPolicies).failurePolicy).toBe('Ignore');
    const failing = buildValidatingWebhookConfiguration({ ...opts, failurePolicy: 'Fail' }) as Any;
    expect(failing.webhooks.every((w: Any) => w.failurePolicy === 'Fail')).toBe(true);
    for (const w of vwc.webhooks) {
      expect(w).toMatchObject({ sideEffects: 'None', timeoutSeconds: 3, admissionReviewVersions: ['v1'], clientConfig: { url: 'https://sgbridge.example:8443/validate', caBundle } });
      expect(w.reinvocationPolicy).toBeUndefined();
    }
  });

  it('covers exactly the resources SPEC §2 needs: every Calico kind in both groups, K8s NetworkPolicies, pods and their status and binding, namespaces', () => {
    const covered = new Set<string>();
    for (const w of vwc.webhooks) for (const r of w.rules) for (const g of r.apiGroups) for (const res of r.resources) covered.add(`${g}/${res}:${r.operations.join(',')}`);
    const expected = new Set([
      ...['projectcalico.org', 'crd.projectcalico.org'].flatMap((g) => CALICO_RESOURCES.map((r) => `${g}/${r.resource}:CREATE,UPDATE,DELETE`)),
      'networking.k8s.io/networkpolicies:CREATE,UPDATE',
      '/pods:CREATE,UPDATE',
      '/pods/status:UPDATE',
      '/pods/binding:CREATE',
      '/namespaces:CREATE,UPDATE',
    ]);
    expect([...covered].sort()).toEqual([...expected].sort());
    expect(CALICO_RESOURCES.map((r) => r.kind).sort()).toEqual(
      ['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'HostEndpoint', 'GlobalNetworkSet', 'NetworkSet', 'Profile'].sort(),
    );
  });

  it('every resource it sends is one the protection decision guards', () => {
    for (const w of vwc.webhooks) {
      for (const r of w.rules) {
        for (const group of r.apiGroups) {
          for (const resource of r.resources) {
            const [plural, subResource] = resource.split('/');
            const guarded = classify({ uid: 'x', kind: { group, version: 'v1', kind: '' }, resource: { group, version: 'v1', resource: plural }, subResource, operation: 'UPDATE' } as Any);
            expect(guarded.family, `${group}/${resource}`).not.toBe('other');
          }
        }
      }
    }
  });

  it('scopes Calico rules as the real CRDs are scoped, with no namespaceSelector', () => {
    expect(calico.namespaceSelector).toBeUndefined();
    for (const file of readdirSync(CRDS)) {
      const crd: Any = parseYaml(readFileSync(join(CRDS, file), 'utf8'));
      const rule = calico.rules.find((r: Any) => r.resources.includes(crd.spec.names.plural));
      expect(rule?.scope, crd.spec.names.plural).toBe(crd.spec.scope);
    }
  });

  it('sends SecurityGroupPolicy CREATE and UPDATE to /validate in every namespace, only with the setting securityGroupPolicies', () => {
    expect(byName(WEBHOOK_NAMES.validateSecurityGroupPolicies)).toBeUndefined();
    const on = buildValidatingWebhookConfiguration({ ...opts, settings: { ...settings, securityGroupPolicies: true } }) as Any;
    const hook = on.webhooks.find((w: Any) => w.name === WEBHOOK_NAMES.validateSecurityGroupPolicies);
    expect(hook).toMatchObject({ failurePolicy: 'Ignore', clientConfig: { url: 'https://sgbridge.example:8443/validate' }, rules: [{ apiGroups: ['vpcresources.k8s.aws'], apiVersions: ['v1beta1'], resources: ['securitygrouppolicies'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }] });
    expect(hook.namespaceSelector).toBeUndefined();
    expect(hook.matchConditions).toBeUndefined();
    const request = { uid: 'x', kind: { group: 'vpcresources.k8s.aws', version: 'v1beta1', kind: 'SecurityGroupPolicy' }, resource: { group: 'vpcresources.k8s.aws', version: 'v1beta1', resource: 'securitygrouppolicies' }, operation: 'CREATE' } as Any;
    expect(isSecurityGroupPolicyRequest(request)).toBe(true);
    expect(on.webhooks.map((w: Any) => w.name).filter((n: string) => n !== WEBHOOK_NAMES.validateSecurityGroupPolicies)).toEqual(vwc.webhooks.map((w: Any) => w.name));
  });

  it('pods are validated in the same namespaces as they are mutated', () => {
    expect(byName(WEBHOOK_NAMES.validatePods).namespaceSelector).toEqual(mwc.webhooks[0].namespaceSelector);
    expect(byName(WEBHOOK_NAMES.validatePodStatus).namespaceSelector).toEqual(mwc.webhooks[0].namespaceSelector);
    expect(byName(WEBHOOK_NAMES.validateNetworkPolicies).namespaceSelector).toBeUndefined();
  });

  it('routes each validating sample to one webhook, or none when no rule of SPEC §2 could refuse it', async () => {
    const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
    const ctx = protectionContextFrom(settings, inventory);
    const expectations: Record<string, string> = { Pod: WEBHOOK_NAMES.validatePods, NetworkPolicy: WEBHOOK_NAMES.validateNetworkPolicies };
    for (const { file, request } of samples.filter((s) => s.file.includes('validate'))) {
      const names = routed([vwc], request);
      const group = request.kind.group;
      if (group === 'crd.projectcalico.org') expect(names, file).toEqual([WEBHOOK_NAMES.validateCalico]);
      else if (request.operation === 'DELETE' || request.kind.kind === 'Namespace') {
        // Not sent: the decision would allow it anyway.
        expect(names, file).toEqual([]);
        expect(decideValidation(request, ctx).allowed, file).toBe(true);
      } else expect(names, file).toEqual([expectations[request.kind.kind]]);
    }
  });

  it('exempts the syncer everywhere, calico-apiserver on crd.projectcalico.org, controllers on DELETE, break-glass', () => {
    const tier = samples.find((s) => s.file.startsWith('020'))!.request;
    const tierDelete = samples.find((s) => s.file.startsWith('031'))!.request;
    const pod = samples.find((s) => s.file.startsWith('004'))!.request;
    expect(routed([vwc], withUser(tier, SYNCER))).toEqual([]);
    expect(routed([vwc], withUser(pod, SYNCER))).toEqual([]);
    expect(routed([vwc], withUser(tier, CALICO_APISERVER))).toEqual([]);
    const v3 = { ...tier, kind: { ...tier.kind, group: 'projectcalico.org', version: 'v3' }, resource: { ...tier.resource, group: 'projectcalico.org', version: 'v3' } };
    expect(routed([vwc], withUser(v3, CALICO_APISERVER))).toEqual([WEBHOOK_NAMES.validateCalico]);
    expect(routed([vwc], withUser(tierDelete, 'system:serviceaccount:kube-system:generic-garbage-collector'))).toEqual([]);
    expect(routed([vwc], withUser(tier, 'system:serviceaccount:kube-system:generic-garbage-collector'))).toEqual([WEBHOOK_NAMES.validateCalico]);
    expect(routed([vwc], withUser(tier, 'alice'))).toEqual([]);
    expect(routed([vwc], withUser(tier, 'bob', ['system:authenticated', 'ops:oncall']))).toEqual([]);
    expect(routed([vwc], withUser(tier, 'bob', ['system:authenticated']))).toEqual([WEBHOOK_NAMES.validateCalico]);
    const noGroups = { ...tier, userInfo: { username: 'bob' } };
    expect(routed([vwc], noGroups)).toEqual([WEBHOOK_NAMES.validateCalico]);
  });

  it('sends pods/status updates only when they change labels, and only to rule 6', () => {
    const labelled = samples.find((s) => s.file.startsWith('014-'))!.request as Any; // dev adds sg.aws.tigera.io/… with kubectl label
    const relabel = { ...labelled, subResource: 'status' };
    expect(routed([vwc], relabel)).toEqual([WEBHOOK_NAMES.validatePodStatus]);
    const kubeletUpdate = { ...relabel, userInfo: { username: 'system:node:ip-10-0-1-10.ec2.internal', groups: ['system:nodes'] }, object: { ...relabel.oldObject, status: { phase: 'Running' } } };
    expect(routed([vwc], kubeletUpdate)).toEqual([]);
    expect(routed([vwc], { ...relabel, userInfo: { username: settings.syncerIdentity } })).toEqual([]);
    const old = buildValidatingWebhookConfiguration({ ...opts, matchConditions: false }) as Any;
    expect(old.webhooks.map((w: Any) => w.name)).not.toContain(WEBHOOK_NAMES.validatePodStatus);
  });

  it('leaves matchConditions out for old clusters and targets a Service with no caBundle in a cluster', () => {
    const plain = buildValidatingWebhookConfiguration({
      ...opts,
      caBundle: undefined,
      matchConditions: false,
      target: { service: { namespace: 'sgbridge-system', name: 'sgbridge', port: 443 } },
    }) as Any;
    for (const w of plain.webhooks) {
      expect(w.matchConditions).toBeUndefined();
      expect(w.clientConfig).toEqual({ service: { namespace: 'sgbridge-system', name: 'sgbridge', port: 443, path: '/validate' } });
    }
  });

  it('matchConditions answer true or false, never an error (an error would skip a failurePolicy Ignore webhook), on objects with and without labels and annotations', () => {
    const metas = [{}, { labels: { app: 'x' } }, { annotations: { 'aws.tigera.io/security-groups': '["sg-98765432109876"]', 'aws.tigera.io/allowed-security-groups': '["*"]' } }, { labels: {}, annotations: {} }];
    for (const w of vwc.webhooks) {
      const ops = w.rules.flatMap((r: Any) => r.operations);
      for (const op of ops) {
        for (const a of metas) {
          for (const b of metas) {
            const req: Any = { operation: op, kind: { group: '', version: 'v1', kind: 'Pod' }, userInfo: { username: 'dev' }, object: { metadata: { name: 'x', ...a } }, oldObject: op === 'CREATE' ? null : { metadata: { name: 'x', ...b } } };
            for (const c of w.matchConditions) expect(typeof evaluate(c.expression, { request: req, object: req.object, oldObject: req.oldObject }), `${w.name} ${c.name}`).toBe('boolean');
          }
        }
      }
    }
  });

  it('every CEL expression parses and condition names are unique per webhook', () => {
    for (const w of [...mwc.webhooks, ...vwc.webhooks]) {
      const names = w.matchConditions.map((c: Any) => c.name);
      expect(new Set(names).size).toBe(names.length);
      for (const c of w.matchConditions) expect(() => parse(c.expression)).not.toThrow();
    }
  });
});

describe('buildWebhookObjects and URLs', () => {
  it('prints the two configurations, and the policy pair when asked', () => {
    expect(buildWebhookObjects(opts).map((o) => o.kind)).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(buildWebhookObjects({ ...opts, admissionPolicy: true }).map((o) => o.kind)).toEqual([
      'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
    ]);
  });
  it('accepts https URLs the apiserver can call and explains the rest', () => {
    expect(webhookBaseUrl('https://10.0.0.5:8443')).toBe('https://10.0.0.5:8443');
    expect(webhookBaseUrl('https://[::1]:8443/base/')).toBe('https://[::1]:8443/base');
    expect(() => webhookBaseUrl('http://x:1')).toThrow(/--url: expected an https:\/\/ URL/);
    expect(() => webhookBaseUrl('https://x:1/?a=b')).toThrow(/no user, query or fragment/);
    expect(() => webhookBaseUrl('nonsense')).toThrow(/--url: expected https:\/\/HOST:PORT/);
  });
});
