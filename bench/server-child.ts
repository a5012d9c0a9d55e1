// The benchmark servers of admission-servers.ts, each started in a child process of its own so
// that the load generator does not share an event loop with the server it measures, and asked
// over IPC for what it has used (CPU time, memory).
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pinning } from './cpu-pinning.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export type Role = 'sgbridge' | 'baseline';
export type ServerChild = { child: ChildProcess; port: number };

/** Sends `request` and resolves with the first reply that has a numeric `key`. */
export function ask<T extends Record<string, number>>(child: ChildProcess, request: string, key: keyof T & string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (typeof m[key] !== 'number') return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

/** CPU time (user + system) the child has used so far, in µs. */
export const cpuMicros = async (child: ChildProcess): Promise<number> => (await ask<{ cpuMicros: number }>(child, 'cpu', 'cpuMicros')).cpuMicros;

/** `env`: more of the server's environment (e.g. SGBRIDGE_BENCH_POLICIES, see admission-servers.ts). */
export function startChild(role: Role, pinning?: Pinning, opts: { quiet?: boolean; env?: Record<string, string> } = {}): Promise<ServerChild> {
  // Plain node, no tsx: see admission-servers.ts.
  const child = fork(join(here, 'admission-servers.ts'), [], {
    env: { ...process.env, ...opts.env, SGBRIDGE_BENCH_ROLE: role },
    execArgv: process.env.SGBRIDGE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SGBRIDGE_BENCH_PROFILE}`] : [],
    stdio: ['ignore', 'inherit', opts.quiet ? 'ignore' : 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => {
      // Once listening, when its threads have started: every one of them goes to the server CPU.
      pinning?.pinServer(child.pid!);
      resolve({ child, port: m.port });
    });
    child.once('exit', (code) => reject(new Error(`${role} server exited (${code}) before listening`)));
  });
}
