import type { Command } from 'commander';

export function registerWebhookConfig(program: Command): void {
  program
    .command('webhook-config')
    .description('(being built)')
    .action(() => {
      throw new Error('sgbridge webhook-config is being built');
    });
}
