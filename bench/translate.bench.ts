// Translation at scale: a generated VPC of 5,000 groups × 20 permissions and 50,000 ENIs (plus
// 100 nodes) rendered to Calico objects. Targets on the 2-core CI machine: under 2 s and under
// 512 MB peak RSS. The baseline, measured in the same run, is a JSON round trip of the inventory
// (the least any renderer must do: touch every field once), so the ratio is comparable across
// machines and load. CPU time is printed beside wall time: on a shared, loaded machine the wall
// time mostly measures the wait for a CPU.
//
// Peak RSS is measured in a fresh child process that renders once (this file, run with
// --translate-rss-child), so other benchmarks and the timed runs' garbage do not count.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { defaultSettings } from '../src/core/settings.js';
import { factsFromInventory, summaryLine, toApi, translate } from '../src/core/translate/index.js';
import { largeInventory } from '../test/support/large-inventory.js';
import { median } from './median.js';

const TARGET_MS = 2000;
const TARGET_RSS_MB = 512;
const RUNS = 3;
const CHILD_FLAG = '--translate-rss-child';

function renderOnce(inventory: ReturnType<typeof largeInventory>) {
  const t = translate(inventory, factsFromInventory(inventory), defaultSettings());
  return { objects: toApi(t.objects, 'crd'), summary: t.summary };
}

/** Child: one render in a fresh process, then report the peak RSS (MB) on stdout. */
function child(): void {
  const before = process.resourceUsage().maxRSS / 1024;
  const inventory = largeInventory();
  const afterInventory = process.resourceUsage().maxRSS / 1024;
  const { objects } = renderOnce(inventory);
  process.stdout.write(JSON.stringify({ start: before, inventory: afterInventory, peak: process.resourceUsage().maxRSS / 1024, objects: objects.length }) + '\n');
}

function peakRss(): { start: number; inventory: number; peak: number } {
  const res = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`RSS child failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as { start: number; inventory: number; peak: number };
}

export async function run(): Promise<void> {
  const inventory = largeInventory();
  const baseline: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  const serialize: number[] = [];
  let line = '';
  let objects = 0;
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    JSON.parse(JSON.stringify(inventory));
    baseline.push(performance.now() - t0);

    const c0 = process.cpuUsage();
    t0 = performance.now();
    const r = renderOnce(inventory);
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    line = summaryLine(r.summary);
    objects = r.objects.length;

    t0 = performance.now();
    JSON.stringify(r.objects);
    serialize.push(performance.now() - t0);
  }
  const rss = peakRss();
  const w = median(wall);
  const b = median(baseline);
  process.stdout.write(
    [
      `inventory: ${inventory.securityGroups.length} groups × 20 permissions, ${inventory.networkInterfaces.length} ENIs, ${inventory.nodes?.length ?? 0} nodes`,
      `result: ${objects} objects (${line})`,
      `render (translate + toApi), median of ${RUNS}: ${w.toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU   [target < ${TARGET_MS} ms] ${w < TARGET_MS ? 'ok' : 'MISSED'}`,
      `baseline (JSON round trip of the inventory): ${b.toFixed(0)} ms   ratio render/baseline: ${(w / b).toFixed(1)}×`,
      `JSON serialization of the objects (not part of render): ${median(serialize).toFixed(0)} ms`,
      `time per object: ${((w * 1000) / objects).toFixed(1)} µs`,
      `peak RSS of one render in a fresh process: ${rss.peak.toFixed(0)} MB (${rss.inventory.toFixed(0)} MB after generating the inventory)   [target < ${TARGET_RSS_MB} MB] ${rss.peak < TARGET_RSS_MB ? 'ok' : 'MISSED'}`,
      '',
    ].join('\n'),
  );
  if (w >= TARGET_MS || rss.peak >= TARGET_RSS_MB) process.exitCode = 1;
}

if (process.argv.includes(CHILD_FLAG)) child();
