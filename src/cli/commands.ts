import type { Command } from 'commander';

type Register = (program: Command) => void;

/** Each command lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  const commands: Register[] = [];
  for (const register of commands) register(program);
}
