// What a failed Kubernetes API call means for the caller: its HTTP status, the Status reason,
// whether trying again can help, and a one-line message for logs.

export interface KubeFailure {
  status: number | undefined;
  reason: string | undefined;
  message: string;
  retryAfterSeconds: number | undefined;
}

export function kubeFailure(err: unknown): KubeFailure {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; headers?: Record<string, string>; message?: string };
  const status = typeof e?.code === 'number' ? e.code : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  let body = e?.body as { message?: string; reason?: string; details?: { retryAfterSeconds?: number } } | string | undefined;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as typeof body;
    } catch {
      /* not JSON: keep the text */
    }
  }
  const obj = typeof body === 'object' && body !== null ? body : undefined;
  const retryHeader = e?.headers?.['retry-after'];
  const retryAfterSeconds = obj?.details?.retryAfterSeconds ?? (retryHeader !== undefined ? Number(retryHeader) : undefined);
  const message = obj?.message ?? (typeof body === 'string' && body ? body.trim() : (e?.message?.split('\n')[0] ?? String(err)));
  return { status, reason: obj?.reason, message: status ? `HTTP ${status}${obj?.reason ? ` ${obj.reason}` : ''}: ${message}` : message, retryAfterSeconds };
}

/** Throttling, server trouble and lost connections are worth another try; 4xx answers are not (except 409 for a conflicting write, 429). */
export function isRetryable(f: KubeFailure, retryConflicts = false): boolean {
  if (f.status === undefined) return true;
  if (f.status === 429 || f.status >= 500) return true;
  return retryConflicts && f.status === 409;
}

/** Calls `fn`, retrying retryable failures with a short exponential backoff. */
export async function withRetries<T>(fn: () => Promise<T>, opts: { attempts?: number; baseDelayMs?: number; retryConflicts?: boolean } = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 200;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const f = kubeFailure(err);
      if (i >= attempts || !isRetryable(f, opts.retryConflicts)) throw err;
      const delay = Math.min(f.retryAfterSeconds !== undefined ? f.retryAfterSeconds * 1000 : base * 2 ** (i - 1), 5_000);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
