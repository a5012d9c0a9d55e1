import type { CalicoObject } from '../calico.js';
import type { SkippedPeer, TranslationSummary } from './types.js';

export function summarize(objects: readonly CalicoObject[], skipped: readonly SkippedPeer[], groups: number): TranslationSummary {
  const s: TranslationSummary = { groups, tiers: 0, policies: 0, rules: 0, hostEndpoints: 0, networkSets: 0, skipped: skipped.length, skippedByReason: {} };
  for (const o of objects) {
    if (o.kind === 'Tier') s.tiers++;
    else if (o.kind === 'GlobalNetworkPolicy' || o.kind === 'NetworkPolicy') {
      s.policies++;
      s.rules += ((o.spec.ingress as unknown[] | undefined)?.length ?? 0) + ((o.spec.egress as unknown[] | undefined)?.length ?? 0);
    } else if (o.kind === 'HostEndpoint') s.hostEndpoints++;
    else if (o.kind === 'GlobalNetworkSet' || o.kind === 'NetworkSet') s.networkSets++;
  }
  for (const k of skipped) s.skippedByReason[k.reason] = (s.skippedByReason[k.reason] ?? 0) + 1;
  return s;
}

/** One line for stderr: what was rendered and which peers were left out, and why. */
export function summaryLine(s: TranslationSummary): string {
  const reasons = Object.entries(s.skippedByReason)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  const skipped = s.skipped === 0 ? 'no peers skipped' : `${s.skipped} peer${s.skipped === 1 ? '' : 's'} skipped (${reasons})`;
  return `${s.groups} groups → ${s.tiers} tiers, ${s.policies} policies, ${s.rules} rules, ${s.hostEndpoints} host endpoints, ${s.networkSets} node network sets; ${skipped}`;
}
