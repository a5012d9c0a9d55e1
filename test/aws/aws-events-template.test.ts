// deploy/aws-events.cloudformation.yaml against the code it feeds: its rule forwards exactly the
// EC2 calls the parser follows, only that rule may send to the queue, sgbridge's role gets exactly
// the SQS permissions the consumer's calls need, every reference resolves, and docs/install.md
// shows the same template and IAM statement.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RECEIVE } from '../../src/aws/aws-events.js';
import { AWS_EVENT_DETAIL_TYPE, AWS_EVENT_NAMES, AWS_EVENT_SOURCE } from '../../src/core/aws-change.js';
import { REPO_ROOT } from '../support/helm.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const text = readFileSync(join(REPO_ROOT, 'deploy/aws-events.cloudformation.yaml'), 'utf8');
const template = parse(text) as Obj;
const doc = readFileSync(join(REPO_ROOT, 'docs/install.md'), 'utf8');
const resources = template.Resources as Record<string, { Type: string; Properties: Obj; Condition?: string }>;

const getAtt = (resource: string, attribute: string) => ({ 'Fn::GetAtt': [resource, attribute] });
const ref = (name: string) => ({ Ref: name });

/** IAM actions of the SQS calls src/aws/aws-events.ts makes (a batch call is authorized by its single form). */
function consumerActions(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'src/aws/aws-events.ts'), 'utf8');
  const calls = [...source.matchAll(/\bnew ([A-Z]\w+)Command\(/g)].map((m) => m[1]!.replace(/Batch$/, ''));
  return [...new Set(calls)].map((c) => `sqs:${c}`).sort();
}

/** Every Ref and Fn::GetAtt in the template, with where it points. */
function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref') found.push(v as string);
      else if (k === 'Fn::GetAtt') found.push((v as string[])[0]!);
      else if (k === 'Fn::Sub') for (const m of (v as string).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)) found.push(m[1]!);
      references(v, found);
    }
  }
  return found;
}

describe('deploy/aws-events.cloudformation.yaml', () => {
  it('is a CloudFormation template with the rule, the queues, the queue policy and the consumer policy', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(Object.fromEntries(Object.entries(resources).map(([name, r]) => [name, r.Type]))).toEqual({
      DeadLetterQueue: 'AWS::SQS::Queue',
      Queue: 'AWS::SQS::Queue',
      Rule: 'AWS::Events::Rule',
      QueuePolicy: 'AWS::SQS::QueuePolicy',
      SgbridgeConsumerPolicy: 'AWS::IAM::Policy',
    });
  });

  it('forwards exactly the EC2 calls the parser follows, as CloudTrail records them', () => {
    const pattern = resources.Rule!.Properties.EventPattern;
    expect(pattern.source).toEqual([AWS_EVENT_SOURCE]);
    expect(pattern['detail-type']).toEqual([AWS_EVENT_DETAIL_TYPE]);
    expect(pattern.detail.eventSource).toEqual(['ec2.amazonaws.com']);
    expect([...pattern.detail.eventName].sort()).toEqual([...AWS_EVENT_NAMES].sort());
    expect(new Set(pattern.detail.eventName).size).toBe(pattern.detail.eventName.length);
  });

  it('delivers to the queue, with retries and the dead-letter queue for what it cannot deliver', () => {
    const [target, ...others] = resources.Rule!.Properties.Targets;
    expect(others).toEqual([]);
    expect(target).toMatchObject({ Arn: getAtt('Queue', 'Arn'), DeadLetterConfig: { Arn: getAtt('DeadLetterQueue', 'Arn') } });
    expect(resources.Rule!.Properties.State).toBe('ENABLED');
  });

  it('lets only this rule send, through EventBridge, to both queues', () => {
    const policy = resources.QueuePolicy!.Properties;
    expect(policy.Queues).toEqual([ref('Queue'), ref('DeadLetterQueue')]);
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'EventBridgeRuleSends',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: [getAtt('Queue', 'Arn'), getAtt('DeadLetterQueue', 'Arn')],
        Condition: { ArnEquals: { 'aws:SourceArn': getAtt('Rule', 'Arn') } },
      },
    ]);
  });

  it('makes the queue fit the consumer: long polls as long as its own, redrive to the dead-letter queue', () => {
    const queue = resources.Queue!.Properties;
    expect(queue.ReceiveMessageWaitTimeSeconds).toBe(RECEIVE.WaitTimeSeconds);
    expect(queue.RedrivePolicy).toMatchObject({ deadLetterTargetArn: getAtt('DeadLetterQueue', 'Arn'), maxReceiveCount: expect.any(Number) });
    // EventBridge can deliver to SSE-SQS queues (not to ones under the AWS-managed KMS key)
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.KmsMasterKeyId).toBeUndefined();
  });

  it("grants sgbridge's role exactly what the consumer's SQS calls need, on the queue only", () => {
    expect(consumerActions()).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage']);
    const consumer = resources.SgbridgeConsumerPolicy!;
    expect(consumer.Condition).toBe('HasSgbridgeRole');
    expect(consumer.Properties.Roles).toEqual([ref('SgbridgeRoleName')]);
    const [statement, ...others] = consumer.Properties.PolicyDocument.Statement;
    expect(others).toEqual([]);
    expect([...statement.Action].sort()).toEqual(consumerActions());
    expect(statement.Resource).toEqual(getAtt('Queue', 'Arn'));
  });

  it('refers only to its own parameters and resources, and outputs the queue URL', () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(resources), 'AWS::Region', 'AWS::AccountId', 'AWS::StackName']);
    const refs = references({ Resources: template.Resources, Outputs: template.Outputs, Conditions: template.Conditions });
    expect(refs.length).toBeGreaterThan(5);
    expect(refs.filter((r) => !known.has(r))).toEqual([]);
    for (const r of Object.values(resources)) if (r.Condition) expect(Object.keys(template.Conditions)).toContain(r.Condition);
    expect(template.Outputs.QueueUrl.Value).toEqual(ref('Queue'));
  });
});

describe('docs/install.md, AWS change events', () => {
  const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

  it('shows the template as it is in deploy/', () => {
    expect(blocks('yaml')).toContain(text);
  });

  it('gives the IAM statement for the consumer, with the same actions as the template', () => {
    const policies = blocks('json').map((b) => JSON.parse(b) as { Statement: { Action: string[]; Resource: string }[] });
    const sqs = policies.filter((p) => p.Statement.some((s) => s.Action.some((a) => a.startsWith('sqs:'))));
    expect(sqs).toHaveLength(1);
    expect(sqs[0]!.Statement.flatMap((s) => s.Action).sort()).toEqual(consumerActions());
    expect(sqs[0]!.Statement[0]!.Resource).toMatch(/^arn:aws:sqs:/);
  });
});
