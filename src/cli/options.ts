// Adds settings to a command as flags, from the one table in core/settings.ts, and turns the
// parsed flags back into Settings with the documented precedence.
import { Option, type Command } from 'commander';
import { loadSettings } from '../config.js';
import { SETTING_DEFS, envName, flagName, type SettingName, type Settings } from '../core/settings.js';

export function addSettingOptions(cmd: Command, names: readonly SettingName[]): Command {
  for (const name of names) {
    const def = SETTING_DEFS[name];
    const shown = Array.isArray(def.default) ? def.default.join(',') : String(def.default);
    const defText = shown === '' ? '' : ` (default: ${shown})`;
    const flags = def.kind === 'bool' ? flagName(name) : `${flagName(name)} <${'arg' in def ? def.arg : 'VALUE'}>`;
    const opt = new Option(flags, `${def.help}${defText} [${envName(name)}]`);
    if ('choices' in def && def.choices) opt.choices(def.choices as string[]);
    cmd.addOption(opt);
  }
  cmd.addOption(new Option('--config <FILE>', 'config file (YAML or JSON) with any of these settings [SGBRIDGE_CONFIG]'));
  return cmd;
}

export function settingsFrom(cmd: Command): Settings {
  const opts = cmd.opts<Record<string, unknown>>();
  const flags: Record<string, unknown> = {};
  for (const name of Object.keys(SETTING_DEFS)) if (opts[name] !== undefined) flags[name] = opts[name];
  return loadSettings(flags, opts.config as string | undefined);
}
