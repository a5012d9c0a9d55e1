import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layering of ARCHITECTURE.md, enforced: cli -> admission | sync -> core, aws, kube, tls.
// src/core is pure (no adapter, no I/O); the adapters admission, aws, kube and tls do not import
// each other; sync composes aws, kube and tls; cli composes everything. src/log.ts, src/metrics.ts
// and src/metric-names.ts are process-wide leaves any adapter may use; src/config.ts (reads the
// config file) belongs to cli. Import specifiers are matched as written, relative to the file.
// `npm run lint` checks it; test/lint/layering.test.ts shows it fires.
const ADAPTERS = ['admission', 'aws', 'kube', 'tls'];
/** A src/ folder reached from below it: `../kube/…`, `../../kube/…`. */
const folders = (names) => `^(\\.\\./)+(${names.join('|')})/`;
/** A top-level src/ module reached from below it: `../config.js`, `../../log.js`. */
const topFiles = (names) => `^(\\.\\./)+(${names.join('|')})\\.js$`;

/** Node built-ins that reach outside the process; both spellings (node:fs and fs). */
const IO_BUILTINS = ['fs', 'fs/promises', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'dns/promises', 'child_process', 'cluster', 'worker_threads', 'readline', 'os', 'inspector'];
/** Packages that do I/O: cluster and AWS clients, the HTTP server, logging, metrics, TLS material, the CLI parser. */
const IO_PACKAGES = ['@kubernetes/client-node', '@aws-sdk/*', '@smithy/*', 'fastify', '@fastify/*', 'pino', 'prom-client', 'node-forge', 'commander', 'undici'];

function restricted(message, regexes, extra = {}) {
  return ['error', { ...extra, patterns: [...(extra.patterns ?? []), ...regexes.map((regex) => ({ regex, message }))] }];
}

const coreRule = restricted(
  'src/core is pure: it imports no adapter (admission, aws, kube, sync, tls, cli), no src/config.ts, src/log.ts, src/metrics.ts or src/main.ts. Pass what it needs in as data.',
  [folders([...ADAPTERS, 'sync', 'cli']), topFiles(['config', 'log', 'metrics', 'main'])],
  {
    paths: [
      ...IO_BUILTINS.flatMap((m) => [`node:${m}`, m]).map((name) => ({ name, message: 'src/core does no I/O: this module belongs in an adapter.' })),
      // node:net also holds pure address arithmetic, which core uses; its sockets are I/O.
      ...['node:net', 'net'].map((name) => ({ name, allowImportNames: ['isIP', 'isIPv4', 'isIPv6', 'BlockList'], message: 'src/core may take address helpers (isIP, isIPv4, isIPv6, BlockList) from node:net, never sockets.' })),
    ],
    patterns: [{ group: IO_PACKAGES, message: 'src/core does no I/O: this package belongs in an adapter.' }],
  },
);

/** An adapter may import core and the process-wide leaves, but no other adapter, sync, cli or config. */
const adapterBlocks = ADAPTERS.map((adapter) => ({
  files: [`src/${adapter}/**/*.ts`],
  rules: {
    'no-restricted-imports': restricted(`src/${adapter} is an adapter: it does not import another adapter, sync or cli (sync and cli compose them), nor src/config.ts or src/main.ts.`, [
      folders([...ADAPTERS.filter((a) => a !== adapter), 'sync', 'cli']),
      topFiles(['config', 'main']),
    ]),
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'out/', 'certs/', 'coverage/', '.tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': coreRule } },
  ...adapterBlocks,
  {
    files: ['src/sync/**/*.ts'],
    rules: { 'no-restricted-imports': restricted('src/sync composes aws, kube and tls for core; it does not import admission or cli (cli composes sync), nor src/config.ts or src/main.ts.', [folders(['admission', 'cli']), topFiles(['config', 'main'])]) },
  },
  {
    files: ['src/log.ts', 'src/metrics.ts', 'src/metric-names.ts', 'src/config.ts'],
    rules: { 'no-restricted-imports': restricted('the process-wide modules in src/ are leaves: they import core at most, no adapter, sync or cli.', [`^\\./(${[...ADAPTERS, 'sync', 'cli'].join('|')})/`]) },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': restricted('src/main.ts is the entry point: nothing imports it.', [topFiles(['main'])]) },
  },
);
