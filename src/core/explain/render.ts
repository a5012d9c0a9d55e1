// Output forms: text for people, JSON as SPEC §7 (verdict + steps of five fields), plus, where
// SecurityGroupPolicies are read, `membership`: each pod endpoint's groups and their sources.
import { describeFrom, describeSource } from '../membership/index.js';
import type { EndpointMembership, Explanation } from './types.js';

type Json = { verdict: 'allow' | 'deny'; steps: { direction: string; tier: string | null; policy: string | null; rule: number | null; action: string }[]; membership?: EndpointMembership[] };

export function explanationJson(e: Explanation): Json {
  const json: Json = { verdict: e.verdict, steps: e.steps.map(({ direction, tier, policy, rule, action }) => ({ direction, tier, policy, rule, action })) };
  if (e.readsSecurityGroupPolicies) json.membership = e.membership ?? [];
  return json;
}

/** Each group of a pod endpoint with its sources; a label without a source, or a source without its label, says so. */
function membershipText(m: EndpointMembership): string[] {
  const lines = [`groups of ${m.endpoint}, from ${describeFrom(m.from)}:`];
  if (m.problem) lines.push(`  refused: ${m.problem}; sgbridge gives it only the pod default group`);
  const width = Math.max(0, ...m.groups.map((g) => g.group.length));
  for (const g of m.groups) {
    const sources = g.sources.map(describeSource).join(', ');
    const state = !g.sources.length ? 'carried, but no source gives it: sgbridge removes the label (sgbridge doctor lists such pods)' : !g.carried ? `${sources}; not carried yet: Calico does not enforce it on this pod until the label is set` : sources;
    lines.push(`  ${g.group.padEnd(width)}  ${state}`);
  }
  return lines;
}

export function renderExplanationText(e: Explanation): string {
  const lines = [`from: ${e.from.display}`, `to:   ${e.to.display}`, `flow: ${e.flow.display}`, ''];
  for (const m of e.membership ?? []) lines.push(...membershipText(m), '');
  for (const s of e.steps) {
    const where = s.tier ? `tier ${s.tier}, ${s.policy ? `policy ${s.policy}` : 'no rule matched'}` : s.policy ? `profile ${s.policy}` : '';
    lines.push(`${s.direction.padEnd(7)} ${s.action.padEnd(5)} ${where ? `${where}: ` : ''}${s.reason}`);
  }
  lines.push('', `verdict: ${e.verdict === 'allow' ? 'ALLOWED' : 'DENIED'}`);
  if (e.notes.length) lines.push('', 'notes:', ...e.notes.map((n) => `  - ${n}`));
  return lines.join('\n') + '\n';
}
