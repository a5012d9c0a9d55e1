// The webhook configurations that send requests to sgbridge (SPEC §1, §2, §5): a
// MutatingWebhookConfiguration for pods and a ValidatingWebhookConfiguration for the objects the
// protection rules guard. Pure: the CLI prints them and the Helm chart mirrors their shape.
import { CALICO_RESOURCE_KINDS, type CalicoResourceKind } from '../calico.js';
import { SGP_GROUP, SGP_RESOURCE, SGP_VERSION } from '../security-group-policy/index.js';
import { NAMESPACE_ALLOWED_ANNOTATION } from '../vocabulary.js';
import { excludedNamespaces, PATHS, WEBHOOK_NAMES } from '../webhooks.js';
import { annotationChanged, BINDING_CARRIES_MEMBERSHIP, CALICO_API_GROUPS, conditions, MEMBERSHIP_SOURCE_CHANGED, type MatchCondition } from './cel.js';
import type { FailurePolicy, WebhookConfigOptions, WebhookSettings } from './options.js';

/** Every Calico kind the protection rules guard, with its plural resource and scope (core/calico.ts's table). */
export const CALICO_RESOURCES = Object.entries(CALICO_RESOURCE_KINDS).map(([kind, r]) => ({ kind: kind as CalicoResourceKind, ...r }));

type Operation = 'CREATE' | 'UPDATE' | 'DELETE';
type Json = Record<string, unknown>;

/** Checks the URL the apiserver will call, as the apiserver does: https, a host, no query. */
export function webhookBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--url: expected https://HOST:PORT, got "${url}"`);
  }
  if (u.protocol !== 'https:') throw new Error(`--url: expected an https:// URL (the apiserver only calls webhooks over TLS), got "${url}"`);
  if (u.username || u.password || u.search || u.hash) throw new Error(`--url: expected no user, query or fragment (the apiserver refuses them), got "${url}"`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

function clientConfig(opts: WebhookConfigOptions, path: string): Json {
  const cfg: Json =
    'url' in opts.target ? { url: webhookBaseUrl(opts.target.url) + path } : { service: { ...opts.target.service, path } };
  if (opts.caBundle !== undefined) cfg.caBundle = opts.caBundle;
  return cfg;
}

function namespaceSelector(s: WebhookSettings): Json {
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excludedNamespaces(s) }] };
}

interface WebhookSpec {
  name: string;
  path: string;
  rules: Json[];
  failurePolicy: FailurePolicy;
  namespaceSelector?: Json;
  conditions: MatchCondition[];
  reinvocationPolicy?: 'IfNeeded';
}

function webhook(opts: WebhookConfigOptions, w: WebhookSpec): Json {
  const out: Json = {
    name: w.name,
    admissionReviewVersions: ['v1'],
    clientConfig: clientConfig(opts, w.path),
    rules: w.rules,
    failurePolicy: w.failurePolicy,
    matchPolicy: 'Equivalent',
    sideEffects: 'None',
    timeoutSeconds: 3,
  };
  if (w.namespaceSelector) out.namespaceSelector = w.namespaceSelector;
  if (w.reinvocationPolicy) out.reinvocationPolicy = w.reinvocationPolicy;
  if (opts.matchConditions !== false && w.conditions.length > 0) out.matchConditions = w.conditions;
  return out;
}

function rule(apiGroups: string[], apiVersions: string[], resources: string[], operations: Operation[], scope: 'Cluster' | 'Namespaced' | '*'): Json {
  return { apiGroups, apiVersions, resources, operations, scope };
}

const podRule = (operations: Operation[]) => rule([''], ['v1'], ['pods'], operations, 'Namespaced');

export function buildMutatingWebhookConfiguration(opts: WebhookConfigOptions): Json {
  const s = opts.settings;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: s.serviceName, labels: { 'app.kubernetes.io/name': 'sgbridge' } },
    webhooks: [
      webhook(opts, {
        name: WEBHOOK_NAMES.mutatePods,
        path: PATHS.mutate,
        rules: [podRule(['CREATE', 'UPDATE'])],
        failurePolicy: opts.failurePolicy,
        namespaceSelector: namespaceSelector(s),
        conditions: conditions(s, {}),
        reinvocationPolicy: 'IfNeeded',
      }),
    ],
  };
}

/** Calico kinds in both API groups, one rule per scope so cluster-scoped kinds are named as such. */
function calicoRules(): Json[] {
  const groups = [CALICO_API_GROUPS.v3, CALICO_API_GROUPS.crd];
  const ops: Operation[] = ['CREATE', 'UPDATE', 'DELETE'];
  return (['Cluster', 'Namespaced'] as const).map((scope) =>
    rule(groups, ['*'], CALICO_RESOURCES.filter((r) => r.scope === scope).map((r) => r.resource), ops, scope),
  );
}

/** Rule 6 on a pod subresource: the pods' namespaces, and only the writes `when` picks out. */
function podSubresourceWebhook(opts: WebhookConfigOptions, name: string, resource: string, operation: Operation, when: MatchCondition): Json {
  return webhook(opts, {
    name,
    path: PATHS.validate,
    rules: [rule([''], ['v1'], [resource], [operation], 'Namespaced')],
    failurePolicy: opts.failurePolicy,
    namespaceSelector: namespaceSelector(opts.settings),
    conditions: [...conditions(opts.settings, { breakGlass: true }), when],
  });
}

export function buildValidatingWebhookConfiguration(opts: WebhookConfigOptions): Json {
  const s = opts.settings;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: s.serviceName, labels: { 'app.kubernetes.io/name': 'sgbridge' } },
    webhooks: [
      // SPEC §2 rules 1–5 on Calico objects: fail closed, in every namespace.
      webhook(opts, {
        name: WEBHOOK_NAMES.validateCalico,
        path: PATHS.validate,
        rules: calicoRules(),
        failurePolicy: 'Fail',
        conditions: conditions(s, { calicoRelay: true, controllers: true, breakGlass: true }),
      }),
      // Rule 5 on Kubernetes NetworkPolicies, in every namespace (a policy anywhere can select pods everywhere).
      webhook(opts, {
        name: WEBHOOK_NAMES.validateNetworkPolicies,
        path: PATHS.validate,
        rules: [rule(['networking.k8s.io'], ['v1'], ['networkpolicies'], ['CREATE', 'UPDATE'], 'Namespaced')],
        failurePolicy: opts.failurePolicy,
        conditions: conditions(s, { breakGlass: true }),
      }),
      // Rule 6 on pods: the same namespaces as the mutating webhook, or unmutated pods there would be refused.
      webhook(opts, {
        name: WEBHOOK_NAMES.validatePods,
        path: PATHS.validate,
        rules: [podRule(['CREATE', 'UPDATE'])],
        failurePolicy: opts.failurePolicy,
        namespaceSelector: namespaceSelector(s),
        conditions: conditions(s, { breakGlass: true }),
      }),
      // Rule 6 on pods/status and pods/binding, and rule 7 on namespaces, only for the writes that
      // move membership or the allow-list: without matchConditions (Kubernetes < 1.28) every
      // kubelet status update, every scheduling decision and every namespace write would wait on
      // sgbridge, so they are left out there and the syncer's relabelling is the only repair.
      ...(opts.matchConditions === false
        ? []
        : [
            podSubresourceWebhook(opts, WEBHOOK_NAMES.validatePodStatus, 'pods/status', 'UPDATE', { name: 'membership-source-changed', expression: MEMBERSHIP_SOURCE_CHANGED }),
            podSubresourceWebhook(opts, WEBHOOK_NAMES.validatePodBinding, 'pods/binding', 'CREATE', { name: 'binding-carries-membership', expression: BINDING_CARRIES_MEMBERSHIP }),
            // A privilege check: fails closed, and only annotation changes by others reach it.
            webhook(opts, {
              name: WEBHOOK_NAMES.validateNamespaces,
              path: PATHS.validate,
              rules: [rule([''], ['v1'], ['namespaces'], ['CREATE', 'UPDATE'], 'Cluster')],
              failurePolicy: 'Fail',
              conditions: [
                ...conditions(s, { breakGlass: true, allowListWriters: true }),
                { name: 'allow-list-changed', expression: annotationChanged(NAMESPACE_ALLOWED_ANNOTATION) },
              ],
            }),
          ]),
      // SecurityGroupPolicies give pods groups as the annotation does, so they face its rules at
      // admission (the trust and enforced groups, the namespace's allow-list), in every namespace;
      // nobody is exempt, as nobody is from the annotation's rules.
      ...(s.securityGroupPolicies
        ? [
            webhook(opts, {
              name: WEBHOOK_NAMES.validateSecurityGroupPolicies,
              path: PATHS.validate,
              rules: [rule([SGP_GROUP], [SGP_VERSION], [SGP_RESOURCE], ['CREATE', 'UPDATE'], 'Namespaced')],
              failurePolicy: opts.failurePolicy,
              conditions: [],
            }),
          ]
        : []),
    ],
  };
}
