// diff: desired vs actual → applies only where sgbridge's fields differ, deletes only its own.
import { describe, expect, it } from 'vitest';
import type { CalicoObject } from '../../src/core/calico.js';
import { diff, inSync, type ActualObject } from '../../src/core/diff.js';

const managed = { 'app.kubernetes.io/managed-by': 'sgbridge' };
const desired = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = managed): CalicoObject => ({
  apiVersion: 'crd.projectcalico.org/v1',
  kind: 'GlobalNetworkPolicy',
  metadata: { name, labels },
  spec,
});
function actual(d: CalicoObject, over: Partial<ActualObject['metadata']> = {}, spec = d.spec, owned?: string[]): ActualObject {
  return {
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata: {
      name: d.metadata.name,
      ...(d.metadata.namespace ? { namespace: d.metadata.namespace } : {}),
      ...(d.metadata.ownerReferences ? { ownerReferences: JSON.parse(JSON.stringify(d.metadata.ownerReferences)) as unknown[] } : {}),
      uid: 'u',
      resourceVersion: '1',
      labels: { ...d.metadata.labels },
      ...(owned
        ? { managedFields: [{ manager: 'sgbridge', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(Object.keys(d.metadata.labels ?? {}).map((k) => [`f:${k}`, {}])) }, 'f:spec': Object.fromEntries(owned.map((k) => [`f:${k}`, {}])) } }] }
        : {}),
      ...over,
    },
    spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown>,
  };
}

describe('inSync / diff', () => {
  const d = desired('sg-local.sg-1', { tier: 'sg-local', selector: 'has(x)', types: ['Ingress'], ingress: [{ action: 'Pass', destination: { ports: [80] } }] });

  it('finds nothing to do when the managed fields match (key order and undefined do not matter)', () => {
    const a = actual(d, {}, { ingress: [{ destination: { ports: [80] }, action: 'Pass' }], types: ['Ingress'], selector: 'has(x)', tier: 'sg-local' }, ['tier', 'selector', 'types', 'ingress']);
    expect(inSync({ ...d, spec: { ...d.spec, egress: undefined } }, a)).toBe(true);
    expect(diff([d], [a])).toEqual({ applies: [], deletes: [], unchanged: 1 });
  });

  it('applies a missing object and a changed rule', () => {
    const changed = actual(d, {}, { ...d.spec, ingress: [{ action: 'Allow' }] });
    expect(diff([d], []).applies).toEqual([{ object: d, stripLabels: [], reason: 'missing' }]);
    expect(diff([d], [changed]).applies.map((a) => a.reason)).toEqual(['changed']);
  });

  it('applies when sgbridge owns a spec field it no longer wants (seen through managedFields)', () => {
    const a = actual(d, {}, { ...d.spec, egress: [{ action: 'Pass' }] }, ['tier', 'selector', 'types', 'ingress', 'egress']);
    expect(inSync(d, a)).toBe(false);
  });

  it('ignores a field another manager owns, which an apply could not remove anyway', () => {
    const a = actual(d, {}, { ...d.spec, doNotTrack: false }, ['tier', 'selector', 'types', 'ingress']);
    expect(inSync(d, a)).toBe(true);
  });

  it('strips reserved labels someone else added, and ignores their other labels', () => {
    const forged = actual(d, { labels: { ...managed, 'sg.aws.tigera.io/sg-0000000000forged': '' } });
    const plan = diff([d], [forged]);
    expect(plan.applies[0]?.stripLabels).toEqual(['sg.aws.tigera.io/sg-0000000000forged']);
    expect(inSync(d, actual(d, { labels: { ...managed, team: 'net' } }))).toBe(true);
  });

  it('compares owner references', () => {
    const owned: CalicoObject = { ...d, metadata: { ...d.metadata, ownerReferences: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'np', uid: 'a' }] } };
    expect(inSync(owned, actual(owned))).toBe(true);
    expect(inSync(owned, actual(owned, { ownerReferences: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'np', uid: 'b' }] }))).toBe(false);
  });

  it('deletes only undesired objects that carry the managed-by label', () => {
    const stale = actual(desired('sg-local.sg-2', {}));
    const foreign = actual(desired('someone-elses', {}, { team: 'net' }));
    const plan = diff([d], [actual(d), stale, foreign]);
    expect(plan.deletes.map((x) => x.metadata.name)).toEqual(['sg-local.sg-2']);
  });

  it('keys objects by kind, namespace and name', () => {
    const np = (ns: string): CalicoObject => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'default.p', namespace: ns, labels: managed }, spec: {} });
    const plan = diff([np('a')], [actual(np('b'))]);
    expect(plan.applies).toHaveLength(1);
    expect(plan.deletes.map((x) => x.metadata.namespace)).toEqual(['b']);
  });
});
