// Memory under hostile load: 10,000 malformed and adversarial AdmissionReviews, bodies up to the
// 7 MiB limit and past it, sent over 16 keep-alive HTTPS connections to sgbridge's /mutate as it
// ships (admission-servers.ts). Printed: the server's peak resident memory (getrusage maxRSS)
// against the target, and every answer checked against the one each kind of body must get.
//
// The 16 connections send in step: request r*16+c goes out on connection c, and every
// LARGE_EVERY-th round all 16 send a large body of the same kind at once, the load that makes a
// server hold the most body bytes at a time; the rounds between them cycle through small bad bodies.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ask, startChild } from './server-child.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SAMPLE = readFileSync(join(here, '..', 'test', 'fixtures', 'admission-samples', '001-mutate-pods-CREATE.json'), 'utf8');

const REQUESTS = Number(process.env.SGBRIDGE_HOSTILE_REQUESTS ?? 10_000);
const CONNECTIONS = 16;
const LARGE_EVERY = 25;
const MiB = 1024 * 1024;
const LIMIT = 7 * MiB;
const TARGET_PEAK_MB = 300;

interface Kind {
  name: string;
  body: Buffer;
  status: number;
}

type Review = Record<string, unknown> & { request: Record<string, unknown> & { object: Record<string, unknown> & { metadata: Record<string, unknown> } } };

function sampleWith(change: (review: Review) => void): string {
  const review = JSON.parse(SAMPLE) as Review;
  change(review);
  return JSON.stringify(review);
}

/** `unit` repeated to make the text about `bytes` long, inside head … tail. */
function filled(head: string, unit: string, tail: string, bytes: number): string {
  return head + unit.repeat(Math.floor((bytes - head.length - tail.length) / unit.length)) + tail;
}

const kind = (name: string, text: string, status: number): Kind => ({ name, body: Buffer.from(text), status });

const NEAR_LIMIT = LIMIT - 4096;

const SMALL: Kind[] = [
  kind('not JSON', 'this is not json', 400),
  kind('empty body', '', 400),
  kind('a JSON array', '[1,2,3]', 400),
  kind('admission.k8s.io/v1beta1', sampleWith((r) => (r.apiVersion = 'admission.k8s.io/v1beta1')), 400),
  kind('no request.uid', sampleWith((r) => delete r.request.uid), 400),
  kind('object null on CREATE', sampleWith((r) => (r.request.object = null as unknown as Review['request']['object'])), 400),
  kind('prototype poisoning', SAMPLE.replace('"request": {', '"request": {"__proto__": {"x": 1},'), 400),
  kind('10,000-deep nesting', `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 400),
  kind('truncated JSON', SAMPLE.slice(0, 300), 400),
  kind('labels not an object', sampleWith((r) => (r.request.object.metadata.labels = 'app=web')), 200),
];

const LARGE: Kind[] = [
  kind('7 MiB string in a review of the wrong kind', sampleWith((r) => ((r.kind = 'Pod'), (r.request.object.padding = 'x'.repeat(NEAR_LIMIT - SAMPLE.length)))), 400),
  kind('7 MiB array of small objects', filled('[', '{"a":[1,2]},', '{}]', NEAR_LIMIT), 400),
  kind('7 MiB pod annotation', sampleWith((r) => (r.request.object.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(NEAR_LIMIT - SAMPLE.length) })), 200),
  kind('7 MiB of JSON cut short', filled('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"x":[', '"abcdefgh",', '"abc', NEAR_LIMIT), 400),
  kind('7 MiB of \\u escapes hiding __proto__', filled('{"a":["', '\\u0061', '"],"\\u005f_proto__":{}}', NEAR_LIMIT), 400),
  kind('7 MiB nested 999 deep, repeated', filled('[', `${'['.repeat(998)}${']'.repeat(998)},`, '[]]', NEAR_LIMIT), 400),
  kind('8 MiB, over the limit', sampleWith((r) => (r.request.object.padding = 'x'.repeat(8 * MiB))), 413),
];

function kindOf(i: number): Kind {
  const round = Math.floor(i / CONNECTIONS);
  if (round % LARGE_EVERY === LARGE_EVERY - 1) return LARGE[Math.floor(round / LARGE_EVERY) % LARGE.length]!;
  return SMALL[i % SMALL.length]!;
}

function post(port: number, agent: Agent, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/mutate?timeout=10s', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

type Memory = { maxRssBytes: number; rssBytes: number };

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

export async function run(): Promise<void> {
  // Its log lines (one per refused request) are written, to nowhere.
  const server = await startChild('sgbridge', undefined, { quiet: true });
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, rejectUnauthorized: false, servername: 'localhost' });
  try {
    const before = await ask<Memory>(server.child, 'memory', 'maxRssBytes');
    const wrong = new Map<string, Map<number, number>>();
    let large = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        for (let i = c; i < REQUESTS; i += CONNECTIONS) {
          const k = kindOf(i);
          if (k.body.length > MiB) large++;
          const status = await post(server.port, agent, k.body);
          if (status !== k.status) {
            const byStatus = wrong.get(k.name) ?? new Map<number, number>();
            byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
            wrong.set(k.name, byStatus);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await ask<Memory>(server.child, 'memory', 'maxRssBytes');
    const lines = [
      `${REQUESTS} requests (${large} of them 7-8 MiB) over ${CONNECTIONS} keep-alive HTTPS connections in ${seconds.toFixed(1)} s`,
      `  server peak RSS  ${mb(after.maxRssBytes)} MB (target < ${TARGET_PEAK_MB} MB); ${mb(before.maxRssBytes)} MB before the load, ${mb(after.rssBytes)} MB after it`,
      `  answers          ${wrong.size === 0 ? 'every one as expected' : [...wrong].map(([name, by]) => `${name}: ${[...by].map(([s, n]) => `${n}x ${s || 'no answer'}`).join(', ')}`).join('; ')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    const missed: string[] = [];
    if (after.maxRssBytes >= TARGET_PEAK_MB * 1e6) missed.push(`peak RSS ${mb(after.maxRssBytes)} MB >= ${TARGET_PEAK_MB} MB`);
    if (wrong.size) missed.push('answers differ from the expected ones');
    if (missed.length) {
      process.stdout.write(`MISSED: ${missed.join('; ')}\n`);
      process.exitCode = 1;
    } else process.stdout.write('targets met\n');
  } finally {
    agent.destroy();
    server.child.kill();
  }
}
