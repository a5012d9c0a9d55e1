// What the managed-object caches keep of sgbridge's objects: of its managedFields entry only which
// spec fields and labels it set, and one frozen copy of that for all objects applied alike.
import { describe, expect, it } from 'vitest';
import { actualObjectOf } from '../../src/kube/facts.js';

const applied = (name: string, labels: string[]) => ({
  metadata: {
    name,
    labels: Object.fromEntries(labels.map((l) => [l, ''])),
    managedFields: [
      { manager: 'sgbridge', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': Object.fromEntries(labels.map((l) => [`f:${l}`, {}])) }, 'f:spec': { 'f:node': {}, 'f:expectedIPs': {} } } },
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:node': {} } } },
    ],
  },
  spec: { node: 'aws-vpc-member', expectedIPs: [`10.0.0.${name.length}`] },
});

describe('actualObjectOf', () => {
  it("keeps sgbridge's own managedFields keys, shared between objects applied with the same fields", () => {
    const keep = actualObjectOf('crd.projectcalico.org/v1', 'HostEndpoint');
    const a = keep(applied('a', ['x', 'y']));
    const b = keep(applied('bb', ['x', 'y']));
    const c = keep(applied('ccc', ['x', 'z']));
    expect(a.metadata.managedFields).toEqual([{ manager: 'sgbridge', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:node': {}, 'f:expectedIPs': {} }, 'f:metadata': { 'f:labels': { 'f:x': {}, 'f:y': {} } } } }]);
    expect(b.metadata.managedFields).toBe(a.metadata.managedFields);
    expect(Object.isFrozen(a.metadata.managedFields![0]!.fieldsV1)).toBe(true);
    expect(c.metadata.managedFields).not.toBe(a.metadata.managedFields);
    expect(c.metadata.managedFields![0]!.fieldsV1).toEqual({ 'f:spec': { 'f:node': {}, 'f:expectedIPs': {} }, 'f:metadata': { 'f:labels': { 'f:x': {}, 'f:z': {} } } });
  });
});
