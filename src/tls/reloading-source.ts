// The common part of every TlsSource: holds the last good material, checks what is offered,
// and tells subscribers about real changes only.
import { materialProblems } from './ca.js';
import { sameMaterial, type TlsMaterial, type TlsSource } from './material.js';

export interface ReloadingSource extends TlsSource {
  /**
   * Offers new material. Returns the problems that made it unusable ([] when taken or unchanged);
   * unusable material never replaces the last good one.
   */
  offer(m: TlsMaterial): string[];
  /** Runs on close, for the owner's timers and watches. */
  onClose(fn: () => void): void;
}

export function reloadingSource(initial: TlsMaterial): ReloadingSource {
  const first = materialProblems(initial);
  if (first.length > 0) throw new Error(`TLS material is unusable: ${first.join('; ')}`);
  let current = initial;
  const listeners = new Set<(m: TlsMaterial) => void>();
  const closers: (() => void)[] = [];
  let closed = false;
  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    offer(m) {
      if (closed || sameMaterial(m, current)) return [];
      const problems = materialProblems(m);
      if (problems.length > 0) return problems;
      current = m;
      for (const l of [...listeners]) {
        try {
          l(m);
        } catch {
          // One listener's failure must not keep the others on stale material.
        }
      }
      return [];
    },
    onClose(fn) {
      closers.push(fn);
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      for (const fn of closers.splice(0)) fn();
    },
  };
}
