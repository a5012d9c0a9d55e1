// The watch-fed caches SecurityGroupPolicy membership reads (setting securityGroupPolicies): the
// policies of every namespace (name and spec as stored, so that a resync that changes nothing is
// no change), compiled and indexed per namespace when one of its policies changes, and every
// ServiceAccount's labels. The webhooks ask these, never the API.
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodFacts } from '../core/relabel.js';
import {
  compilePolicy,
  indexPolicies,
  SGP_GROUP,
  SGP_RESOURCE,
  SGP_VERSION,
  type CompiledPolicy,
  type Labels,
  type NamespacePolicies,
  type PolicyMembershipSource,
  type PolicyScope,
} from '../core/security-group-policy/index.js';
import { podFactsOf } from './facts.js';
import { rawLister } from './raw-list.js';
import { type CacheChange, type CacheOptions, WatchCache } from './watch-cache.js';


/** What the policy cache keeps: what compilePolicy reads. */
export interface StoredPolicy {
  metadata: { name?: string; namespace?: string };
  spec?: unknown;
}

export function storedPolicyOf(o: Record<string, unknown>): StoredPolicy {
  const { metadata, spec } = o as { metadata?: { name?: string; namespace?: string }; spec?: unknown };
  return { metadata: { ...(metadata?.name ? { name: metadata.name } : {}), ...(metadata?.namespace ? { namespace: metadata.namespace } : {}) }, ...(spec !== undefined ? { spec } : {}) };
}

export function securityGroupPolicyCache(kc: KubeConfig, opts?: CacheOptions): WatchCache<StoredPolicy> {
  const path = `/apis/${SGP_GROUP}/${SGP_VERSION}/${SGP_RESOURCE}`;
  return new WatchCache(
    kc,
    {
      name: SGP_RESOURCE,
      path,
      list: rawLister(kc, path),
      keep: storedPolicyOf,
    },
    opts,
  );
}

export function serviceAccountCache(kc: KubeConfig, opts?: CacheOptions): WatchCache<Labels> {
  return new WatchCache(
    kc,
    {
      name: 'serviceaccounts',
      path: '/api/v1/serviceaccounts',
      list: rawLister(kc, '/api/v1/serviceaccounts'),
      keep: (o) => ({ ...((o as { metadata?: { labels?: Labels } }).metadata?.labels ?? {}) }),
    },
    opts,
  );
}

/** A pod as the relabeller reads it when policies are: with all its labels, which policies select on. */
export function podFactsWithLabelsOf(obj: Record<string, unknown>): PodFacts {
  const facts = podFactsOf(obj);
  const labels = (obj as { metadata?: { labels?: Record<string, string> } }).metadata?.labels;
  return labels ? { ...facts, labels: { ...labels } } : facts;
}

const namespaceOfKey = (key: string) => key.slice(0, key.indexOf('/'));

/**
 * Both caches as core's PolicyMembershipSource. A namespace's index is rebuilt from its own
 * policies when one of them changes, so a pod request only looks the index up.
 */
export class SecurityGroupPolicyCaches implements PolicyMembershipSource {
  private readonly byNamespace = new Map<string, Map<string, CompiledPolicy>>();
  private readonly indexes = new Map<string, NamespacePolicies>();
  private readonly unsubscribe: (() => void)[];
  private listeners: ((scope: PolicyScope) => void)[] = [];

  constructor(
    readonly policyCache: WatchCache<StoredPolicy>,
    readonly serviceAccounts: WatchCache<Labels>,
  ) {
    this.unsubscribe = [
      policyCache.onChange((c) => this.onPolicy(c)),
      serviceAccounts.onChange((c) => this.emit({ namespace: namespaceOfKey(c.key), serviceAccount: c.key.slice(c.key.indexOf('/') + 1) })),
    ];
  }

  static create(kc: KubeConfig, opts?: CacheOptions): SecurityGroupPolicyCaches {
    return new SecurityGroupPolicyCaches(securityGroupPolicyCache(kc, opts), serviceAccountCache(kc, opts));
  }

  policies(namespace: string): NamespacePolicies | undefined {
    return this.indexes.get(namespace);
  }

  serviceAccountLabels(namespace: string, name: string): Labels | undefined {
    return this.serviceAccounts.get(`${namespace}/${name}`);
  }

  get ready(): boolean {
    return this.policyCache.ready && this.serviceAccounts.ready;
  }

  synced(): boolean {
    return this.policyCache.listed && this.serviceAccounts.listed;
  }

  subscribe(fn: (scope: PolicyScope) => void): () => void {
    this.listeners.push(fn);
    return () => (this.listeners = this.listeners.filter((l) => l !== fn));
  }

  /** Resolves once both have been listed, after telling subscribers that every pod may have moved. */
  async start(): Promise<void> {
    await Promise.all([this.policyCache.start(), this.serviceAccounts.start()]);
    this.emit({});
  }

  private emit(scope: PolicyScope): void {
    for (const fn of this.listeners) fn(scope);
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.policyCache.stop();
    this.serviceAccounts.stop();
  }

  private onPolicy(change: CacheChange<StoredPolicy>): void {
    const namespace = namespaceOfKey(change.key);
    let policies = this.byNamespace.get(namespace);
    if (change.type === 'upsert') {
      if (!policies) this.byNamespace.set(namespace, (policies = new Map()));
      policies.set(change.key, compilePolicy(change.object));
    } else policies?.delete(change.key);
    if (!policies?.size) {
      this.byNamespace.delete(namespace);
      this.indexes.delete(namespace);
    } else this.indexes.set(namespace, indexPolicies(namespace, [...policies.values()]));
    this.emit({ namespace });
  }
}
