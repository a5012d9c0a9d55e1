// The size of the VPC and cluster the sync benchmark generates: 5,000 groups by default (the
// issue's scale), or SGBRIDGE_BENCH_GROUPS groups with ENIs and pods in the same proportion, so that
// memory can be read off at the sizes users run. Shared by the benchmark and its apiserver double,
// which must generate the same inventory.
import type { LargeInventoryOptions } from '../test/support/large-inventory.js';

export interface SyncScale {
  inventory: LargeInventoryOptions;
  pods: number;
}

export function syncScale(env: NodeJS.ProcessEnv = process.env): SyncScale {
  const raw = env.SGBRIDGE_BENCH_GROUPS ?? '5000';
  const groups = Number(raw);
  if (!Number.isInteger(groups) || groups < 10 || groups > 5000) throw new Error(`SGBRIDGE_BENCH_GROUPS must be a whole number of security groups from 10 to 5000, got ${JSON.stringify(raw)}`);
  return { inventory: { groups, enis: groups * 10 }, pods: groups };
}
