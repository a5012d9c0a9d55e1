import type { Command } from 'commander';

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('(being built)')
    .action(() => {
      throw new Error('sgbridge sync is being built');
    });
}
