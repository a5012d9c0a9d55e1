import type { Command } from 'commander';

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('(being built)')
    .action(() => {
      throw new Error('sgbridge explain is being built');
    });
}
