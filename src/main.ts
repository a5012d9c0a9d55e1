#!/usr/bin/env node
// The `sgbridge` executable: one subcommand per file in cli/.
import { Command } from 'commander';
import { registerCommands } from './cli/commands.js';
import { ConfigError } from './core/settings.js';

const program = new Command('sgbridge')
  .description('AWS security groups for individual pods on open-source Calico')
  .version('0.1.0')
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
