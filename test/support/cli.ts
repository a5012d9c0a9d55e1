// Runs one sgbridge command in-process, as the CLI would (commander, exitOverride), and captures
// what it writes and the exit code it sets; process state is restored afterwards.
import { Command } from 'commander';
import { vi } from 'vitest';

export interface CliRun {
  out: string;
  err: string;
  exitCode: number;
}

/** `register` adds the command to the program; `args` start with the command's name. */
export async function runCli(register: (program: Command) => void, args: string[]): Promise<CliRun> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'sgbridge', ...args]);
    return { out, err, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
}
