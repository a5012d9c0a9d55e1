// SPEC §3 match-security-groups: the companion Calico NetworkPolicy of an annotated Kubernetes
// NetworkPolicy (shape as recorded in kube-api-samples 047).
import { describe, expect, it } from 'vitest';
import { calicoSelector, companionFor } from '../../../src/core/translate/companions.js';

const SG = 'sg-12345678901234';
const tutorialPolicy = (annotation?: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: {
    name: 'allow-from-instance',
    namespace: 'integration-demo',
    uid: 'ae6f0117-95eb-480d-bac7-4f7099e7317d',
    ...(annotation === undefined ? {} : { annotations: { 'rules.networkpolicy.tigera.io/match-security-groups': annotation } }),
  },
  spec: {
    podSelector: { matchLabels: { app: 'pod-tester' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { [`sg.aws.tigera.io/${SG}`]: '' } } }], ports: [{ protocol: 'TCP', port: 80 }] }],
  },
});

describe('companionFor', () => {
  it("the tutorial's allow-from-instance gets default.allow-from-instance: VPC members and pods of the group everywhere", () => {
    expect(companionFor(tutorialPolicy('true'))).toEqual({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'default.allow-from-instance',
        namespace: 'integration-demo',
        labels: { 'app.kubernetes.io/managed-by': 'sgbridge', 'projectcalico.org/tier': 'default' },
        ownerReferences: [
          { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'allow-from-instance', uid: 'ae6f0117-95eb-480d-bac7-4f7099e7317d', controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        tier: 'default',
        order: 1000,
        selector: "app == 'pod-tester'",
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'TCP', source: { selector: `has(sg.aws.tigera.io/${SG})`, namespaceSelector: 'global()' }, destination: { ports: [80] } },
          { action: 'Allow', protocol: 'TCP', source: { selector: `has(sg.aws.tigera.io/${SG})`, namespaceSelector: 'all()' }, destination: { ports: [80] } },
        ],
      },
    });
  });

  it('nothing without the annotation, or with another value than "true"', () => {
    expect(companionFor(tutorialPolicy())).toBeUndefined();
    expect(companionFor(tutorialPolicy('false'))).toBeUndefined();
    expect(companionFor(tutorialPolicy('True'))).toBeUndefined();
    expect(companionFor(null)).toBeUndefined();
    expect(companionFor({ metadata: {} })).toBeUndefined();
  });

  it('nothing when no peer names a membership label', () => {
    const np = tutorialPolicy('true');
    (np.spec.ingress[0] as { from: unknown[] }).from = [{ podSelector: { matchLabels: { app: 'x' } } }];
    expect(companionFor(np)).toBeUndefined();
  });

  it('egress peers go in destination with the ports; ports without protocol are TCP; endPort becomes a range; no ports means any', () => {
    const c = companionFor({
      metadata: { name: 'to-db', namespace: 'shop', annotations: { 'rules.networkpolicy.tigera.io/match-security-groups': 'true' } },
      spec: {
        podSelector: {},
        egress: [
          { to: [{ podSelector: { matchExpressions: [{ key: `sg.aws.tigera.io/${SG}`, operator: 'Exists' }] } }], ports: [{ port: 5432 }, { protocol: 'UDP', port: 6000, endPort: 6010 }] },
          { to: [{ podSelector: { matchLabels: { [`sg.aws.tigera.io/${SG}`]: '' } } }] },
        ],
      },
    })!;
    expect(c.metadata.ownerReferences).toBeUndefined();
    expect(c.spec.selector).toBe('all()');
    expect(c.spec.types).toEqual(['Egress']);
    const sel = `has(sg.aws.tigera.io/${SG})`;
    expect(c.spec.egress).toEqual([
      { action: 'Allow', protocol: 'TCP', destination: { selector: sel, namespaceSelector: 'global()', ports: [5432] } },
      { action: 'Allow', protocol: 'UDP', destination: { selector: sel, namespaceSelector: 'global()', ports: ['6000:6010'] } },
      { action: 'Allow', protocol: 'TCP', destination: { selector: sel, namespaceSelector: 'all()', ports: [5432] } },
      { action: 'Allow', protocol: 'UDP', destination: { selector: sel, namespaceSelector: 'all()', ports: ['6000:6010'] } },
      { action: 'Allow', destination: { selector: sel, namespaceSelector: 'global()' } },
      { action: 'Allow', destination: { selector: sel, namespaceSelector: 'all()' } },
    ]);
  });

  it('turns Kubernetes label selectors into Calico selectors', () => {
    expect(calicoSelector({ matchLabels: { app: 'web', tier: 'v1.2' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] })).toBe(
      "app == 'web' && tier == 'v1.2' && env in {'a', 'b'} && !has(x)",
    );
  });
});
