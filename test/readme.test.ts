// README.md is the user's door: its two commands, its command list and its configuration table
// must stay in step with package.json, the CLI and the settings table.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../src/cli/commands.js';
import { SETTING_DEFS, envName, flagName, type SettingName } from '../src/core/settings.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const names = Object.keys(SETTING_DEFS) as SettingName[];

function program(): Command {
  const p = new Command('sgbridge');
  registerCommands(p);
  return p;
}

describe('README', () => {
  it('gives the two commands, and package.json backs them', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/^npm test\b/m);
    expect(pkg.scripts.start).toMatch(/serve/);
    expect(pkg.scripts.test).toBe('vitest run');
  });

  it('lists every setting with its flag, variable and default', () => {
    for (const name of names) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${flagName(name)}\` |`));
      expect(row, flagName(name)).toBeDefined();
      expect(row).toContain(`\`${envName(name)}\``);
      expect(row).toContain(`\`${name}\``);
    }
  });

  it('lists every command the CLI has', () => {
    for (const cmd of program().commands) expect(readme, cmd.name()).toContain(`sgbridge ${cmd.name()}`);
  });

  it('serve --help offers every setting as a flag', () => {
    const serve = program().commands.find((c) => c.name() === 'serve')!;
    const help = serve.helpInformation();
    for (const name of names) expect(help, flagName(name)).toContain(flagName(name));
  });

  it('has its benchmark figures filled in', () => {
    expect(readme).not.toContain('BENCH_FIGURES');
  });
});
