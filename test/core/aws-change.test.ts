// The AWS change-event parser on hand-made messages in the documented EventBridge/CloudTrail shape
// (test/fixtures/aws-events/), one per EC2 call it follows, and on what it must ignore.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AWS_EVENT_NAMES, MAX_EVENT_BYTES, mergeAwsChanges, parseAwsEventMessage, type AwsChange } from '../../src/core/aws-change.js';
import { AWS_EVENT_SAMPLES } from '../support/fixtures.js';

const SG_APP = 'sg-0a1b2c3d4e5f60718';
const SG_PEER = 'sg-0fedcba9876543210';
const SG_NEW = 'sg-0c0ffee0c0ffee001';
const SG_DB = 'sg-0d15ea5e0d15ea5e0';

const sample = (file: string) => readFileSync(`${AWS_EVENT_SAMPLES}/${file}`, 'utf8');
const kebab = (name: string) => name.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase());
const at = (s: number) => Date.parse(`2026-12-01T10:00:${String(s).padStart(2, '0')}Z`);

/** What each per-call sample must give: the groups to re-read, or a full read. */
const EXPECTED: Record<string, { ids: string[]; full: boolean; second: number }> = {
  AuthorizeSecurityGroupIngress: { ids: [SG_DB], full: false, second: 1 },
  AuthorizeSecurityGroupEgress: { ids: [SG_APP], full: false, second: 2 },
  RevokeSecurityGroupIngress: { ids: [SG_DB], full: false, second: 3 },
  RevokeSecurityGroupEgress: { ids: [SG_APP], full: false, second: 4 },
  ModifySecurityGroupRules: { ids: [SG_APP], full: false, second: 5 },
  CreateSecurityGroup: { ids: [SG_NEW], full: false, second: 6 },
  DeleteSecurityGroup: { ids: [SG_NEW], full: false, second: 7 },
  ModifyNetworkInterfaceAttribute: { ids: [], full: true, second: 8 },
  CreateNetworkInterface: { ids: [], full: true, second: 9 },
  DeleteNetworkInterface: { ids: [], full: true, second: 10 },
  AttachNetworkInterface: { ids: [], full: true, second: 11 },
  DetachNetworkInterface: { ids: [], full: true, second: 12 },
  RunInstances: { ids: [], full: true, second: 13 },
  TerminateInstances: { ids: [], full: true, second: 14 },
};

describe('parseAwsEventMessage on one sample per followed EC2 call', () => {
  it('has a sample and an expectation for every call in AWS_EVENT_NAMES, and no others', () => {
    const files = new Set(readdirSync(AWS_EVENT_SAMPLES));
    for (const name of AWS_EVENT_NAMES) expect(files, name).toContain(`${kebab(name)}.json`);
    expect(Object.keys(EXPECTED).sort()).toEqual([...AWS_EVENT_NAMES].sort());
  });

  it.each(AWS_EVENT_NAMES)('%s', (name) => {
    const want = EXPECTED[name]!;
    const parsed = parseAwsEventMessage(sample(`${kebab(name)}.json`));
    expect(parsed).toMatchObject({ kind: 'change', eventName: name, eventId: expect.stringMatching(/^e4d2a9f0-/) });
    if (parsed.kind !== 'change') return;
    const change: AwsChange = { securityGroupIds: want.ids, full: want.full, eventNames: [name], earliestEventTime: at(want.second), latestEventTime: at(want.second) };
    expect(parsed.change).toEqual(change);
    expect(parsed.fullBecause !== undefined).toBe(want.full);
  });

  it('takes the changed group, never the peer groups its rules reference', () => {
    const parsed = parseAwsEventMessage(sample('authorize-security-group-ingress.json'));
    expect(sample('authorize-security-group-ingress.json')).toContain(SG_PEER);
    expect(parsed.kind === 'change' && parsed.change.securityGroupIds).toEqual([SG_DB]);
  });

  it('finds the group id where only the response carries it (CreateSecurityGroup)', () => {
    const event = JSON.parse(sample('create-security-group.json'));
    expect(JSON.stringify(event.detail.requestParameters)).not.toContain('sg-');
    expect(parseAwsEventMessage(JSON.stringify(event))).toMatchObject({ change: { securityGroupIds: [SG_NEW], full: false } });
    delete event.detail.responseElements.groupId;
    expect(parseAwsEventMessage(JSON.stringify(event))).toMatchObject({ change: { securityGroupIds: [], full: true }, fullBecause: 'CreateSecurityGroup names no security group id' });
  });

  it('falls back to the rules in the response when the request names no group id', () => {
    const event = JSON.parse(sample('authorize-security-group-egress.json'));
    delete event.detail.requestParameters.groupId;
    expect(parseAwsEventMessage(JSON.stringify(event))).toMatchObject({ change: { securityGroupIds: [SG_APP], full: false } });
  });
});

describe('parseAwsEventMessage on what it cannot narrow', () => {
  it('asks for a full read when a rule change names its group only by name (default VPC)', () => {
    expect(parseAwsEventMessage(sample('authorize-security-group-ingress-by-name.json'))).toMatchObject({
      kind: 'change',
      change: { securityGroupIds: [], full: true, eventNames: ['AuthorizeSecurityGroupIngress'] },
      fullBecause: 'AuthorizeSecurityGroupIngress names no security group id',
    });
  });

  it('asks for a full read when the group id is not one, keeping nothing from it', () => {
    const event = JSON.parse(sample('revoke-security-group-ingress.json'));
    event.detail.requestParameters.groupId = 'sg-NOT-AN-ID';
    expect(parseAwsEventMessage(JSON.stringify(event))).toMatchObject({ change: { securityGroupIds: [], full: true }, fullBecause: expect.stringContaining('"sg-NOT-AN-ID"') });
  });

  it('asks for a full read when requestParameters and responseElements are missing or null', () => {
    const event = JSON.parse(sample('delete-security-group.json'));
    delete event.detail.requestParameters;
    event.detail.responseElements = null;
    expect(parseAwsEventMessage(JSON.stringify(event))).toMatchObject({ change: { full: true, securityGroupIds: [] } });
  });

  it('takes the envelope time when the CloudTrail record has none, and no time when neither parses', () => {
    const event = JSON.parse(sample('delete-security-group.json'));
    delete event.detail.eventTime;
    event.time = '2026-12-01T11:00:00Z';
    expect(parseAwsEventMessage(JSON.stringify(event))).toMatchObject({ change: { earliestEventTime: Date.parse('2026-12-01T11:00:00Z') } });
    event.time = 'yesterday';
    const parsed = parseAwsEventMessage(JSON.stringify(event));
    expect(parsed.kind === 'change' && 'earliestEventTime' in parsed.change).toBe(false);
  });
});

describe('parseAwsEventMessage ignores, with a reason, what is not a followed EC2 call', () => {
  it.each([
    ['authorize-security-group-ingress-failed.json', 'failed-call', 'AuthorizeSecurityGroupIngress failed with Client.InvalidPermission.Duplicate'],
    ['instance-state-change.json', 'other-detail-type', 'detail-type is "EC2 Instance State-change Notification"'],
    ['s3-put-object.json', 'other-source', 'source is "aws.s3"'],
    ['describe-security-groups.json', 'other-event', 'detail.eventName "DescribeSecurityGroups" is not one sgbridge follows'],
  ])('%s: %s', (file, reason, detail) => {
    expect(parseAwsEventMessage(sample(file))).toEqual({ kind: 'ignored', reason, detail: expect.stringContaining(detail) });
  });

  it.each([
    ['', 'not-json'],
    ['{"source": "aws.ec2",', 'not-json'],
    ['null', 'not-an-event'],
    ['[1, 2]', 'not-an-event'],
    ['"AuthorizeSecurityGroupIngress"', 'not-an-event'],
    ['{}', 'not-an-event'],
    ['{"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail"}', 'not-an-event'],
    ['{"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": 7}}', 'not-an-event'],
    ['{"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": "constructor"}}', 'other-event'],
    ['{"source": ["aws.ec2"], "detail-type": "AWS API Call via CloudTrail", "detail": {}}', 'not-an-event'],
  ])('%j → %s', (body, reason) => {
    const parsed = parseAwsEventMessage(body);
    expect(parsed).toMatchObject({ kind: 'ignored', reason });
    expect(parsed.kind === 'ignored' && parsed.detail.length).toBeGreaterThan(0);
  });

  it('names the field that is wrong', () => {
    expect(parseAwsEventMessage('{"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": 7}}')).toMatchObject({ detail: expect.stringMatching(/^detail\.eventName: /) });
    expect(parseAwsEventMessage('{"detail-type": "x", "detail": {}}')).toMatchObject({ detail: expect.stringMatching(/^source: /) });
  });

  it('drops a body over the EventBridge size limit without parsing it, counting bytes rather than characters', () => {
    const event = JSON.parse(sample('authorize-security-group-ingress.json'));
    const pad = (filler: string, size: number) => {
      event.detail.userAgent = filler.repeat(Math.ceil(size / filler.length));
      return JSON.stringify(event);
    };
    expect(parseAwsEventMessage(pad('x', 2 * MAX_EVENT_BYTES))).toMatchObject({ kind: 'ignored', reason: 'too-large' });
    // under the limit in characters, over it in UTF-8 bytes
    const wide = pad('é', MAX_EVENT_BYTES * 0.75);
    expect(wide.length).toBeLessThan(MAX_EVENT_BYTES);
    expect(parseAwsEventMessage(wide)).toMatchObject({ kind: 'ignored', reason: 'too-large' });
    expect(parseAwsEventMessage(pad('x', MAX_EVENT_BYTES / 2))).toMatchObject({ kind: 'change' });
  });
});

describe('mergeAwsChanges', () => {
  const change = (ids: string[], full: boolean, name: string, t?: number): AwsChange => ({
    securityGroupIds: ids,
    full,
    eventNames: [name],
    ...(t !== undefined ? { earliestEventTime: t, latestEventTime: t } : {}),
  });

  it('is undefined for no changes', () => {
    expect(mergeAwsChanges([])).toBeUndefined();
  });

  it('unions groups and names (sorted, once each), spans the event times, and is full if any part is', () => {
    expect(mergeAwsChanges([change([SG_DB], false, 'RevokeSecurityGroupIngress', 30), change([SG_APP, SG_DB], false, 'AuthorizeSecurityGroupIngress', 10), change([], false, 'AuthorizeSecurityGroupIngress')])).toEqual({
      securityGroupIds: [SG_APP, SG_DB],
      full: false,
      eventNames: ['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress'],
      earliestEventTime: 10,
      latestEventTime: 30,
    });
    expect(mergeAwsChanges([change([SG_DB], false, 'RevokeSecurityGroupIngress'), change([], true, 'RunInstances')])).toEqual({ securityGroupIds: [SG_DB], full: true, eventNames: ['RevokeSecurityGroupIngress', 'RunInstances'] });
  });
});
