// Loads the settings: flags > SGBRIDGE_* environment > config file > defaults (SPEC §7).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, resolveSettings, type Settings } from './core/settings.js';

export function readConfigFile(path: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`--config ${path}: cannot be read as YAML or JSON (${(err as Error).message.split('\n')[0]})`]);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError([`--config ${path}: expected a mapping of setting names to values`]);
  return data as Record<string, unknown>;
}

export function loadSettings(flags: Record<string, unknown>, configPath?: string, env: NodeJS.ProcessEnv = process.env): Settings {
  const path = configPath ?? env.SGBRIDGE_CONFIG;
  return resolveSettings({ flags, env, file: path ? { path, values: readConfigFile(path) } : undefined });
}
