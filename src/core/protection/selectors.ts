// Rule 5 of SPEC §2: no policy of any kind or tier may select an internal group's membership
// label. The whole spec is searched rather than a list of selector fields, so Calico fields
// added later (or spelled differently across API versions) cannot slip through.
import { deny, type Decision } from '../admission-types.js';
import { MEMBERSHIP_LABEL_PREFIX } from '../vocabulary.js';
import type { InternalGroup } from './context.js';
import { messages } from './messages.js';
import { isRecord, nameOf, specOf, type State } from './read.js';

export interface Mention {
  /** Where, e.g. spec.ingress[0].source.selector. */
  path: string;
  group: InternalGroup;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new WeakMap<readonly InternalGroup[], RegExp>();

/** Matches any internal group's label, not a longer id that merely starts with it. */
export function mentionPattern(groups: readonly InternalGroup[]): RegExp | undefined {
  if (groups.length === 0) return undefined;
  let pattern = patterns.get(groups);
  if (!pattern) {
    const ids = groups.map((g) => escapeRegExp(g.id)).join('|');
    pattern = new RegExp(`${escapeRegExp(MEMBERSHIP_LABEL_PREFIX)}(${ids})(?![0-9a-z])`, 'i');
    patterns.set(groups, pattern);
  }
  return pattern;
}

const MAX_DEPTH = 64;

type Found = Mention | { tooDeep: string } | undefined;

/** The first place in `value` (keys or strings) that names an internal group's label. */
export function findMention(value: unknown, pattern: RegExp, groups: readonly InternalGroup[], path: string, depth = 0): Found {
  const hit = (text: string, at: string): Found => {
    const m = pattern.exec(text);
    if (!m) return undefined;
    const id = (m[1] ?? '').toLowerCase();
    const group = groups.find((g) => g.id === id);
    return group ? { path: at, group } : undefined;
  };
  if (typeof value === 'string') return hit(value, path);
  // No policy schema nests this deep; refuse rather than search without bound.
  if (depth > MAX_DEPTH) return { tooDeep: path };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findMention(item, pattern, groups, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const at = `${path}.${key}`;
      const found = hit(key, at) ?? findMention(item, pattern, groups, at, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Only the new object counts: removing a mention, or deleting the policy, is always fine. */
export function internalSelectorRule(kind: string, next: State | undefined, requestName: string | undefined, groups: readonly InternalGroup[]): Decision | undefined {
  const pattern = mentionPattern(groups);
  if (!next || !pattern) return undefined;
  const spec = specOf(next.value, next.where);
  if (!spec.ok) return deny(messages.unreadable(kind, spec.problem), 400);
  const mention = findMention(spec.value, pattern, groups, 'spec');
  if (!mention) return undefined;
  if ('tooDeep' in mention) return deny(messages.unreadable(kind, `spec is nested more than ${MAX_DEPTH} levels deep`), 400);
  const name = nameOf(next.value) ?? requestName ?? '(unnamed)';
  return deny(messages.internalSelector(kind, name, mention.path, mention.group.role, mention.group.id));
}
