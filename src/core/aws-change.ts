// What one SQS message from the EventBridge rule (deploy/aws-events.cloudformation.yaml) means for
// the syncer: an EC2 API call recorded by CloudTrail, narrowed to the security groups it changed
// where the event says which, else a full EC2 read. Pure: message text in, change or reason out.
import { z } from 'zod';
import { isSgId } from './vocabulary.js';

/** How an event narrows: to the group it names, or not at all (`full`). */
type EventScope = 'group' | 'full';

/**
 * The EC2 calls the EventBridge rule forwards, each with its scope. One list: the CloudFormation
 * template's event pattern is checked against it. Group events change one group's rules or its
 * existence; interface and instance events change which addresses carry which groups, which only
 * a full read of the network interfaces can tell.
 */
export const AWS_EVENT_SCOPES = {
  AuthorizeSecurityGroupIngress: 'group',
  AuthorizeSecurityGroupEgress: 'group',
  RevokeSecurityGroupIngress: 'group',
  RevokeSecurityGroupEgress: 'group',
  ModifySecurityGroupRules: 'group',
  CreateSecurityGroup: 'group',
  DeleteSecurityGroup: 'group',
  ModifyNetworkInterfaceAttribute: 'full',
  CreateNetworkInterface: 'full',
  DeleteNetworkInterface: 'full',
  AttachNetworkInterface: 'full',
  DetachNetworkInterface: 'full',
  RunInstances: 'full',
  TerminateInstances: 'full',
} as const satisfies Record<string, EventScope>;

export type AwsEventName = keyof typeof AWS_EVENT_SCOPES;
export const AWS_EVENT_NAMES = Object.keys(AWS_EVENT_SCOPES) as AwsEventName[];

export const AWS_EVENT_SOURCE = 'aws.ec2';
export const AWS_EVENT_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** EventBridge refuses events over 256 KiB, so a bigger body is not one of its events. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** What the syncer must re-read: these groups, or everything (`full`). */
export interface AwsChange {
  /** Groups the events named, sorted and unique; with `full` they are informational. */
  securityGroupIds: string[];
  /** At least one event could not be narrowed to groups: read EC2 in full. */
  full: boolean;
  /** EC2 calls behind the change, sorted and unique. */
  eventNames: string[];
  /** Earliest and latest CloudTrail eventTime (ms since the epoch), when the events carry one. */
  earliestEventTime?: number;
  latestEventTime?: number;
}

/** Why a message was dropped (a bounded set: it is a metric label). */
export type IgnoreReason = 'too-large' | 'not-json' | 'not-an-event' | 'other-source' | 'other-detail-type' | 'other-event' | 'failed-call';

export type ParsedMessage =
  | { kind: 'change'; change: AwsChange; eventName: AwsEventName; eventId?: string; fullBecause?: string }
  | { kind: 'ignored'; reason: IgnoreReason; detail: string };

const envelope = z.object({ source: z.string(), 'detail-type': z.string(), time: z.string().optional(), detail: z.unknown() });
const apiCall = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  eventID: z.string().optional(),
  errorCode: z.string().optional(),
  requestParameters: z.unknown().optional(),
  responseElements: z.unknown().optional(),
});

/** The first problem zod found, as "path: message". */
function firstIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]!;
  return `${[prefix, ...issue.path].filter(Boolean).join('.') || '(body)'}: ${issue.message}`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ignored = (reason: IgnoreReason, detail: string): ParsedMessage => ({ kind: 'ignored', reason, detail });

/**
 * The changed group's id from the call's own fields: `groupId` at the top of requestParameters
 * (Authorize/Revoke/Delete), inside a `…Request` wrapper (ModifySecurityGroupRules records
 * `ModifySecurityGroupRulesRequest.GroupId`), or in responseElements (CreateSecurityGroup, and the
 * `securityGroupRuleSet` rules that Authorize answers with). Deeper `groupId`s are rule peers, not
 * the group that changed, so the search stops there.
 */
function changedGroupIds(request: unknown, response: unknown): string[] {
  const found = new Set<string>();
  const own = (o: unknown) => {
    if (!isObject(o)) return;
    for (const key of ['groupId', 'GroupId']) if (typeof o[key] === 'string') found.add(o[key]);
  };
  for (const fields of [request, response]) {
    if (!isObject(fields)) continue;
    own(fields);
    for (const [key, value] of Object.entries(fields)) if (/(Request|Response)$/.test(key)) own(value);
  }
  if (found.size === 0 && isObject(response) && isObject(response.securityGroupRuleSet) && Array.isArray(response.securityGroupRuleSet.items)) {
    for (const rule of response.securityGroupRuleSet.items) own(rule);
  }
  return [...found].sort();
}

function eventTime(...candidates: (string | undefined)[]): number | undefined {
  for (const c of candidates) {
    const t = c === undefined ? NaN : Date.parse(c);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

/** One SQS message body: the change it asks for, or why it was ignored. Never throws. */
export function parseAwsEventMessage(body: string): ParsedMessage {
  const bytes = body.length > MAX_EVENT_BYTES ? body.length : Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_EVENT_BYTES) return ignored('too-large', `body of ${bytes} bytes or more is over EventBridge's ${MAX_EVENT_BYTES}-byte event limit`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return ignored('not-json', `body is not JSON (${(err as Error).message})`);
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) return ignored('not-an-event', `${firstIssue(parsed.error, '')}; expected an EventBridge event (source, detail-type, detail)`);
  const event = parsed.data;
  if (event.source !== AWS_EVENT_SOURCE) return ignored('other-source', `source is "${event.source}", expected "${AWS_EVENT_SOURCE}"`);
  if (event['detail-type'] !== AWS_EVENT_DETAIL_TYPE) return ignored('other-detail-type', `detail-type is "${event['detail-type']}", expected "${AWS_EVENT_DETAIL_TYPE}"`);
  const call = apiCall.safeParse(event.detail);
  if (!call.success) return ignored('not-an-event', `${firstIssue(call.error, 'detail')}; expected a CloudTrail record with detail.eventName`);
  const detail = call.data;
  if (!Object.hasOwn(AWS_EVENT_SCOPES, detail.eventName)) return ignored('other-event', `detail.eventName "${detail.eventName}" is not one sgbridge follows (${AWS_EVENT_NAMES.join(', ')})`);
  const eventName = detail.eventName as AwsEventName;
  // A call EC2 refused changed nothing.
  if (detail.errorCode !== undefined) return ignored('failed-call', `${eventName} failed with ${detail.errorCode}`);

  let fullBecause: string | undefined;
  let ids: string[] = [];
  if (AWS_EVENT_SCOPES[eventName] === 'full') {
    fullBecause = `${eventName} changes network interfaces`;
  } else {
    ids = changedGroupIds(detail.requestParameters, detail.responseElements);
    const bad = ids.find((id) => !isSgId(id));
    if (ids.length === 0) fullBecause = `${eventName} names no security group id`;
    else if (bad !== undefined) fullBecause = `${eventName} names "${bad}", which is not a security group id`;
    if (bad !== undefined) ids = ids.filter(isSgId);
  }
  const time = eventTime(detail.eventTime, event.time);
  const change: AwsChange = {
    securityGroupIds: ids,
    full: fullBecause !== undefined,
    eventNames: [eventName],
    ...(time !== undefined ? { earliestEventTime: time, latestEventTime: time } : {}),
  };
  return { kind: 'change', change, eventName, ...(detail.eventID ? { eventId: detail.eventID } : {}), ...(fullBecause ? { fullBecause } : {}) };
}

/** The changes of one batch as one: the union of their groups and names; full if any is. */
export function mergeAwsChanges(changes: readonly AwsChange[]): AwsChange | undefined {
  if (changes.length === 0) return undefined;
  const ids = new Set<string>();
  const names = new Set<string>();
  let earliest: number | undefined;
  let latest: number | undefined;
  for (const c of changes) {
    c.securityGroupIds.forEach((id) => ids.add(id));
    c.eventNames.forEach((n) => names.add(n));
    if (c.earliestEventTime !== undefined) earliest = Math.min(earliest ?? Infinity, c.earliestEventTime);
    if (c.latestEventTime !== undefined) latest = Math.max(latest ?? -Infinity, c.latestEventTime);
  }
  return {
    securityGroupIds: [...ids].sort(),
    full: changes.some((c) => c.full),
    eventNames: [...names].sort(),
    ...(earliest !== undefined ? { earliestEventTime: earliest } : {}),
    ...(latest !== undefined ? { latestEventTime: latest } : {}),
  };
}
