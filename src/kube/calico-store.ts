// sgbridge's Calico objects on the cluster, through @kubernetes/client-node: list by the managed-by
// label (all pages), server-side apply with field manager "sgbridge" (force: sgbridge's fields are
// its own), delete only with preconditions (uid + resourceVersion: never an object that changed
// or was recreated since it was read), and removal of reserved labels someone else added.
import { CustomObjectsApi, type KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { CALICO_API_VERSION, CALICO_PLURALS, type CalicoApi, type CalicoKind, type CalicoObject } from '../core/calico.js';
import type { ActualObject } from '../core/diff.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/vocabulary.js';

export const FIELD_MANAGER = 'sgbridge';
/** The kinds the translation writes (SPEC §3), listed and watched by the syncer. */
export const MANAGED_KINDS: readonly CalicoKind[] = ['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy', 'HostEndpoint', 'GlobalNetworkSet'];
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
const PAGE_SIZE = 500;

interface RawList {
  items?: ActualObject[];
  metadata?: { continue?: string; resourceVersion?: string };
}

export class CalicoStore {
  private readonly client: KubernetesObjectApi;
  // Lists go through CustomObjectsApi: it returns the raw list, whereas KubernetesObjectApi.list
  // reads the list metadata as ObjectMeta and so loses `continue` (paging would stop at page one).
  private readonly custom: CustomObjectsApi;
  readonly apiVersion: string;
  private readonly group: string;
  private readonly version: string;

  constructor(kc: KubeConfig, readonly api: CalicoApi) {
    this.client = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.apiVersion = CALICO_API_VERSION[api];
    [this.group, this.version] = this.apiVersion.split('/') as [string, string];
  }

  private async page(kind: CalicoKind, limit: number, token?: string): Promise<RawList> {
    return (await this.custom.listClusterCustomObject({
      group: this.group,
      version: this.version,
      plural: CALICO_PLURALS[kind],
      labelSelector: MANAGED_SELECTOR,
      limit,
      ...(token ? { _continue: token } : {}),
    })) as RawList;
  }

  /** Every object of `kind` (in all namespaces) carrying sgbridge's managed-by label, across all pages. */
  async listManaged(kind: CalicoKind): Promise<ActualObject[]> {
    const out: ActualObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.page(kind, PAGE_SIZE, token);
      for (const item of page.items ?? []) out.push({ ...item, apiVersion: this.apiVersion, kind });
      token = page.metadata?.continue || undefined;
    } while (token);
    return out;
  }

  /** Server-side apply of the whole intent; fields sgbridge set before and now omits are removed. */
  async apply(obj: CalicoObject): Promise<KubernetesObject> {
    return this.client.patch({ ...obj, apiVersion: this.apiVersion } as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  /** Removes labels (merge patch with nulls): SSA cannot take away a field another manager set. */
  async removeLabels(obj: CalicoObject, keys: string[]): Promise<void> {
    if (!keys.length) return;
    const labels = Object.fromEntries(keys.map((k) => [k, null]));
    const meta = { name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), labels };
    await this.client.patch({ apiVersion: this.apiVersion, kind: obj.kind, metadata: meta } as unknown as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
  }

  /** Deletes exactly the object that was read: a changed or recreated object answers 409 and stays. */
  async delete(obj: ActualObject): Promise<void> {
    const preconditions: { uid?: string; resourceVersion?: string } = {};
    if (obj.metadata.uid) preconditions.uid = obj.metadata.uid;
    if (obj.metadata.resourceVersion) preconditions.resourceVersion = obj.metadata.resourceVersion;
    const spec = { apiVersion: this.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) } };
    await this.client.delete(spec, undefined, undefined, undefined, undefined, 'Background', { preconditions });
  }
}
