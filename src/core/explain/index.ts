// `explain`: is traffic from X to Y allowed, and which tier, policy and rule decided.
import type { Inventory } from '../inventory.js';
import { evaluateDirection } from './evaluate.js';
import { ipVersion } from '../ip.js';
import { parsePortSpec } from './protocol.js';
import { resolveParty } from './resolve.js';
import type { FlowContext } from './rules.js';
import type { Direction, EndpointMembership, Explanation, Flow, Party, Step, World } from './types.js';

export { buildWorld, DEFAULT_TIER, type PodAdmission, type WorldOptions } from './world.js';
export { assembleWorld, type ExplainInputs } from './inputs.js';
export { k8sNetworkPolicyToCalico } from './k8s-network-policy.js';
export { parsePortSpec } from './protocol.js';
export { resolveParty, ENDPOINT_FORMS } from './resolve.js';
export { renderExplanationText, explanationJson } from './render.js';
export type * from './types.js';

function side(ctx: FlowContext, party: Party, direction: Direction): { allowed: boolean; steps: Step[] } {
  if (party.endpoint?.enforced) return evaluateDirection(ctx, party.endpoint, direction);
  const where = direction === 'egress' ? 'leaving' : 'entering';
  return {
    allowed: true,
    steps: [{ direction, tier: null, policy: null, rule: null, action: 'Allow', reason: `not filtered by Calico when ${where} ${party.display}: ${party.unenforcedReason ?? 'not a Calico endpoint'}` }],
  };
}

/** The pod endpoints' groups, each with its sources and whether the pod carries its label. */
function membershipOf(parties: readonly Party[]): EndpointMembership[] {
  const out: EndpointMembership[] = [];
  for (const party of parties) {
    const e = party.endpoint;
    if (!e?.membership || out.some((m) => m.endpoint === e.id)) continue;
    const { origin, carried } = e.membership;
    const given = new Set(origin.groups.map((g) => g.group));
    const groups = [...origin.groups.map((g) => ({ ...g, carried: carried.includes(g.group) })), ...carried.filter((g) => !given.has(g)).map((group) => ({ group, sources: [], carried: true }))];
    out.push({ endpoint: e.id, from: origin.from, groups: groups.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)), ...(origin.problem ? { problem: origin.problem } : {}) });
  }
  return out;
}

export function explainParties(world: World, from: Party, to: Party, flow: Flow): Explanation {
  const explanation = explainFlow(world, from, to, flow);
  explanation.membership = membershipOf([from, to]);
  if (world.readsSecurityGroupPolicies) explanation.readsSecurityGroupPolicies = true;
  return explanation;
}

function explainFlow(world: World, from: Party, to: Party, flow: Flow): Explanation {
  const version = (from.ip && ipVersion(from.ip)) || (to.ip && ipVersion(to.ip)) || 4;
  const ctx: FlowContext = { world, from, to, flow, ipVersion: version };
  const notes = [...world.problems];
  if (from.ip && to.ip && ipVersion(from.ip) !== ipVersion(to.ip)) notes.push(`${from.ip} and ${to.ip} are of different IP versions: no packet can carry both`);
  if (!from.ip) notes.push(`${from.display} has no IP address among the inputs: only nets of 0.0.0.0/0 or ::/0 are taken to hold it (add status.podIP to the manifest to be exact)`);
  if (!to.ip) notes.push(`${to.display} has no IP address among the inputs: only nets of 0.0.0.0/0 or ::/0 are taken to hold it (add status.podIP to the manifest to be exact)`);
  const egress = side(ctx, from, 'egress');
  if (!egress.allowed) return { verdict: 'deny', from, to, flow, steps: egress.steps, notes };
  const ingress = side(ctx, to, 'ingress');
  return { verdict: ingress.allowed ? 'allow' : 'deny', from, to, flow, steps: [...egress.steps, ...ingress.steps], notes };
}

export interface ExplainRequest {
  from: string;
  to: string;
  port: string;
}

/** Resolves the endpoints and the port, then evaluates. Throws a clear error on bad references. */
export function explain(world: World, request: ExplainRequest, inventory?: Inventory): Explanation {
  const flow = parsePortSpec(request.port);
  const from = resolveParty(request.from, world, inventory);
  const to = resolveParty(request.to, world, inventory);
  return explainParties(world, from, to, flow);
}
