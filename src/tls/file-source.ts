// TLS material from a directory (tls.crt, tls.key, ca.crt), reloaded when the files change:
// the way a Kubernetes Secret volume updates (an atomic ..data symlink swap) or an operator
// replaces files. A poll backs up fs.watch, which misses events on some filesystems.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FILES } from './local.js';
import type { TlsMaterial, TlsSource } from './material.js';
import { reloadingSource } from './reloading-source.js';

export interface FileSourceOptions {
  /** Poll interval in ms (default 5000). */
  pollMs?: number;
  /** Told when changed files were unusable and the last good material stays in use. */
  onRejected?: (problems: string[]) => void;
}

async function readMaterial(dir: string): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([FILES.cert, FILES.key, FILES.ca].map((f) => readFile(join(dir, f), 'utf8')));
  return { cert: cert!, key: key!, ca: ca! };
}

export async function fileTlsSource(dir: string, opts: FileSourceOptions = {}): Promise<TlsSource> {
  let initial: TlsMaterial;
  try {
    initial = await readMaterial(dir);
  } catch (e) {
    throw new Error(`TLS directory ${dir}: expected readable ${FILES.cert}, ${FILES.key} and ${FILES.ca} (${(e as Error).message})`, { cause: e });
  }
  const source = reloadingSource(initial);
  let lastRejected = '';
  let running: Promise<void> | undefined;
  let again = false;

  const reload = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          const problems = source.offer(await readMaterial(dir));
          const text = problems.join('; ');
          if (problems.length > 0 && text !== lastRejected) opts.onRejected?.(problems);
          lastRejected = text;
        } catch (e) {
          const text = (e as Error).message;
          if (text !== lastRejected) opts.onRejected?.([text]);
          lastRejected = text;
        }
      } while (again);
    })().finally(() => {
      running = undefined;
    });
  };

  let debounce: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      // Files of one update arrive as several events: settle first.
      clearTimeout(debounce);
      debounce = setTimeout(reload, 50);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // the poll still covers it
  }
  const poll = setInterval(reload, opts.pollMs ?? 5000);
  poll.unref();
  source.onClose(() => {
    clearInterval(poll);
    clearTimeout(debounce);
    watcher?.close();
  });
  return source;
}
