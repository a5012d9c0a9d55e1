// The admission registration objects that send requests to sgbridge (SPEC §1, §2, §5): a
// MutatingWebhookConfiguration for pods, a ValidatingWebhookConfiguration for the objects the
// protection rules guard, and optionally a ValidatingAdmissionPolicy that keeps the three tiers
// safe inside the apiserver when the webhook cannot be reached. Pure: the CLI prints these and
// the Helm chart mirrors their shape.
import { GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER } from './protection/identity.js';
import type { Settings } from './settings.js';
import { CALICO_TIER_LABEL, LAST_PROTECTED_ORDER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, MEMBERSHIP_LABEL_PREFIX, PROTECTED_TIER_NAMES } from './vocabulary.js';

export type FailurePolicy = 'Ignore' | 'Fail';

/** How the apiserver reaches sgbridge: a URL (running outside the cluster) or the Service. */
export type WebhookTarget = { url: string } | { service: { namespace: string; name: string; port: number } };

export type WebhookSettings = Pick<
  Settings,
  'namespace' | 'serviceName' | 'calicoNamespaces' | 'syncerIdentity' | 'calicoApiserverIdentity' | 'breakGlassUsers' | 'breakGlassGroups' | 'tierAllowList'
>;

export interface WebhookConfigOptions {
  target: WebhookTarget;
  /** base64 of the CA bundle PEM; left out when undefined (sgbridge injects it in a cluster). */
  caBundle?: string;
  /** For pods and Kubernetes NetworkPolicies; Calico objects always fail closed. */
  failurePolicy: FailurePolicy;
  /** matchConditions need Kubernetes ≥ 1.28 (beta, on by default) — GA in 1.30. Default true. */
  matchConditions?: boolean;
  settings: WebhookSettings;
}

export const PATHS = { mutate: '/mutate', validate: '/validate' } as const;

export const WEBHOOK_NAMES = {
  mutatePods: 'pods.mutate.sgbridge.io',
  validateCalico: 'calico.validate.sgbridge.io',
  validateNetworkPolicies: 'networkpolicies.validate.sgbridge.io',
  validatePods: 'pods.validate.sgbridge.io',
  validatePodStatus: 'podstatus.validate.sgbridge.io',
} as const;

/**
 * CEL: the update changes the pod's labels. pods/status updates may change metadata (Kubernetes'
 * pod status strategy only resets spec and owner references), so a label change there must face
 * rule 6 too; kubelet's own status updates, which leave labels alone, never reach sgbridge.
 */
export const LABELS_CHANGED =
  'has(object.metadata.labels) != has(oldObject.metadata.labels) || (has(object.metadata.labels) && object.metadata.labels != oldObject.metadata.labels)';

export const CALICO_API_GROUPS = { v3: 'projectcalico.org', crd: 'crd.projectcalico.org' } as const;

/** Every Calico kind the protection rules guard, with its plural resource and scope. */
export const CALICO_RESOURCES = [
  { kind: 'Tier', resource: 'tiers', scope: 'Cluster' },
  { kind: 'GlobalNetworkPolicy', resource: 'globalnetworkpolicies', scope: 'Cluster' },
  { kind: 'StagedGlobalNetworkPolicy', resource: 'stagedglobalnetworkpolicies', scope: 'Cluster' },
  { kind: 'HostEndpoint', resource: 'hostendpoints', scope: 'Cluster' },
  { kind: 'GlobalNetworkSet', resource: 'globalnetworksets', scope: 'Cluster' },
  { kind: 'NetworkPolicy', resource: 'networkpolicies', scope: 'Namespaced' },
  { kind: 'StagedNetworkPolicy', resource: 'stagednetworkpolicies', scope: 'Namespaced' },
  { kind: 'StagedKubernetesNetworkPolicy', resource: 'stagedkubernetesnetworkpolicies', scope: 'Namespaced' },
  { kind: 'NetworkSet', resource: 'networksets', scope: 'Namespaced' },
] as const;


type Operation = 'CREATE' | 'UPDATE' | 'DELETE';
type Json = Record<string, unknown>;

export interface MatchCondition {
  name: string;
  expression: string;
}

/** A CEL string literal (JSON string syntax is valid CEL for these). */
export function celString(value: string): string {
  return JSON.stringify(value);
}
function celList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

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

/** Namespaces whose pods sgbridge leaves alone: the control plane's, its own and Calico's. */
export function excludedNamespaces(s: WebhookSettings): string[] {
  return [...new Set(['kube-system', s.namespace, ...s.calicoNamespaces])];
}

function namespaceSelector(s: WebhookSettings): Json {
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excludedNamespaces(s) }] };
}

/** The webhook is called only when every condition holds: each names one trusted identity. */
function conditions(s: WebhookSettings, which: { calicoRelay?: boolean; controllers?: boolean; breakGlass?: boolean }): MatchCondition[] {
  const out: MatchCondition[] = [{ name: 'not-sgbridge', expression: `request.userInfo.username != ${celString(s.syncerIdentity)}` }];
  if (which.calicoRelay) {
    out.push({
      name: 'not-calico-apiserver-relay',
      expression: `!(request.kind.group == ${celString(CALICO_API_GROUPS.crd)} && request.userInfo.username == ${celString(s.calicoApiserverIdentity)})`,
    });
  }
  if (which.controllers) {
    out.push({
      name: 'not-controller-delete',
      expression: `!(request.operation == "DELETE" && request.userInfo.username in ${celList([GARBAGE_COLLECTOR, NAMESPACE_CONTROLLER])})`,
    });
  }
  if (which.breakGlass && s.breakGlassUsers.length > 0) {
    out.push({ name: 'not-break-glass-user', expression: `!(request.userInfo.username in ${celList(s.breakGlassUsers)})` });
  }
  if (which.breakGlass && s.breakGlassGroups.length > 0) {
    out.push({
      name: 'not-break-glass-group',
      expression: `!(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${celList(s.breakGlassGroups)}))`,
    });
  }
  return out;
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
      // Rule 6 on pods/status, only for updates that change labels: without matchConditions
      // (Kubernetes < 1.28) every kubelet status update would wait on sgbridge, so it is left out
      // there and the syncer's relabelling is the only repair.
      ...(opts.matchConditions === false
        ? []
        : [
            webhook(opts, {
              name: WEBHOOK_NAMES.validatePodStatus,
              path: PATHS.validate,
              rules: [rule([''], ['v1'], ['pods/status'], ['UPDATE'], 'Namespaced')],
              failurePolicy: opts.failurePolicy,
              namespaceSelector: namespaceSelector(s),
              conditions: [...conditions(s, { breakGlass: true }), { name: 'labels-changed', expression: LABELS_CHANGED }],
            }),
          ]),
    ],
  };
}

/** CEL: whether `o` (object or oldObject) is a policy in one of the three tiers. */
function inProtectedTier(o: 'object' | 'oldObject'): string {
  const tiers = 'variables.protectedTiers';
  return [
    `${o} != null && (`,
    `  ${tiers}.exists(t, ${o}.metadata.name.startsWith(t + ".")) ||`,
    `  (has(${o}.spec) && has(${o}.spec.tier) && ${o}.spec.tier in ${tiers}) ||`,
    `  (has(${o}.metadata.labels) && ${celString(CALICO_TIER_LABEL)} in ${o}.metadata.labels && ${o}.metadata.labels[${celString(CALICO_TIER_LABEL)}] in ${tiers})`,
    `)`,
  ].join('\n');
}

/** CEL: whether `o` carries a membership label or sgbridge's managed-by label. */
function carriesMembership(o: 'object' | 'oldObject'): string {
  return (
    `${o} != null && has(${o}.metadata.labels) && ${o}.metadata.labels.exists(k, k.startsWith(${celString(MEMBERSHIP_LABEL_PREFIX)}) || ` +
    `(k == ${celString(MANAGED_BY_LABEL)} && ${o}.metadata.labels[k] == ${celString(MANAGED_BY_VALUE)}))`
  );
}

export const ADMISSION_POLICY_MESSAGES = {
  tier: 'the tiers sg-remote, sg-local and metadata are written by sgbridge from AWS security groups: change the security groups in AWS instead',
  order: `no tier may run at or before order ${LAST_PROTECTED_ORDER}, ahead of sg-remote (105), sg-local (106) and metadata (107): choose an order after ${LAST_PROTECTED_ORDER}`,
  policy: 'policies in the tiers sg-remote, sg-local and metadata are written by sgbridge from AWS security groups: change the security groups in AWS, or use a tier after 107',
  endpoint: 'host endpoints and network sets with sg.aws.tigera.io/* labels (or managed by sgbridge) make addresses members of security groups: only sgbridge writes them',
} as const;

const POLICY_RESOURCES = ['globalnetworkpolicies', 'networkpolicies', 'stagedglobalnetworkpolicies', 'stagednetworkpolicies'];
const ENDPOINT_RESOURCES = ['hostendpoints', 'globalnetworksets', 'networksets'];

/**
 * The backstop (Kubernetes ≥ 1.30): the apiserver itself refuses, webhook or not, what SPEC §2
 * rules 1–4 refuse, to anyone but sgbridge and the identities SPEC §2 trusts. (Rules 5 and 6 need
 * the inventory and stay with the webhook.)
 */
export function buildAdmissionPolicy(opts: { settings: WebhookSettings & Pick<Settings, 'tierAllowList'> }): Json[] {
  const s = opts.settings;
  const name = `${s.serviceName}-protected-tiers`;
  const resource = 'request.resource.resource';
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'sgbridge' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [CALICO_API_GROUPS.v3, CALICO_API_GROUPS.crd],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['tiers', ...POLICY_RESOURCES, ...ENDPOINT_RESOURCES],
          },
        ],
      },
      matchConditions: conditions(s, { calicoRelay: true, controllers: true, breakGlass: true }),
      variables: [
        { name: 'protectedTiers', expression: celList(PROTECTED_TIER_NAMES) },
        { name: 'isTier', expression: `${resource} == "tiers"` },
        { name: 'isPolicy', expression: `${resource} in ${celList(POLICY_RESOURCES)}` },
        { name: 'isEndpoint', expression: `${resource} in ${celList(ENDPOINT_RESOURCES)}` },
      ],
      validations: [
        {
          // Rule 1: the three tiers themselves.
          expression: '!(variables.isTier && ((object != null && object.metadata.name in variables.protectedTiers) || (oldObject != null && oldObject.metadata.name in variables.protectedTiers)))',
          message: ADMISSION_POLICY_MESSAGES.tier,
          reason: 'Forbidden',
        },
        {
          // Rule 3: no other tier created at, or moved to, an order at or before 107.
          expression: [
            `!(variables.isTier && object != null && !(object.metadata.name in variables.protectedTiers) && !(object.metadata.name in ${celList(s.tierAllowList)}) &&`,
            `  has(object.spec) && has(object.spec.order) && double(object.spec.order) <= ${LAST_PROTECTED_ORDER}.0 &&`,
            `  (oldObject == null || !has(oldObject.spec) || !has(oldObject.spec.order) || double(oldObject.spec.order) != double(object.spec.order)))`,
          ].join('\n'),
          message: ADMISSION_POLICY_MESSAGES.order,
          reason: 'Forbidden',
        },
        {
          // Rule 2: policies in those tiers, before or after the change (moving in or out counts).
          expression: `!(variables.isPolicy && ((${inProtectedTier('object')}) || (${inProtectedTier('oldObject')})))`,
          message: ADMISSION_POLICY_MESSAGES.policy,
          reason: 'Forbidden',
        },
        {
          // Rule 4: endpoints and sets that carry membership, before or after the change.
          expression: `!(variables.isEndpoint && ((${carriesMembership('object')}) || (${carriesMembership('oldObject')})))`,
          message: ADMISSION_POLICY_MESSAGES.endpoint,
          reason: 'Forbidden',
        },
      ],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'sgbridge' } },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  return [policy, binding];
}

export interface WebhookBundleOptions extends WebhookConfigOptions {
  admissionPolicy?: boolean;
}

/** Everything `webhook-config` prints, in apply order. */
export function buildWebhookObjects(opts: WebhookBundleOptions): Json[] {
  const out = [buildMutatingWebhookConfiguration(opts), buildValidatingWebhookConfiguration(opts)];
  if (opts.admissionPolicy) out.push(...buildAdmissionPolicy(opts));
  return out;
}
