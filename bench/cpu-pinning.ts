// CPU placement for the admission benchmark's throughput rounds: the load generator on one CPU, the
// server under load on another (every thread of it, V8's helpers included), with `taskset` from
// util-linux. Unpinned, the scheduler moves the generator and the server between CPUs and onto
// each other's, and paired rounds spread far wider. Skipped, with the reason printed, where it
// cannot be done (fewer than two CPUs, no taskset, not Linux) or when SGBRIDGE_BENCH_PIN=0.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Pinning {
  /** What the run does, for the benchmark's output. */
  describe: string;
  /** Pins a server process, all its threads, to the server CPU; no-op when not pinning. */
  pinServer(pid: number): void;
  /** Gives a process (this one by default) back every CPU this one had at the start. */
  release(pid?: number): void;
}

/** CPUs this process may run on, from a list like "0-3,6". */
export function allowedCpus(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) cpus.push(c);
  }
  return cpus;
}

function unpinned(why: string): Pinning {
  return { describe: `not pinned to CPUs (${why})`, pinServer: () => undefined, release: () => undefined };
}

export function cpuPinning(env: NodeJS.ProcessEnv = process.env): Pinning {
  if (env.SGBRIDGE_BENCH_PIN === '0') return unpinned('SGBRIDGE_BENCH_PIN=0');
  let list: string;
  try {
    list = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return unpinned('no /proc/self/status: not Linux');
  }
  const cpus = allowedCpus(list);
  if (cpus.length < 2) return unpinned(`${cpus.length} CPU allowed`);
  const [generator, server] = cpus as [number, number];
  const taskset = (pid: number, cpuList: string | number) => execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpuList), String(pid)], { stdio: 'ignore' });
  try {
    taskset(process.pid, generator);
  } catch (err) {
    return unpinned(`taskset failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    describe: `load generator on CPU ${generator}, servers on CPU ${server} (SGBRIDGE_BENCH_PIN=0 to leave placement to the scheduler)`,
    pinServer: (pid) => taskset(pid, server),
    release: (pid = process.pid) => taskset(pid, list),
  };
}
