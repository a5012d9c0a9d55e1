// The model `explain` evaluates: Calico's view of endpoints, label carriers, tiers and policies,
// normalised from manifests (Kubernetes and Calico, either API group).
import type { MembershipOrigin } from '../membership/index.js';
import type { SelectorNode } from '../selector/index.js';

export type Direction = 'ingress' | 'egress';
export type RuleAction = 'Allow' | 'Deny' | 'Pass' | 'Log';

export interface NamedPort {
  name: string;
  protocol: number;
  port: number;
}

/** Something Calico can put policy on, or at least match by labels and IPs. */
export interface Endpoint {
  kind: 'pod' | 'host-endpoint';
  /** `pod/NS/NAME` or `hostendpoint/NAME`. */
  id: string;
  namespace?: string;
  /** The labels Calico's selectors see (own labels plus projectcalico.org/* and pcns.*). */
  labels: Record<string, string>;
  ips: string[];
  /** Under Calico policy: pods, and host endpoints bound to an interface. */
  enforced: boolean;
  /** Profiles applied after the tiers, in order (kns.<namespace> allows all). */
  profiles: string[];
  namedPorts: NamedPort[];
  /** A pod's security groups: where each comes from, and which the pod carries as labels. */
  membership?: PodGroups;
}

export interface PodGroups {
  origin: MembershipOrigin;
  /** Groups whose membership label the pod carries (what Calico enforces), sorted. */
  carried: string[];
}

/** A GlobalNetworkSet or NetworkSet: labels for the IPs in its nets. */
export interface NetworkSetCarrier {
  id: string;
  labels: Record<string, string>;
  nets: string[];
}

export interface Tier {
  name: string;
  /** undefined sorts last, as in Calico. */
  order?: number;
  defaultAction: 'Deny' | 'Pass';
}

export interface EntityMatch {
  nets?: string[];
  notNets?: string[];
  /** Scoped as Calico scopes it (namespace of the policy, namespaceSelector, serviceAccounts). */
  selector?: SelectorNode;
  notSelector?: SelectorNode;
  ports?: (number | string)[];
  notPorts?: (number | string)[];
  /** Matches Calico cannot check without the application layer (services): never match here. */
  unsupported?: string;
}

export interface CompiledRule {
  action: RuleAction;
  protocol?: number;
  notProtocol?: number;
  ipVersion?: 4 | 6;
  icmp?: { type?: number; code?: number };
  notICMP?: { type?: number; code?: number };
  source: EntityMatch;
  destination: EntityMatch;
  unsupported?: string;
}

export interface Policy {
  kind: 'GlobalNetworkPolicy' | 'NetworkPolicy';
  /** The name Calico shows: sg-local.sg-…, knp.default.<name>, or the policy's own name. */
  name: string;
  namespace?: string;
  tier: string;
  order?: number;
  selector: SelectorNode;
  types: Record<Direction, boolean>;
  ingress: CompiledRule[];
  egress: CompiledRule[];
}

export interface World {
  tiers: Map<string, Tier>;
  policies: Policy[];
  pods: Endpoint[];
  hostEndpoints: Endpoint[];
  networkSets: NetworkSetCarrier[];
  /** Namespace name → labels (with kubernetes.io/metadata.name). */
  namespaces: Map<string, Record<string, string>>;
  /** Inputs that could not be used, each naming the object and the reason. */
  problems: string[];
  /** SecurityGroupPolicies were read as a source of pod groups (setting securityGroupPolicies). */
  readsSecurityGroupPolicies?: boolean;
}

/** One side of a flow: a known endpoint, or just an address. */
export interface Party {
  /** How to show it: pod/NS/NAME, hostendpoint/NAME (eni, instance), node/NAME or the IP. */
  display: string;
  endpoint?: Endpoint;
  /** The address the packet carries (first IP), when known. */
  ip?: string;
  /** Why this party is not under Calico policy, when it is not. */
  unenforcedReason?: string;
}

export interface Flow {
  protocol: number;
  /** Destination port (TCP/UDP/SCTP). */
  port?: number;
  icmp?: { type: number; code: number };
  /** Shown form, e.g. 80/TCP. */
  display: string;
}

export interface Step {
  direction: Direction;
  tier: string | null;
  policy: string | null;
  /** 0-based index into the policy's ingress or egress rules; null for a default action. */
  rule: number | null;
  action: RuleAction | 'Deny' | 'Pass' | 'Allow';
  /** Human explanation (text output only). */
  reason: string;
}

export interface Explanation {
  verdict: 'allow' | 'deny';
  from: Party;
  to: Party;
  flow: Flow;
  steps: Step[];
  notes: string[];
  /** Each pod endpoint's groups and their sources. */
  membership?: EndpointMembership[];
  /** SecurityGroupPolicies were read: the JSON output then adds `membership`. */
  readsSecurityGroupPolicies?: boolean;
}

/** One pod endpoint's groups in the JSON output. */
export interface EndpointMembership {
  endpoint: string;
  from: MembershipOrigin['from'];
  groups: { group: string; sources: MembershipOrigin['groups'][number]['sources']; carried: boolean }[];
  problem?: string;
}
