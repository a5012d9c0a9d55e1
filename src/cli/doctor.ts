import type { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('(being built)')
    .action(() => {
      throw new Error('sgbridge doctor is being built');
    });
}
