// Output forms: text for people, JSON exactly as SPEC §7 (verdict + steps of five fields).
import type { Explanation } from './types.js';

export function explanationJson(e: Explanation): { verdict: 'allow' | 'deny'; steps: { direction: string; tier: string | null; policy: string | null; rule: number | null; action: string }[] } {
  return { verdict: e.verdict, steps: e.steps.map(({ direction, tier, policy, rule, action }) => ({ direction, tier, policy, rule, action })) };
}

export function renderExplanationText(e: Explanation): string {
  const lines = [`from: ${e.from.display}`, `to:   ${e.to.display}`, `flow: ${e.flow.display}`, ''];
  for (const s of e.steps) {
    const where = s.tier ? `tier ${s.tier}, ${s.policy ? `policy ${s.policy}` : 'no rule matched'}` : s.policy ? `profile ${s.policy}` : '';
    lines.push(`${s.direction.padEnd(7)} ${s.action.padEnd(5)} ${where ? `${where}: ` : ''}${s.reason}`);
  }
  lines.push('', `verdict: ${e.verdict === 'allow' ? 'ALLOWED' : 'DENIED'}`);
  if (e.notes.length) lines.push('', 'notes:', ...e.notes.map((n) => `  - ${n}`));
  return lines.join('\n') + '\n';
}
