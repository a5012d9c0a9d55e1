// Starts the real admission server over HTTPS on an ephemeral loopback port, with the example
// inventory's membership policy, and captures its JSON log lines.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp, type AdmissionApp, type AdmissionHandler, type Readiness } from '../../../src/admission/app.js';
import { mutateHandler, webhookHandlers, type NamespaceFactsLookup } from '../../../src/admission/handlers.js';
import { protectionContextFrom } from '../../../src/core/protection/index.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../../src/aws/inventory-file.js';
import { membershipPolicyFrom } from '../../../src/core/membership-policy.js';
import type { MembershipPolicy } from '../../../src/core/membership/index.js';
import { defaultSettings, type Settings } from '../../../src/core/settings.js';
import { makeTestMaterial, TlsSourceDouble, type TestMaterial } from './tls-fixture.js';

let cachedMaterial: TestMaterial | undefined;
/** One CA + serving certificate per test file (RSA key generation is the slow part). */
export function testMaterial(): TestMaterial {
  cachedMaterial ??= makeTestMaterial();
  return cachedMaterial;
}

export async function examplePolicy(overrides: Partial<Settings> = {}): Promise<MembershipPolicy> {
  const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
  return membershipPolicyFrom({ ...defaultSettings(), ...overrides }, inventory);
}

export interface TestServer {
  app: AdmissionApp;
  url: string;
  ca: string;
  tls: TlsSourceDouble;
  registry: Registry;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startTestServer(
  opts: {
    handlers?: Record<string, AdmissionHandler>;
    policy?: MembershipPolicy;
    namespaceFacts?: NamespaceFactsLookup;
    readiness?: () => Readiness;
    timeouts?: { request?: number; keepAlive?: number };
    material?: TestMaterial;
  } = {},
): Promise<TestServer> {
  const material = opts.material ?? testMaterial();
  const tls = new TlsSourceDouble(material);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const policy = opts.policy ?? (await examplePolicy());
  const registry = new Registry();
  const app = await buildApp({
    tls,
    logger: pino({ level: 'info' }, sink),
    registry,
    handlers: opts.handlers ?? { '/mutate': mutateHandler(() => policy, opts.namespaceFacts) },
    readiness: opts.readiness,
    timeouts: opts.timeouts,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return { app, url: `https://127.0.0.1:${address.port}`, ca: material.ca, tls, registry, logs, close: () => app.close() };
}

/** Both webhooks' handlers as `serve` wires them, on the example inventory and default settings. */
export async function exampleHandlers(): Promise<Record<string, AdmissionHandler>> {
  const policy = await examplePolicy();
  const protection = protectionContextFrom(defaultSettings(), await readInventoryFile(EXAMPLE_INVENTORY), { membership: policy });
  return webhookHandlers(() => policy, () => protection);
}

/** A server with both webhooks as `serve` wires them. */
export async function startExampleServer(): Promise<TestServer> {
  return startTestServer({ handlers: await exampleHandlers() });
}
