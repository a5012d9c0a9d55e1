#!/usr/bin/env node
// The `sgbridge` executable: one subcommand per file in cli/.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCommands } from './cli/commands.js';
import { ConfigError } from './core/settings.js';

/** package.json is the version's one home; it sits beside dist/ (and src/) in a checkout and in the image. */
function packageVersion(): string {
  const manifest = new URL('../package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`${manifest.pathname}: no "version" string`);
  return version;
}

const program = new Command('sgbridge')
  .description('AWS security groups for individual pods on open-source Calico')
  .version(packageVersion())
  .showHelpAfterError();
registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`sgbridge: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`sgbridge: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
