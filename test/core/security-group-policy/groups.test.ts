// Which policies give a pod groups, against the AWS VPC resource controller's semantics
// (pkg/utils/helper.go, summarised in test/fixtures/vpc-resource-controller/README.md).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLabelSelector, compilePolicy, groupsFromPolicies, indexPolicies, type LabelSelector, type SecurityGroupPolicy } from '../../../src/core/security-group-policy/index.js';
import { awsSamples, SAMPLE_MATCH, sgp } from './builders.js';
import { A, B, C, DB, MATCHING_TABLE, NS } from './matching-table.js';


/** `saLabels` null: the ServiceAccount is not known. */
function groupsFor(policies: SecurityGroupPolicy[], podLabels: Record<string, string> = {}, saLabels: Record<string, string> | null = {}, namespace = NS) {
  return groupsFromPolicies({ pod: { namespace, labels: podLabels, serviceAccountName: 'app' }, serviceAccountLabels: saLabels, policies: policies.map((p) => compilePolicy(p)) });
}

describe('the matching table', () => {
  it.each(MATCHING_TABLE)('%s', (_name, policies, podLabels, saLabels, expected) => {
    expect(groupsFor(policies, podLabels, saLabels).groups).toEqual(expected);
  });

  it('names the matching policies and their groups, by name', () => {
    const result = groupsFor([sgp('zeta', NS, { podSelector: {}, groupIds: [B] }), sgp('alpha', NS, { podSelector: DB, groupIds: [A, B] }), sgp('miss', NS, { podSelector: { matchLabels: { role: 'web' } }, groupIds: [C] })], { role: 'db' });
    expect(result.sources).toEqual([
      { policy: { namespace: NS, name: 'alpha' }, groups: [A, B] },
      { policy: { namespace: NS, name: 'zeta' }, groups: [B] },
    ]);
    expect(result.ignored).toEqual([]);
  });

  it('reports the invalid policies of the pod namespace, and only those, with the field and the form expected', () => {
    const result = groupsFor([
      sgp('no-selector', NS, { groupIds: [A] }),
      sgp('no-groups', NS, { podSelector: {} }),
      sgp('bad-op', NS, { podSelector: { matchExpressions: [{ key: 'role', operator: 'Equals', values: ['db'] }] }, groupIds: [A] }),
      sgp('elsewhere', 'other', { groupIds: [A] }),
    ]);
    expect(result.ignored.map((i) => i.policy.name)).toEqual(['bad-op', 'no-groups', 'no-selector']);
    const reason = Object.fromEntries(result.ignored.map((i) => [i.policy.name, i.reason]));
    expect(reason['no-selector']).toMatch(/neither spec\.podSelector nor spec\.serviceAccountSelector.*\{\} selects every pod/);
    expect(reason['no-groups']).toMatch(/spec\.securityGroups\.groupIds is missing or empty.*e\.g\. \[sg-/);
    expect(reason['bad-op']).toBe('spec.podSelector.matchExpressions[0].operator: "Equals" is not a valid label selector operator; expected In, NotIn, Exists, DoesNotExist');
  });

  it('leaves out a policy with a serviceAccountSelector while the ServiceAccount is unknown, and says so', () => {
    const result = groupsFor([sgp('by-sa', NS, { serviceAccountSelector: {}, groupIds: [A] }), sgp('by-pod', NS, { podSelector: {}, groupIds: [B] })], {}, null);
    expect(result.groups).toEqual([B]);
    expect(result.ignored).toEqual([{ policy: { namespace: NS, name: 'by-sa' }, reason: expect.stringContaining('ServiceAccount app of namespace shop is not known') }]);
  });

  it('refuses selectors on membership labels, which the derivation itself writes', () => {
    const result = groupsFor([sgp('loop', NS, { podSelector: { matchExpressions: [{ key: `sg.aws.tigera.io/${B}`, operator: 'DoesNotExist' }] }, groupIds: [B] })]);
    expect(result.groups).toEqual([]);
    expect(result.ignored[0]!.reason).toContain(`spec.podSelector selects on sg.aws.tigera.io/${B}`);
  });

  it("applies AWS's own samples to the pods they select, leaving out the sample's id that is not an id", () => {
    const samples = awsSamples().map((s) => ({ ...s, metadata: { ...s.metadata, namespace: NS } }));
    expect(samples).toHaveLength(2);
    const both = groupsFor(samples, SAMPLE_MATCH, SAMPLE_MATCH);
    expect(both.groups).toEqual(['sg-07b9fafd9006da7d5']);
    expect(both.sources.map((s) => s.policy.name)).toEqual(['securitygrouppolicy-sample-podselector', 'securitygrouppolicy-sample-serviceaccountselector']);
    expect(both.warnings).toHaveLength(2);
    expect(both.warnings[0]).toContain('spec.securityGroups.groupIds[1]: "sg-f7990sfng33684fad" is not a security group id');
    expect(groupsFor(samples, SAMPLE_MATCH, { role: 'db', environment: 'dev' }).sources.map((s) => s.policy.name)).toEqual(['securitygrouppolicy-sample-podselector']);
    expect(groupsFor(samples, { role: 'db' }, {}).groups).toEqual([]);
  });
});

/**
 * The controller's filterPodSecurityGroups, transcribed statement by statement as a test oracle:
 * a policy with neither selector or no groups is skipped; a selector that does not convert counts
 * as not matched; a present selector must match; the groups are concatenated and de-duplicated.
 */
function awsOracle(policies: SecurityGroupPolicy[], podLabels: Record<string, string>, saLabels: Record<string, string>): Set<string> {
  const matches = (selector: LabelSelector, labels: Record<string, string>) => {
    const converted = compileLabelSelector(selector, 'oracle');
    return converted.ok && converted.selector.matches(labels);
  };
  const list: string[] = [];
  for (const p of policies) {
    const spec = p.spec ?? {};
    const hasPodSelector = spec.podSelector != null;
    const hasSASelector = spec.serviceAccountSelector != null;
    const groups = spec.securityGroups?.groupIds ?? [];
    if ((!hasPodSelector && !hasSASelector) || groups.length === 0) continue;
    const podMatched = hasPodSelector && matches(spec.podSelector!, podLabels);
    const saMatched = hasSASelector && matches(spec.serviceAccountSelector!, saLabels);
    if ((hasPodSelector && !podMatched) || (hasSASelector && !saMatched)) continue;
    list.push(...groups);
  }
  return new Set(list);
}

describe('against the AWS controller, on generated policies', () => {
  const key = fc.constantFrom('role', 'environment', 'team');
  const value = fc.constantFrom('db', 'web', 'qa', 'production');
  const labels = fc.dictionary(key, value, { maxKeys: 3 });
  const expression = fc.record({ key, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Equals'), values: fc.array(value, { maxLength: 2 }) });
  const selector = fc.option(fc.record({ matchLabels: fc.option(labels, { nil: undefined }), matchExpressions: fc.option(fc.array(expression, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined });
  const groupIds = fc.option(fc.array(fc.constantFrom(A, B, C), { maxLength: 3 }), { nil: undefined });
  const policy = fc.record({ pod: selector, sa: selector, groupIds, namespace: fc.constantFrom(NS, NS, 'other') });

  it('gives a pod exactly the groups the controller would put on its branch ENI', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 5 }), labels, labels, (specs, podLabels, saLabels) => {
        const policies = specs.map((s, i) => sgp(`p${i}`, s.namespace, { podSelector: s.pod, serviceAccountSelector: s.sa, groupIds: s.groupIds }));
        const ours = groupsFor(policies, podLabels, saLabels);
        const expected = awsOracle(policies.filter((p) => p.metadata.namespace === NS), podLabels, saLabels);
        expect(ours.groups).toEqual([...expected].sort());
        // The namespace's index answers exactly as the plain list, the ServiceAccount known or not.
        const index = indexPolicies(NS, policies.map((p) => compilePolicy(p)));
        for (const sa of [saLabels, null]) {
          const pod = { namespace: NS, labels: podLabels, serviceAccountName: 'app' };
          expect(groupsFromPolicies({ pod, serviceAccountLabels: sa, policies: index })).toEqual(groupsFor(policies, podLabels, sa));
        }
        // Every policy of the namespace is either a source, ignored (invalid), or simply not matching.
        for (const s of ours.sources) expect(policies.find((p) => p.metadata.name === s.policy.name)!.metadata.namespace).toBe(NS);
      }),
      { numRuns: 500 },
    );
  });
});

describe('indexPolicies', () => {
  it("answers nothing for a pod of another namespace than the index's", () => {
    const index = indexPolicies(NS, [compilePolicy(sgp('p', NS, { podSelector: {}, groupIds: [A] }))]);
    expect(groupsFromPolicies({ pod: { namespace: 'other', labels: {} }, serviceAccountLabels: {}, policies: index })).toEqual({ groups: [], sources: [], ignored: [], warnings: [] });
  });

  it('finds the one matching policy among a thousand, by pod or ServiceAccount label, with the always-tried ones', () => {
    const id = (i: number) => `sg-${i.toString(16).padStart(17, '0')}`;
    const policies = [
      ...Array.from({ length: 500 }, (_, i) => sgp(`pod-${i}`, NS, { podSelector: { matchLabels: { app: `app-${i}` }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'qa'] }] }, groupIds: [id(i)] })),
      ...Array.from({ length: 499 }, (_, i) => sgp(`sa-${i}`, NS, { serviceAccountSelector: { matchLabels: { team: `team-${i}` } }, groupIds: [id(1000 + i)] })),
      sgp('everyone', NS, { podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, groupIds: [id(5000)] }),
    ];
    const index = indexPolicies(NS, policies.map((p) => compilePolicy(p)));
    expect(index.unanchored.map((p) => p.ref.name)).toEqual(['everyone']);
    const result = groupsFromPolicies({ pod: { namespace: NS, labels: { app: 'app-7', env: 'qa' } }, serviceAccountLabels: { team: 'team-3' }, policies: index });
    expect(result.sources.map((s) => s.policy.name)).toEqual(['everyone', 'pod-7', 'sa-3']);
    expect(result.groups).toEqual([id(7), id(1003), id(5000)].sort());
    expect(groupsFromPolicies({ pod: { namespace: NS, labels: { app: 'app-7', env: 'dev' } }, serviceAccountLabels: {}, policies: index }).groups).toEqual([id(5000)]);
  });
});
