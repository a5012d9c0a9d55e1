// docs/install.md promises an IAM policy with exactly the EC2 calls sgbridge makes, and names
// objects and values of the chart: keep those promises true.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT, renderChart } from '../support/helm.js';

const doc = readFileSync(join(REPO_ROOT, 'docs/install.md'), 'utf8');

function codeBlocks(lang: string): string[] {
  return [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

describe('docs/install.md', () => {
  it('gives an IAM policy with exactly the EC2 calls src/aws/ec2-reader.ts makes', () => {
    const reader = readFileSync(join(REPO_ROOT, 'src/aws/ec2-reader.ts'), 'utf8');
    const calls = new Set([...reader.matchAll(/\bpaginate([A-Z]\w+)\(|\bnew ([A-Z]\w+)Command\(/g)].map((m) => `ec2:${m[1] ?? m[2]}`));
    expect(calls.size).toBeGreaterThan(0);
    const policies = codeBlocks('json').map((b) => JSON.parse(b) as { Statement: { Effect: string; Action: string[] }[] });
    // the EC2 policy, and the SQS addition for AWS change events (test/aws/aws-events-template.test.ts)
    expect(policies).toHaveLength(2);
    const ec2Policies = policies.filter((p) => p.Statement.some((s) => s.Action.some((a) => a.startsWith('ec2:'))));
    expect(ec2Policies).toHaveLength(1);
    const actions = ec2Policies[0]!.Statement.flatMap((s) => (s.Effect === 'Allow' ? s.Action : []));
    expect([...actions].sort()).toEqual([...calls].sort());
    expect(actions.every((a) => /^ec2:(Describe|Get)/.test(a))).toBe(true);
  });

  it('uses a values example the chart accepts, and names the objects the chart renders', () => {
    const example = codeBlocks('yaml').find((b) => b.includes('vpcId'));
    expect(example).toBeDefined();
    const objs = renderChart({ release: 'sgbridge', namespace: 'sgbridge-system', kubeVersion: '1.32.0', values: parse(example!) as Record<string, unknown> });
    const names = new Set(objs.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const expected of ['MutatingWebhookConfiguration/sgbridge', 'ValidatingWebhookConfiguration/sgbridge', 'ValidatingAdmissionPolicyBinding/sgbridge-protected-tiers', 'ClusterRole/sgbridge-tier-viewer', 'Deployment/sgbridge']) {
      expect(names, expected).toContain(expected);
    }
    for (const cmd of ['validatingadmissionpolicybinding sgbridge-protected-tiers', '--clusterrole=sgbridge-tier-viewer', 'deploy/sgbridge', 'mutatingwebhookconfiguration sgbridge ']) expect(doc).toContain(cmd);
    // The label the "get out of trouble" command selects on is on both webhook configurations.
    expect(doc).toContain('-l app.kubernetes.io/name=sgbridge');
    for (const o of objs.filter((x) => x.kind.endsWith('WebhookConfiguration'))) expect(o.metadata.labels?.['app.kubernetes.io/name']).toBe('sgbridge');
    expect(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')).toContain('hostNetwork:');
  });
});
