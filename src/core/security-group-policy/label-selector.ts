// metav1.LabelSelector, compiled once and matched against label sets, with the semantics of
// apimachinery's LabelSelectorAsSelector: matchLabels and matchExpressions are ANDed; `{}` matches
// everything; In/NotIn need values, Exists/DoesNotExist take none; keys and values must have label
// syntax; any other operator is refused. A refused selector is reported, never half-applied.
import type { LabelSelector } from './api.js';
import { labelKeyProblem, labelValueProblem } from './label-syntax.js';

export type Labels = Readonly<Record<string, string>>;

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
type Operator = (typeof SELECTOR_OPERATORS)[number];

interface Requirement {
  key: string;
  operator: Operator;
  values: ReadonlySet<string>;
}

export interface LabelSelectorMatcher {
  /** Every label key the selector names, for rules about which keys may be selected on. */
  readonly keys: readonly string[];
  /**
   * A label the selector requires (its In requirement with the fewest values, matchLabels being
   * In with one): no label set without `key` set to one of `values` can match. Absent when the
   * selector requires no value (`{}`, or only NotIn/Exists/DoesNotExist). It lets callers index
   * selectors by label instead of trying each.
   */
  readonly anchor?: { readonly key: string; readonly values: readonly string[] };
  matches(labels: Labels | null | undefined): boolean;
}

export type CompiledSelector = { ok: true; selector: LabelSelectorMatcher } | { ok: false; problem: string };

const isOperator = (op: string): op is Operator => (SELECTOR_OPERATORS as readonly string[]).includes(op);

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.has(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.has(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

function matcher(requirements: Requirement[]): LabelSelectorMatcher {
  const anchor = requirements.filter((r) => r.operator === 'In').sort((a, b) => a.values.size - b.values.size)[0];
  return {
    keys: [...new Set(requirements.map((r) => r.key))],
    ...(anchor ? { anchor: { key: anchor.key, values: [...anchor.values] } } : {}),
    matches: (labels) => {
      const set = labels ?? {};
      return requirements.every((r) => requirementMatches(r, set));
    },
  };
}

/** What labels.NewRequirement refuses: the problem and the field of the requirement it is in. */
function requirementProblem(key: string, operator: Operator, values: readonly string[]): { field: string; problem: string } | undefined {
  const keyProblem = labelKeyProblem(key);
  if (keyProblem) return { field: 'key', problem: keyProblem };
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) return { field: 'values', problem: `operator ${operator} needs at least one value` };
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) return { field: 'values', problem: `operator ${operator} takes no values (found ${values.length})` };
  for (const [i, value] of values.entries()) {
    const valueProblem = labelValueProblem(value);
    if (valueProblem) return { field: `values[${i}]`, problem: valueProblem };
  }
  return undefined;
}

/**
 * Compiles a selector; `path` (e.g. "spec.podSelector") prefixes problems so that they name the
 * field. matchLabels are checked in key order so the first problem reported is always the same.
 */
export function compileLabelSelector(selector: LabelSelector, path: string): CompiledSelector {
  const requirements: Requirement[] = [];
  const labels = selector.matchLabels ?? {};
  for (const key of Object.keys(labels).sort()) {
    const value = labels[key]!;
    const found = requirementProblem(key, 'In', [value]);
    if (found) return { ok: false, problem: `${path}.matchLabels[${JSON.stringify(key)}]: ${found.problem}` };
    requirements.push({ key, operator: 'In', values: new Set([value]) });
  }
  for (const [i, expression] of (selector.matchExpressions ?? []).entries()) {
    const at = `${path}.matchExpressions[${i}]`;
    if (!isOperator(expression.operator)) {
      return { ok: false, problem: `${at}.operator: ${JSON.stringify(expression.operator)} is not a valid label selector operator; expected ${SELECTOR_OPERATORS.join(', ')}` };
    }
    const values = expression.values ?? [];
    const found = requirementProblem(expression.key, expression.operator, values);
    if (found) return { ok: false, problem: `${at}.${found.field}: ${found.problem}` };
    requirements.push({ key: expression.key, operator: expression.operator, values: new Set(values) });
  }
  return { ok: true, selector: matcher(requirements) };
}
