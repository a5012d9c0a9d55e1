// Which of sgbridge's webhooks kube-apiserver would call for a request: the admission v1 rule
// matching (group, version, resource[/subresource], operation, scope), the namespaceSelector on
// kubernetes.io/metadata.name, and every matchCondition evaluated as CEL. A request no webhook is
// routed to never reaches sgbridge, which for a write sgbridge must refuse is a bypass.
import { evaluate } from '@marcbachmann/cel-js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export function ruleMatches(rule: Any, req: Any): boolean {
  const has = (list: string[], v: string) => list.includes('*') || list.includes(v);
  // A Namespace request carries its own name as request.namespace, but namespaces are cluster-scoped.
  const scope = req.namespace && req.resource.resource !== 'namespaces' ? 'Namespaced' : 'Cluster';
  return (
    has(rule.apiGroups, req.resource.group) &&
    has(rule.apiVersions, req.resource.version) &&
    has(rule.resources, req.subResource ? `${req.resource.resource}/${req.subResource}` : req.resource.resource) &&
    has(rule.operations, req.operation) &&
    (rule.scope === '*' || rule.scope === scope)
  );
}

export function namespaceMatches(sel: Any, req: Any): boolean {
  if (!sel || !req.namespace) return true; // cluster-scoped objects never skip on namespaceSelector
  return sel.matchExpressions.every((e: Any) => (e.operator === 'NotIn' ? !e.values.includes(req.namespace) : e.values.includes(req.namespace)));
}

export function conditionsHold(conds: Any[] | undefined, req: Any, extra: Any = {}): boolean {
  return (conds ?? []).every((c) => evaluate(c.expression, { request: req, object: req.object ?? null, oldObject: req.oldObject ?? null, ...extra }) === true);
}

/** Names of the webhooks (of the given configurations) the apiserver would call for this request. */
export function routed(configs: Any[], req: Any): string[] {
  return configs
    .flatMap((c) => c.webhooks)
    .filter((w: Any) => w.rules.some((r: Any) => ruleMatches(r, req)) && namespaceMatches(w.namespaceSelector, req) && conditionsHold(w.matchConditions, req))
    .map((w: Any) => w.name);
}
