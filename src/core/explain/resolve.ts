// Turns `--from`/`--to` into parties: pod/NAMESPACE/NAME (or pod/NAMESPACE/k=v,k2=v2), an ENI id,
// an instance id or an IP address.
import type { Inventory } from '../inventory.js';
import { ENI_ID_LABEL, INSTANCE_ID_LABEL } from '../vocabulary.js';
import { ipVersion } from '../ip.js';
import type { Endpoint, Party, World } from './types.js';

export const ENDPOINT_FORMS = 'expected pod/NAMESPACE/NAME, pod/NAMESPACE/label=value[,label=value], an ENI id (eni-…), an instance id (i-…) or an IP address';

const VPC_MEMBER_REASON =
  "a VPC member's host endpoint only carries labels (no interface), so Calico does not filter here; AWS lets the traffic through (tigera-trust-host-enforcement), and sg-remote applies the member's own rules on the pod side";

function firstIp(ips: readonly string[]): string | undefined {
  return ips.find((ip) => ipVersion(ip) === 4) ?? ips.find((ip) => ipVersion(ip) === 6);
}

function endpointParty(e: Endpoint, display = e.id): Party {
  const party: Party = { display, endpoint: e };
  const ip = firstIp(e.ips);
  if (ip) party.ip = ip;
  if (!e.enforced) party.unenforcedReason = e.kind === 'pod' ? 'a host-networked pod is not a Calico workload endpoint' : VPC_MEMBER_REASON;
  return party;
}

function podParty(ref: string, namespace: string, nameOrLabels: string, world: World): Party {
  const inNs = world.pods.filter((p) => p.namespace === namespace);
  let pod: Endpoint | undefined;
  if (nameOrLabels.includes('=')) {
    const wanted = nameOrLabels.split(',').map((kv) => kv.split('=') as [string, string?]);
    pod = inNs.find((p) => wanted.every(([k, v]) => p.labels[k.trim()] === (v ?? '').trim()));
  } else pod = inNs.find((p) => p.id === `pod/${namespace}/${nameOrLabels}`);
  if (!pod) {
    const known = world.pods.map((p) => p.id).join(', ') || 'none';
    const why = world.problems.filter((p) => p.startsWith(`pod/${namespace}/`));
    throw new Error(`${ref}: no such pod among the inputs (known pods: ${known}); give its manifest with --objects${why.length ? `\n  ${why.join('\n  ')}` : ''}`);
  }
  return endpointParty(pod);
}

function eniNote(inventory: Inventory | undefined, eniId: string): { ips: string[]; reason: string } | undefined {
  const eni = inventory?.networkInterfaces.find((e) => e.networkInterfaceId === eniId);
  if (!eni) return undefined;
  const instance = eni.attachment?.instanceId;
  const node = instance ? inventory?.nodes?.find((n) => n.instanceId === instance) : undefined;
  const ips = [...eni.privateIpAddresses, ...eni.ipv6Addresses];
  if (eni.description?.startsWith('aws-K8S-') || eni.interfaceType === 'branch') return { ips, reason: `${eniId} is an ENI the VPC CNI made for pods; name the pod instead (pod/NAMESPACE/NAME)` };
  if (node) return { ips, reason: `${eniId} belongs to cluster node ${node.name}: sgbridge never puts a host endpoint on a real node, so its own traffic is not under Calico policy` };
  return { ips, reason: `${eniId} has no host endpoint among the inputs (run sgbridge doctor: is it in the VPC, does it carry tigera-trust-host-enforcement?)` };
}

export function resolveParty(ref: string, world: World, inventory?: Inventory): Party {
  const text = ref.trim();
  const pod = /^pods?\/([^/]+)\/(.+)$/.exec(text);
  if (pod) return podParty(text, pod[1]!, pod[2]!, world);

  if (/^eni-[0-9a-f]+$/.test(text)) {
    const hep = world.hostEndpoints.find((h) => h.labels[ENI_ID_LABEL] === text);
    if (hep) return endpointParty(hep, `${hep.id} (${text})`);
    const note = eniNote(inventory, text);
    if (!note) throw new Error(`${text}: no host endpoint and no ENI of that id in the inventory`);
    const ip = firstIp(note.ips);
    return { display: `${text}${ip ? ` (${ip})` : ''}`, ...(ip ? { ip } : {}), unenforcedReason: note.reason };
  }

  if (/^i-[0-9a-f]+$/.test(text)) {
    const heps = world.hostEndpoints.filter((h) => h.labels[INSTANCE_ID_LABEL] === text);
    const primary = heps.find((h) => inventory?.networkInterfaces.some((e) => e.networkInterfaceId === h.labels[ENI_ID_LABEL] && e.attachment?.deviceIndex === 0)) ?? heps[0];
    if (primary) return endpointParty(primary, `${primary.id} (${text}, ${primary.labels[ENI_ID_LABEL] ?? 'eni?'})`);
    const node = inventory?.nodes?.find((n) => n.instanceId === text);
    if (node) {
      const ip = firstIp(node.addresses);
      return { display: `node/${node.name} (${text})`, ...(ip ? { ip } : {}), unenforcedReason: `${text} is cluster node ${node.name}: sgbridge never puts a host endpoint on a real node, so its own traffic is not under Calico policy` };
    }
    const eni = inventory?.networkInterfaces.find((e) => e.attachment?.instanceId === text && e.attachment.deviceIndex === 0);
    if (eni) return resolveParty(eni.networkInterfaceId, world, inventory);
    throw new Error(`${text}: no host endpoint, node or ENI of that instance id among the inputs`);
  }

  if (ipVersion(text)) {
    const endpoint = world.pods.find((p) => p.ips.includes(text)) ?? world.hostEndpoints.find((h) => h.ips.includes(text));
    if (endpoint) return { ...endpointParty(endpoint, `${endpoint.id} (${text})`), ip: text };
    return { display: text, ip: text, unenforcedReason: `${text} is not a pod or host endpoint Calico knows: only the other side's policy applies` };
  }
  throw new Error(`${JSON.stringify(ref)}: ${ENDPOINT_FORMS}`);
}
