import type { Command } from 'commander';

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('(being built)')
    .action(() => {
      throw new Error('sgbridge render is being built');
    });
}
