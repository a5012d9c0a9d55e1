// Pod label repair: a JSON patch guarded by a `test` of the resourceVersion that was read, so a
// pod that changed in between is left for the next round instead of being overwritten.
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { JsonPatchOp } from '../core/admission-types.js';

export class PodWriter {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async patchLabels(pod: { namespace: string; name: string; resourceVersion?: string }, ops: readonly JsonPatchOp[]): Promise<void> {
    const guard: JsonPatchOp[] = pod.resourceVersion ? [{ op: 'test', path: '/metadata/resourceVersion', value: pod.resourceVersion }] : [];
    await this.core.patchNamespacedPod({ name: pod.name, namespace: pod.namespace, body: [...guard, ...ops], fieldManager: 'sgbridge' }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  }
}
