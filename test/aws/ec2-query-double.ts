// A test double of the EC2 Query API over HTTP on 127.0.0.1 (port 0): enough of
// DescribeSecurityGroups (by vpc-id filter, paged, or by GroupIds, failing with
// InvalidGroup.NotFound on an unknown id as EC2 does), DescribeNetworkInterfaces and
// GetManagedPrefixListEntries for the reader, answering in EC2's XML with its error envelope, so
// requests go through the real SDK stack (signing, retries, XML parsing). A script of faults can be
// queued per action; groups can be changed, moved to another VPC or deleted between reads.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Ec2Fault {
  status: number;
  code: string;
  message: string;
}

export interface GroupChange {
  /** The port of its inbound rule (80 unless changed). */
  port?: number;
  /** Another VPC than the double's. */
  vpcId?: string;
  deleted?: boolean;
}

export interface Ec2QueryDouble {
  endpoint: string;
  /** Requests seen, in order: action and the form fields sent. */
  requests: { action: string; params: Record<string, string> }[];
  /**
   * Queue faults for an action (optionally only for the page asked with that NextToken; "" = the
   * first page): each matching request takes the next fault until they run out.
   */
  fail(action: string, faults: Ec2Fault[], page?: string): void;
  /** Changes group number `n` (sg-<n in 17 hex digits>) for the reads that follow. */
  changeGroup(n: number, change: GroupChange): void;
  /** EC2's InvalidGroup.NotFound message for an unknown id; tests replace it to see a message that names none. */
  notFoundMessage: (id: string) => string;
  /** Forgets queued faults, recorded requests and group changes. */
  reset(): void;
  close(): Promise<void>;
}

const xml = (action: string, body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>00000000-0000-0000-0000-000000000000</requestId>${body}</${action}Response>`;
const errorXml = (f: Ec2Fault) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${f.code}</Code><Message>${f.message}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000001</RequestID></Response>`;

/** Serves `groups` security groups in pages of `pageSize`, one ENI per group, one prefix list. */
export async function startEc2QueryDouble(opts: { vpcId: string; groups: number; pageSize: number }): Promise<Ec2QueryDouble> {
  const faults = new Map<string, Ec2Fault[]>();
  const requests: Ec2QueryDouble['requests'] = [];
  const changes = new Map<number, GroupChange>();
  const sg = (n: number) => `sg-${n.toString(16).padStart(17, '0')}`;
  const indices = (count: number) => Array.from({ length: count }, (_, i) => i);
  const page = (token: string | undefined, items: number[], render: (i: number) => string) => {
    const start = token ? Number(token) : 0;
    const end = Math.min(items.length, start + opts.pageSize);
    return { items: items.slice(start, end).map(render).join(''), next: end < items.length ? `<nextToken>${end}</nextToken>` : '' };
  };
  const groupXml = (i: number) => {
    const { port = 80, vpcId = opts.vpcId } = changes.get(i) ?? {};
    return (
      `<item><ownerId>111122223333</ownerId><groupId>${sg(i)}</groupId><groupName>g${i}</groupName><groupDescription>group ${i}</groupDescription><vpcId>${vpcId}</vpcId>` +
      `<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>${port}</fromPort><toPort>${port}</toPort><groups><item><userId>111122223333</userId><groupId>${sg(0)}</groupId></item></groups><ipRanges/><ipv6Ranges/><prefixListIds><item><prefixListId>pl-0123456789abcdef0</prefixListId></item></prefixListIds></item></ipPermissions>` +
      `<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress></item>`
    );
  };
  const exists = (i: number) => i >= 0 && i < opts.groups && !changes.get(i)?.deleted;
  const notFound = (id: string): Ec2Fault => ({ status: 400, code: 'InvalidGroup.NotFound', message: double.notFoundMessage(id) });
  const bodies: Record<string, (p: Record<string, string>) => string | Ec2Fault> = {
    DescribeSecurityGroups: (p) => {
      const ids = Object.keys(p).filter((k) => /^GroupId\.\d+$/.test(k)).map((k) => p[k]!);
      if (ids.length > 0) {
        const wanted = ids.map((id) => (/^sg-[0-9a-f]{17}$/.test(id) ? parseInt(id.slice(3), 16) : -1));
        const missing = wanted.findIndex((i) => !exists(i));
        if (missing >= 0) return notFound(ids[missing]!);
        return `<securityGroupInfo>${wanted.map(groupXml).join('')}</securityGroupInfo>`;
      }
      const inVpc = indices(opts.groups).filter((i) => exists(i) && (changes.get(i)?.vpcId ?? opts.vpcId) === opts.vpcId);
      const { items, next } = page(p.NextToken, inVpc, groupXml);
      return `<securityGroupInfo>${items}</securityGroupInfo>${next}`;
    },
    DescribeNetworkInterfaces: (p) => {
      const { items, next } = page(p.NextToken, indices(opts.groups), (i) =>
        `<item><networkInterfaceId>eni-${i.toString(16).padStart(17, '0')}</networkInterfaceId><subnetId>subnet-0123</subnetId><vpcId>${opts.vpcId}</vpcId><description>eni ${i}</description><interfaceType>interface</interfaceType>` +
        `<attachment><instanceId>i-${i}</instanceId><deviceIndex>0</deviceIndex><status>attached</status></attachment><groupSet><item><groupId>${sg(i)}</groupId><groupName>g${i}</groupName></item></groupSet>` +
        `<privateIpAddress>10.0.${i >> 8}.${i & 255}</privateIpAddress><privateIpAddressesSet><item><privateIpAddress>10.0.${i >> 8}.${i & 255}</privateIpAddress><primary>true</primary></item></privateIpAddressesSet><ipv6AddressesSet/></item>`,
      );
      return `<networkInterfaceSet>${items}</networkInterfaceSet>${next}`;
    },
    GetManagedPrefixListEntries: () => `<entrySet><item><cidr>52.94.0.0/22</cidr></item></entrySet>`,
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? '';
      requests.push({ action, params });
      const fault = faults.get(`${action}|${params.NextToken ?? ''}`)?.shift() ?? faults.get(action)?.shift();
      if (fault) {
        res.writeHead(fault.status, { 'content-type': 'text/xml' }).end(errorXml(fault));
        return;
      }
      const render = bodies[action];
      if (!render) {
        res.writeHead(400, { 'content-type': 'text/xml' }).end(errorXml({ status: 400, code: 'InvalidAction', message: `The action ${action} is not valid for this web service.` }));
        return;
      }
      const answer = render(params);
      if (typeof answer !== 'string') res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(errorXml(answer));
      else res.writeHead(200, { 'content-type': 'text/xml' }).end(xml(action, answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const double: Ec2QueryDouble = {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    fail: (action, list, page) => {
      const key = page === undefined ? action : `${action}|${page}`;
      faults.set(key, [...(faults.get(key) ?? []), ...list]);
    },
    changeGroup: (n, change) => changes.set(n, { ...changes.get(n), ...change }),
    notFoundMessage: (id) => `The security group '${id}' does not exist`,
    reset: () => {
      faults.clear();
      requests.length = 0;
      changes.clear();
      double.notFoundMessage = (id) => `The security group '${id}' does not exist`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return double;
}
