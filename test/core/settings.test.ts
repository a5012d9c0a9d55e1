// SPEC §7 settings resolution, on its own: for every setting, a flag beats SGBRIDGE_* beats the
// config file beats the default; unknown config-file keys are refused; and every bad value is
// refused with an error that names the setting where it was given and the form expected.
import { describe, expect, it } from 'vitest';
import { ConfigError, SETTING_DEFS, defaultSettings, envName, flagName, resolveSettings, type SettingName, type SettingSources } from '../../src/core/settings.js';

const FILE = '/etc/sgbridge/config.yaml';
const VPC = 'vpc-0123456789abcdef0';

/** Per setting: a raw value as a flag or variable gives it (a), what it means, and another raw value (b). */
const SAMPLES: Record<SettingName, [a: string, value: unknown, b: string]> = {
  port: ['9443', 9443, '10443'],
  listen: ['0.0.0.0', '0.0.0.0', '::1'],
  tlsDir: ['/etc/sgbridge/tls', '/etc/sgbridge/tls', '/var/run/tls'],
  tlsDns: ['a.example, b.example', ['a.example', 'b.example'], 'c.example'],
  tlsIps: ['10.0.0.12,::1', ['10.0.0.12', '::1'], '10.0.0.13'],
  tlsSecret: ['true', true, 'false'],
  inventory: ['/data/inventory.yaml', '/data/inventory.yaml', '/data/other.json'],
  aws: ['true', true, 'false'],
  awsEventsQueueUrl: ['https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-events', 'https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-events', 'https://sqs.us-east-1.amazonaws.com/123456789012/other'],
  clusterName: ['prod-eu', 'prod-eu', 'staging'],
  vpcId: [VPC, VPC, 'vpc-0fedcba9876543210'],
  nodeGroups: ['sg-0123456789abcdef0,sg-0123456789abcdef1', ['sg-0123456789abcdef0', 'sg-0123456789abcdef1'], 'sg-0aaaaaaaaaaaaaaaa'],
  trustGroupId: ['sg-0123456789abcdef0', 'sg-0123456789abcdef0', 'sg-0123456789abcdef1'],
  enforcedGroupId: ['sg-0123456789abcdef2', 'sg-0123456789abcdef2', 'sg-0123456789abcdef3'],
  podDefaultGroupId: ['sg-0123456789abcdef4', 'sg-0123456789abcdef4', 'sg-0123456789abcdef5'],
  metadataAccess: ['allowed', 'allowed', 'denied'],
  namespaceDefault: ['none', 'none', 'all'],
  strict: ['1', true, '0'],
  securityGroupPolicies: ['true', true, 'false'],
  syncerIdentity: ['system:serviceaccount:ops:sgbridge', 'system:serviceaccount:ops:sgbridge', 'system:serviceaccount:x:y'],
  calicoApiserverIdentity: ['system:serviceaccount:calico:api', 'system:serviceaccount:calico:api', 'system:serviceaccount:x:y'],
  breakGlassUsers: ['alice,bob', ['alice', 'bob'], 'carol'],
  breakGlassGroups: ['sre', ['sre'], 'ops,dev'],
  tierAllowList: ['calico-system', ['calico-system'], 'allow-tigera,platform'],
  calicoOperatorIdentity: ['system:serviceaccount:ops:operator', 'system:serviceaccount:ops:operator', 'system:serviceaccount:x:y'],
  allowListWriterUsers: ['alice,bob', ['alice', 'bob'], 'carol'],
  allowListWriterGroups: ['platform', ['platform'], 'ops,sre'],
  resyncInterval: ['30', 30, '60'],
  cacheRelistInterval: ['600', 600, '0'],
  deleteThreshold: ['0.25', 0.25, '0.75'],
  deleteHoldRounds: ['5', 5, '7'],
  allowDeletions: ['true', true, 'false'],
  hostEndpointNode: ['vpc-members', 'vpc-members', 'elsewhere'],
  namespace: ['sg-ops', 'sg-ops', 'other'],
  serviceName: ['edge', 'edge', 'other'],
  calicoNamespaces: ['calico-system', ['calico-system'], 'a,b'],
  logLevel: ['debug', 'debug', 'warn'],
};

/**
 * Per setting: a bad value and the expected form its error must state. A string is bad as a flag,
 * a variable and a file value; anything else (settings that take any text) only in the file.
 */
const BAD: Record<SettingName, [bad: unknown, expected: string]> = {
  port: ['70000', 'expected a number from 1 to 65535'],
  listen: ['localhost', 'expected an IPv4 or IPv6 address'],
  tlsDir: [42, 'expected a string'],
  tlsDns: [42, 'expected a comma-separated list or an array of strings'],
  tlsIps: ['10.0.0.300', 'expected IP addresses'],
  tlsSecret: ['yes', 'expected true or false'],
  inventory: [['a.yaml'], 'expected a string'],
  aws: ['on', 'expected true or false'],
  awsEventsQueueUrl: ['https://example.com/queue', 'expected an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-aws-events'],
  clusterName: [42, 'expected a string'],
  vpcId: ['vpc-xyz', 'expected a VPC id like vpc-0123456789abcdef0'],
  nodeGroups: ['sg-0123456789abcdef0,sg-1', 'expected security group ids like sg-0123456789abcdef0, got "sg-1"'],
  trustGroupId: ['sg-nothex', 'expected a security group id like sg-0123456789abcdef0'],
  enforcedGroupId: ['tigera-has-host-enforcement', 'expected a security group id like sg-0123456789abcdef0'],
  podDefaultGroupId: ['sg-', 'expected a security group id like sg-0123456789abcdef0'],
  metadataAccess: ['open', 'expected one of denied, allowed'],
  namespaceDefault: ['some', 'expected one of all, none'],
  strict: ['yes', 'expected true or false'],
  securityGroupPolicies: ['on', 'expected true or false'],
  syncerIdentity: [42, 'expected a string'],
  calicoApiserverIdentity: [true, 'expected a string'],
  breakGlassUsers: [42, 'expected a comma-separated list or an array of strings'],
  breakGlassGroups: [[1, 2], 'expected a comma-separated list or an array of strings'],
  tierAllowList: [{ tier: 'a' }, 'expected a comma-separated list or an array of strings'],
  calicoOperatorIdentity: [42, 'expected a string'],
  allowListWriterUsers: [42, 'expected a comma-separated list or an array of strings'],
  allowListWriterGroups: [[1], 'expected a comma-separated list or an array of strings'],
  resyncInterval: ['0', 'expected a number from 1 to 3600'],
  cacheRelistInterval: ['30', 'expected 0 (never) or a number from 60 to 86400'],
  deleteThreshold: ['1.5', 'expected a number from 0 to 1'],
  deleteHoldRounds: ['2.5', 'expected a whole number'],
  allowDeletions: ['maybe', 'expected true or false'],
  hostEndpointNode: [7, 'expected a string'],
  namespace: [null, 'expected a string'],
  serviceName: [false, 'expected a string'],
  calicoNamespaces: [3, 'expected a comma-separated list or an array of strings'],
  logLevel: ['loud', 'expected one of fatal, error, warn, info, debug, trace'],
};

const names = Object.keys(SETTING_DEFS) as SettingName[];

/**
 * --aws needs a VPC id, and the events queue needs --aws: give what the setting under test needs
 * (as flags, which outrank whatever the test itself puts in the other sources).
 */
function withVpc(name: SettingName, sources: SettingSources): SettingSources {
  if (name === 'aws') return { ...sources, flags: { vpcId: VPC, ...sources.flags } };
  if (name === 'awsEventsQueueUrl') return { ...sources, flags: { aws: 'true', vpcId: VPC, ...sources.flags } };
  return sources;
}

function problemsOf(sources: SettingSources): string[] {
  try {
    resolveSettings(sources);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('the sample tables', () => {
  it('cover every setting, with a non-default value a and a different b', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...names].sort());
    expect(Object.keys(BAD).sort()).toEqual([...names].sort());
    const defaults = defaultSettings();
    for (const name of names) {
      const [a, value, b] = SAMPLES[name];
      expect(value, name).not.toEqual(defaults[name]);
      expect(a, name).not.toBe(b);
    }
  });
});

describe('precedence: flag > SGBRIDGE_* > config file > default', () => {
  it.each(names)('%s: the default when given nowhere', (name) => {
    expect(resolveSettings({ flags: {}, env: {}, file: { path: FILE, values: {} } })[name]).toEqual(SETTING_DEFS[name].default);
  });

  it.each(names)('%s: the config file over the default, in its native YAML type', (name) => {
    const [, value] = SAMPLES[name];
    expect(resolveSettings(withVpc(name, { file: { path: FILE, values: { [name]: value } } }))[name]).toEqual(value);
  });

  it.each(names)('%s: the variable over the config file', (name) => {
    const [a, value, b] = SAMPLES[name];
    const other = resolveSettings(withVpc(name, { env: { [envName(name)]: b } }))[name];
    expect(resolveSettings(withVpc(name, { env: { [envName(name)]: a }, file: { path: FILE, values: { [name]: other } } }))[name]).toEqual(value);
  });

  it.each(names)('%s: the flag over the variable and the config file', (name) => {
    const [a, value, b] = SAMPLES[name];
    const other = resolveSettings(withVpc(name, { env: { [envName(name)]: b } }))[name];
    const resolved = resolveSettings(withVpc(name, { flags: { [name]: a }, env: { [envName(name)]: b }, file: { path: FILE, values: { [name]: other } } }));
    expect(resolved[name]).toEqual(value);
  });

  it('a bad value where a higher source overrides it is never read', () => {
    expect(resolveSettings({ flags: { port: '9443' }, env: { SGBRIDGE_PORT: 'x' }, file: { path: FILE, values: { port: 'y' } } }).port).toBe(9443);
  });

  it('reads only SGBRIDGE_* variables, by the names envName gives', () => {
    expect(envName('deleteHoldRounds')).toBe('SGBRIDGE_DELETE_HOLD_ROUNDS');
    expect(flagName('deleteHoldRounds')).toBe('--delete-hold-rounds');
    expect(resolveSettings({ env: { PORT: '1', port: '2', SGBRIDGE_port: '3' } }).port).toBe(8443);
  });
});

describe('errors name the setting and the form expected', () => {
  it.each(names)('%s: a bad config-file value names the file and the key', (name) => {
    const [bad, expected] = BAD[name];
    expect(problemsOf({ file: { path: FILE, values: { [name]: bad } } })).toEqual([`${FILE}: ${name}: ${expected} (got ${JSON.stringify(bad)})`]);
  });

  it.each(names.filter((n) => typeof BAD[n][0] === 'string'))('%s: a bad variable names the variable, a bad flag the flag', (name) => {
    const [bad, expected] = BAD[name];
    expect(problemsOf({ env: { [envName(name)]: bad as string } })).toEqual([`${envName(name)}: ${expected} (got ${JSON.stringify(bad)})`]);
    expect(problemsOf({ flags: { [name]: bad } })).toEqual([`${flagName(name)}: ${expected} (got ${JSON.stringify(bad)})`]);
  });

  it('reports every problem at once, in one ConfigError whose message lists them', () => {
    let caught: unknown;
    try {
      resolveSettings({ flags: { port: '0' }, env: { SGBRIDGE_LOG_LEVEL: 'loud' }, file: { path: FILE, values: { strict: 'yes', colour: 'blue' } } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const { problems, message } = caught as ConfigError;
    expect(problems).toHaveLength(4);
    for (const fragment of ['--port:', 'SGBRIDGE_LOG_LEVEL:', `${FILE}: strict:`, `${FILE}: unknown setting "colour"`]) {
      expect(problems.some((p) => p.startsWith(fragment)), fragment).toBe(true);
      expect(message).toContain(fragment);
    }
    expect(message.startsWith('invalid configuration:\n  ')).toBe(true);
  });

  it('refuses an unknown config-file key, naming it and listing the known ones', () => {
    const [problem, ...rest] = problemsOf({ file: { path: FILE, values: { tls_dir: 'certs', port: 9443 } } });
    expect(rest).toEqual([]);
    expect(problem).toMatch(new RegExp(`^${FILE}: unknown setting "tls_dir" \\(known: `));
    for (const name of names) expect(problem).toContain(name);
  });

  it('takes no unknown key from flags or the environment as a setting, and refuses none', () => {
    expect(problemsOf({ flags: { colour: 'blue' }, env: { SGBRIDGE_COLOUR: 'blue' } })).toEqual([]);
  });

  it('needs a VPC id with --aws, from any source, and says which setting', () => {
    expect(problemsOf({ flags: { aws: true } })).toEqual(['--vpc-id / SGBRIDGE_VPC_ID: required with --aws (expected a VPC id like vpc-0123456789abcdef0)']);
    expect(problemsOf({ env: { SGBRIDGE_AWS: 'true' }, file: { path: FILE, values: { vpcId: VPC } } })).toEqual([]);
  });
});
