// The two annotations membership reads (SPEC §1.1, §1.8): the pod's list of security groups, and
// its namespace's allow-list of the groups pods there may name.
import { parseSgList, SG_LIST_EXAMPLE } from '../sg-list.js';
import { NAMESPACE_ALLOWED_ANNOTATION, SG_ANNOTATION } from '../vocabulary.js';

/**
 * What the adapter knows of the pod's namespace: `off` when no cluster is reachable; `unknown`
 * when the cluster could not tell (the allow-list then fails closed for pods that name groups).
 */
export type NamespaceFacts =
  | { allowList: 'off' }
  | { allowList: 'on'; annotations: Record<string, string> }
  | { allowList: 'unknown'; problem: string };

/** The groups a pod's annotation value names, or why it cannot be read, in the words a user sees. */
export function groupsNamed(raw: string): { ok: true; ids: string[] } | { ok: false; message: string } {
  const parsed = parseSgList(raw);
  if (!parsed.ok) return { ok: false, message: `annotation ${SG_ANNOTATION} ${parsed.problem}; expected a JSON array of security group ids, e.g. ${SG_ANNOTATION}=${SG_LIST_EXAMPLE}` };
  return { ok: true, ids: parsed.ids };
}

/** Why the namespace's allow-list refuses the named groups; undefined when it permits them. */
export function namespaceRefusal(named: readonly string[], ns: NamespaceFacts, dflt: 'all' | 'none', namespaceName: string): string | undefined {
  if (ns.allowList === 'off' || named.length === 0) return undefined;
  if (ns.allowList === 'unknown') {
    return `cannot check ${NAMESPACE_ALLOWED_ANNOTATION} of namespace ${namespaceName} (${ns.problem}), so pods there may not name security groups until the Kubernetes API answers; retry shortly`;
  }
  const value = ns.annotations[NAMESPACE_ALLOWED_ANNOTATION];
  if (value === undefined) {
    return dflt === 'all' ? undefined : `namespace ${namespaceName} does not allow security groups (no ${NAMESPACE_ALLOWED_ANNOTATION} annotation); ask its owner to list ${named[0]} there`;
  }
  const allowed = parseSgList(value, true);
  if (!allowed.ok) return `namespace ${namespaceName} annotation ${NAMESPACE_ALLOWED_ANNOTATION} ${allowed.problem}; expected e.g. '["sg-0123456789abcdef0"]' or '["*"]'`;
  if (allowed.wildcard) return undefined;
  const refused = named.filter((g) => !allowed.ids.includes(g));
  return refused.length
    ? `security group ${refused.join(', ')} is not permitted for pods in namespace ${namespaceName} (${NAMESPACE_ALLOWED_ANNOTATION} lists ${allowed.ids.join(', ') || 'none'})`
    : undefined;
}
