// `sgbridge serve` as a real child process (the built dist/main.js or the README's command), for
// tests that check what a user starts: it is up once it prints the URL it serves on.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createServer } from 'node:net';

export interface ServeProcess {
  url: string;
  pid: number;
  /** What it printed on stdout and stderr together, and on stdout alone. */
  output: () => string;
  stdout: () => string;
  /** A signal (SIGTERM unless told), then the exit code (null when ended by the signal itself). */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

const SERVING = /serving the admission webhooks on (https:\/\/\S+)/;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Spawns `command args` and resolves once it prints its URL; rejects with its output if it exits or stays silent. */
export function startServeProcess(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ServeProcess> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let out = '';
  child.stdout!.on('data', (c: Buffer) => ((text += c.toString()), (out += c.toString())));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited(child);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')}: no URL within ${opts.timeoutMs ?? 60_000} ms; output:\n${text}`));
    }, opts.timeoutMs ?? 60_000);
    const onData = () => {
      const m = SERVING.exec(text);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ url: m[1]!, pid: child.pid!, output: () => text, stdout: () => out, stop });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before serving; output:\n${text}`));
    });
    child.once('error', reject);
  });
}

/** GET over HTTPS, trusting only `ca`. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** A loopback port the system just gave out (sgbridge's --port takes 1-65535, not 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
