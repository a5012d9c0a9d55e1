// SPEC §7 through the command line: settings as flags (from the one table), SGBRIDGE_* variables
// and a config file given with --config or SGBRIDGE_CONFIG, YAML or JSON, as a real file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addSettingOptions, settingsFrom } from '../../src/cli/options.js';
import { ConfigError, SETTING_DEFS, type SettingName, type Settings } from '../../src/core/settings.js';

const names = Object.keys(SETTING_DEFS) as SettingName[];
const dir = mkdtempSync(join(tmpdir(), 'sgbridge-options-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Parses `args` as a command with every setting, with exactly `env` as the SGBRIDGE_* environment. */
function settings(args: string[], env: Record<string, string> = {}): Settings {
  for (const key of Object.keys(process.env)) if (key.startsWith('SGBRIDGE_')) vi.stubEnv(key, undefined);
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  const cmd = addSettingOptions(new Command('serve').exitOverride().configureOutput({ writeErr: () => {} }), names);
  cmd.parse(args, { from: 'user' });
  return settingsFrom(cmd);
}

function configError(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('settings on the command line', () => {
  it('offers every setting as a flag, and reads each kind from it', () => {
    const s = settings(['--port', '9443', '--tls-dns', 'a.example,b.example', '--strict', '--metadata-access', 'allowed', '--delete-threshold', '0.2']);
    expect(s).toMatchObject({ port: 9443, tlsDns: ['a.example', 'b.example'], strict: true, metadataAccess: 'allowed', deleteThreshold: 0.2 });
  });

  it('reads YAML from --config, with flags over SGBRIDGE_* over the file', () => {
    const config = file('config.yaml', 'port: 7443\nclusterName: from-file\nlogLevel: warn\nstrict: true\nnodeGroups:\n  - sg-0123456789abcdef0\n');
    const s = settings(['--config', config, '--port', '9443'], { SGBRIDGE_PORT: '8444', SGBRIDGE_CLUSTER_NAME: 'from-env' });
    expect(s).toMatchObject({ port: 9443, clusterName: 'from-env', logLevel: 'warn', strict: true, nodeGroups: ['sg-0123456789abcdef0'] });
  });

  it('reads JSON, and takes SGBRIDGE_CONFIG when --config is not given', () => {
    const config = file('config.json', JSON.stringify({ resyncInterval: 30, tierAllowList: ['calico-system'] }));
    expect(settings([], { SGBRIDGE_CONFIG: config })).toMatchObject({ resyncInterval: 30, tierAllowList: ['calico-system'] });
  });

  it('prefers --config over SGBRIDGE_CONFIG', () => {
    const fromFlag = file('flag.yaml', 'clusterName: flag\n');
    const fromEnv = file('env.yaml', 'clusterName: env\n');
    expect(settings(['--config', fromFlag], { SGBRIDGE_CONFIG: fromEnv }).clusterName).toBe('flag');
  });

  it('takes an empty config file as no settings', () => {
    expect(settings(['--config', file('empty.yaml', '')])).toEqual(settings([]));
  });

  it('names the file and the key of a bad or unknown config-file setting', () => {
    const config = file('bad.yaml', 'port: high\ncolour: blue\n');
    const problems = configError(() => settings(['--config', config]));
    expect(problems).toHaveLength(2);
    expect(problems).toContain(`${config}: port: expected a whole number (got "high")`);
    expect(problems.find((p) => p.includes('unknown setting'))).toMatch(new RegExp(`^${config}: unknown setting "colour" \\(known: port, listen, `));
  });

  it('names --config and the path when the file is missing, not YAML, or not a mapping', () => {
    const missing = join(dir, 'missing.yaml');
    expect(configError(() => settings(['--config', missing]))[0]).toMatch(new RegExp(`^--config ${missing}: cannot be read as YAML or JSON \\(ENOENT`));
    const broken = file('broken.yaml', 'port: [1,\n');
    expect(configError(() => settings(['--config', broken]))[0]).toMatch(new RegExp(`^--config ${broken}: cannot be read as YAML or JSON`));
    const list = file('list.yaml', '- port\n- 9443\n');
    expect(configError(() => settings(['--config', list]))).toEqual([`--config ${list}: expected a mapping of setting names to values`]);
  });

  it('names the variable of a bad SGBRIDGE_* value, and the flag of a bad flag value', () => {
    expect(configError(() => settings([], { SGBRIDGE_RESYNC_INTERVAL: '0' }))).toEqual(['SGBRIDGE_RESYNC_INTERVAL: expected a number from 1 to 3600 (got "0")']);
    expect(configError(() => settings(['--listen', 'localhost']))).toEqual(['--listen: expected an IPv4 or IPv6 address (got "localhost")']);
  });

  it('refuses a flag value outside its choices before resolving, naming the flag and the choices', () => {
    expect(() => settings(['--log-level', 'loud'])).toThrow(/--log-level <LEVEL>.*loud.*fatal, error, warn, info, debug, trace/);
  });
});
