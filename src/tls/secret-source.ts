// TLS material that every replica reads from the certificate Secret the leader keeps, reloaded
// without a restart. This module knows nothing of Kubernetes: the caller hands in `read`, which
// returns what the Secret holds now (src/kube/cert-secret.ts reads it). Polling a single `get`
// needs the least RBAC and is cheap at these intervals.
import type { TlsMaterial, TlsSource } from './material.js';
import { reloadingSource } from './reloading-source.js';
import { materialProblems } from './ca.js';

export type MaterialReader = () => Promise<Partial<TlsMaterial> | undefined>;

export interface SecretSourceOptions {
  /** Poll interval in ms (default 10 000). */
  pollMs?: number;
  /** How long to wait for the first usable material before giving up (default 300 000). */
  firstWithinMs?: number;
  /** Told why material was not (yet) usable; repeats of the same reason are not reported. */
  onProblem?: (problem: string) => void;
}

function complete(m: Partial<TlsMaterial> | undefined): m is TlsMaterial {
  return !!m && typeof m.cert === 'string' && typeof m.key === 'string' && typeof m.ca === 'string';
}

export async function secretTlsSource(read: MaterialReader, opts: SecretSourceOptions = {}): Promise<TlsSource> {
  const pollMs = opts.pollMs ?? 10_000;
  let last = '';
  const report = (problem: string) => {
    if (problem !== last) opts.onProblem?.(problem);
    last = problem;
  };

  // Wait for the leader (or the bootstrap) to have written usable material.
  const deadline = Date.now() + (opts.firstWithinMs ?? 300_000);
  let first: TlsMaterial | undefined;
  for (;;) {
    try {
      const m = await read();
      if (!complete(m)) report('the certificate Secret does not exist or is incomplete yet');
      else {
        const problems = materialProblems(m);
        if (problems.length === 0) {
          first = m;
          break;
        }
        report(problems.join('; '));
      }
    } catch (e) {
      report(`cannot read the certificate Secret: ${(e as Error).message}`);
    }
    if (Date.now() >= deadline) throw new Error(`no usable TLS material in the certificate Secret after ${opts.firstWithinMs ?? 300_000} ms (last problem: ${last})`);
    await new Promise((r) => setTimeout(r, Math.min(pollMs, 1000)));
  }

  const source = reloadingSource(first);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    read()
      .then((m) => {
        if (!complete(m)) return report('the certificate Secret disappeared or is incomplete; serving the last good certificate');
        const problems = source.offer(m);
        if (problems.length > 0) report(`${problems.join('; ')}; serving the last good certificate`);
        else last = '';
      })
      .catch((e: unknown) => report(`cannot read the certificate Secret: ${(e as Error).message}; serving the last good certificate`))
      .finally(() => {
        busy = false;
      });
  }, pollMs);
  timer.unref();
  source.onClose(() => clearInterval(timer));
  return source;
}
