// Every write the syncer makes, with its retries and its reading of the answer: server-side apply
// of a Calico object (after removing reserved labels someone else added), deletion with
// preconditions, and the guarded pod label patch. It remembers the resourceVersion each write
// produced, so the watch echo of sgbridge's own write is not taken for drift.
import type { KubeConfig } from '@kubernetes/client-node';
import { objectKey, type CalicoApi } from '../core/calico.js';
import type { ActualObject, Apply } from '../core/diff.js';
import type { Relabel } from '../core/relabel.js';
import { CalicoStore } from './calico-store.js';
import { kubeFailure, withRetries } from './errors.js';
import { PodWriter } from './pods.js';

export interface WriterOptions {
  attempts?: number;
  baseDelayMs?: number;
}

export type DeleteOutcome = 'deleted' | 'gone' | 'changed';
export type RelabelOutcome = 'patched' | 'gone' | 'changed';

/** How many of sgbridge's own writes are remembered for echo detection. */
const REMEMBERED_WRITES = 10_000;

export class ClusterWriter {
  private readonly store: CalicoStore;
  private readonly pods: PodWriter;
  /** object key → the resourceVersion sgbridge's last write gave it ('' once deleted). */
  private readonly written = new Map<string, string>();
  /** Writes sent and not answered yet: their watch echo may arrive before the answer does. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    kc: KubeConfig,
    readonly api: CalicoApi,
    private readonly opts: WriterOptions = {},
  ) {
    this.store = new CalicoStore(kc, api);
    this.pods = new PodWriter(kc);
  }

  private retry<T>(fn: () => Promise<T>, conflicts: boolean): Promise<T> {
    return withRetries(fn, { attempts: this.opts.attempts ?? 4, baseDelayMs: this.opts.baseDelayMs ?? 200, retryConflicts: conflicts });
  }

  private remember(key: string, rv: string): void {
    this.written.delete(key);
    this.written.set(key, rv);
    if (this.written.size > REMEMBERED_WRITES) this.written.delete(this.written.keys().next().value!);
  }

  /** The write of this object still waiting for its answer, if any: decide about its echo after it. */
  pending(obj: { kind: string; metadata: { name: string; namespace?: string } }): Promise<unknown> | undefined {
    return this.inFlight.get(objectKey(obj));
  }

  private track<T>(key: string, write: Promise<T>): Promise<T> {
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, settled);
    void settled.then(() => {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
    return write;
  }

  /** True when the object as the watch reports it is what sgbridge's own last write left. */
  isOwnWrite(obj: { kind: string; metadata: { name: string; namespace?: string; resourceVersion?: string } } | undefined, deleted = false): boolean {
    if (!obj) return false;
    const rv = this.written.get(objectKey(obj));
    return rv !== undefined && (deleted ? rv === '' : rv === obj.metadata.resourceVersion);
  }

  /** `patched`: reserved labels were stripped first (one more write). */
  apply(a: Apply): Promise<{ patched: boolean }> {
    const key = objectKey(a.object);
    return this.track(
      key,
      (async () => {
        if (a.stripLabels.length) await this.retry(() => this.store.removeLabels(a.object, a.stripLabels), true);
        const out = await this.retry(() => this.store.apply(a.object), true);
        const rv = out?.metadata?.resourceVersion;
        if (rv) this.remember(key, rv);
        return { patched: a.stripLabels.length > 0 };
      })(),
    );
  }

  async delete(d: ActualObject): Promise<DeleteOutcome> {
    try {
      await this.track(objectKey(d), this.retry(() => this.store.delete(d), false));
      this.remember(objectKey(d), '');
      return 'deleted';
    } catch (err) {
      const f = kubeFailure(err);
      if (f.status === 404) return 'gone';
      if (f.status === 409) return 'changed';
      throw err;
    }
  }

  async relabel(r: Relabel): Promise<RelabelOutcome> {
    try {
      await this.retry(() => this.pods.patchLabels(r, r.ops), false);
      return 'patched';
    } catch (err) {
      const f = kubeFailure(err);
      if (f.status === 404) return 'gone';
      if (f.status === 422) return 'changed'; // the resourceVersion test failed: it changed since it was read
      throw err;
    }
  }
}
