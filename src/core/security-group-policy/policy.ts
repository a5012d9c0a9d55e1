// One SecurityGroupPolicy, read and compiled once (per watch event, or per admission request):
// valid, with its groups and selectors ready to match; or invalid, with the reason. Invalid is what
// the AWS controller ignores (neither selector, no group ids, a selector LabelSelectorAsSelector
// refuses), plus what sgbridge cannot apply: a group id that is not one, more groups than the
// annotation may name, or a selector on membership labels, which are what this derivation writes.
// An item of groupIds that is not a group id is left out with a warning (AWS's own sample has one),
// so the policy still gives its real groups; with no real group left, the policy is invalid.
import type { ZodError } from 'zod';
import { MAX_GROUPS } from '../sg-list.js';
import { isMembershipLabel, isSgId, MEMBERSHIP_LABEL_PREFIX } from '../vocabulary.js';
import { securityGroupPolicySchema, type LabelSelector } from './api.js';
import { compileLabelSelector, type LabelSelectorMatcher } from './label-selector.js';

export interface PolicyRef {
  namespace: string;
  name: string;
}

export interface ValidPolicy {
  valid: true;
  ref: PolicyRef;
  /** Lowercased, de-duplicated, sorted. */
  groups: readonly string[];
  /** Items of groupIds left out, each naming its field. */
  warnings: readonly string[];
  /** Absent: the policy does not select by pod labels. */
  podSelector?: LabelSelectorMatcher;
  /** Absent: the policy does not select by ServiceAccount labels. */
  serviceAccountSelector?: LabelSelectorMatcher;
}

export interface InvalidPolicy {
  valid: false;
  ref: PolicyRef;
  /** Names the field and the form expected. */
  reason: string;
}

export type CompiledPolicy = ValidPolicy | InvalidPolicy;

const GROUPS_FIELD = 'spec.securityGroups.groupIds';
const EXAMPLE_ID = 'sg-0123456789abcdef0';

function shapeProblem(error: ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path || '(object)'}: ${issue.message}`;
}

type Groups = { ok: true; groups: string[]; warnings: string[] } | { ok: false; problem: string };

function groupsOf(ids: readonly string[]): Groups {
  if (ids.length === 0) return { ok: false, problem: `${GROUPS_FIELD} is missing or empty, so the policy gives no group (the AWS controller ignores it too); list security group ids, e.g. [${EXAMPLE_ID}]` };
  const groups = new Set<string>();
  const warnings: string[] = [];
  for (const [i, id] of ids.entries()) {
    const lower = id.toLowerCase();
    if (isSgId(lower)) groups.add(lower);
    else warnings.push(`${GROUPS_FIELD}[${i}]: ${JSON.stringify(id.slice(0, 60))} is not a security group id (expected e.g. ${EXAMPLE_ID}); sgbridge leaves it out`);
  }
  if (groups.size === 0) return { ok: false, problem: `${GROUPS_FIELD} holds no security group id (${warnings[0]})` };
  if (groups.size > MAX_GROUPS) return { ok: false, problem: `${GROUPS_FIELD} names ${groups.size} groups; at most ${MAX_GROUPS} are allowed` };
  return { ok: true, groups: [...groups].sort(), warnings };
}

type Compiled = { ok: true; selector?: LabelSelectorMatcher } | { ok: false; problem: string };

function selectorOf(selector: LabelSelector | null | undefined, path: string): Compiled {
  if (selector === null || selector === undefined) return { ok: true };
  const compiled = compileLabelSelector(selector, path);
  if (!compiled.ok) return compiled;
  const membershipKey = compiled.selector.keys.find(isMembershipLabel);
  if (membershipKey) {
    return { ok: false, problem: `${path} selects on ${membershipKey}: ${MEMBERSHIP_LABEL_PREFIX}* labels are what sgbridge derives from policies, so they cannot select them; select on the pod's own labels` };
  }
  return { ok: true, selector: compiled.selector };
}

/**
 * Reads and compiles a SecurityGroupPolicy. `where` supplies the namespace and name when the object
 * lacks them (an admission request for a generateName CREATE carries the name only in the request).
 */
export function compilePolicy(raw: unknown, where: Partial<PolicyRef> = {}): CompiledPolicy {
  const parsed = securityGroupPolicySchema.safeParse(raw);
  const meta = parsed.success ? parsed.data.metadata : undefined;
  const ref: PolicyRef = { namespace: meta?.namespace || where.namespace || '', name: meta?.name || where.name || '(unnamed)' };
  if (!parsed.success) return { valid: false, ref, reason: shapeProblem(parsed.error) };
  const spec = parsed.data.spec ?? {};
  const hasPod = spec.podSelector !== null && spec.podSelector !== undefined;
  const hasServiceAccount = spec.serviceAccountSelector !== null && spec.serviceAccountSelector !== undefined;
  if (!hasPod && !hasServiceAccount) {
    return { valid: false, ref, reason: 'has neither spec.podSelector nor spec.serviceAccountSelector, so it selects no pod (the AWS controller ignores it too); add one, {} selects every pod' };
  }
  const groups = groupsOf(spec.securityGroups?.groupIds ?? []);
  if (!groups.ok) return { valid: false, ref, reason: groups.problem };
  const pod = selectorOf(spec.podSelector, 'spec.podSelector');
  if (!pod.ok) return { valid: false, ref, reason: pod.problem };
  const serviceAccount = selectorOf(spec.serviceAccountSelector, 'spec.serviceAccountSelector');
  if (!serviceAccount.ok) return { valid: false, ref, reason: serviceAccount.problem };
  const policy: ValidPolicy = { valid: true, ref, groups: groups.groups, warnings: groups.warnings };
  if (pod.selector) policy.podSelector = pod.selector;
  if (serviceAccount.selector) policy.serviceAccountSelector = serviceAccount.selector;
  return policy;
}
