// Retries go through the SDK's adaptive retry strategy, configured by createEc2Client, against an
// HTTP double of EC2. Retries are made fast by removing the random backoff (Math.random → 0) and by
// running the rate limiter's waits on a virtual clock (the SDK exposes DefaultRateLimiter.setTimeoutFn
// for tests).
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEc2Client, EC2_RETRY, readInventoryFromEc2, readSecurityGroupsFromEc2 } from '../../src/aws/ec2-reader.js';
import { startEc2QueryDouble, type Ec2QueryDouble } from './ec2-query-double.js';

// @aws-sdk/client-ec2 loads as CommonJS, so its rate limiter is the CommonJS copy.
interface RateLimiterClass {
  setTimeoutFn: (fn: () => void, ms: number) => unknown;
  prototype: { getCurrentTimeInSeconds(): number };
}
const { DefaultRateLimiter } = createRequire(import.meta.url)('@smithy/core/retry') as { DefaultRateLimiter: RateLimiterClass };
const originalClock = DefaultRateLimiter.prototype.getCurrentTimeInSeconds;
const VPC = 'vpc-0123456789abcdef0';
let double: Ec2QueryDouble;
const originalSetTimeout = DefaultRateLimiter.setTimeoutFn;

beforeAll(async () => {
  double = await startEc2QueryDouble({ vpcId: VPC, groups: 7, pageSize: 3 });
});
afterAll(() => double.close());
beforeEach(() => {
  double.reset();
  vi.spyOn(Math, 'random').mockReturnValue(0);
  // The limiter's waits pass on a virtual clock: each wait moves it forward at once.
  let skipped = 0;
  DefaultRateLimiter.setTimeoutFn = (fn, ms) => {
    skipped += ms;
    return setTimeout(fn, 0);
  };
  DefaultRateLimiter.prototype.getCurrentTimeInSeconds = () => (Date.now() + skipped) / 1000;
});
afterEach(() => {
  vi.restoreAllMocks();
  DefaultRateLimiter.setTimeoutFn = originalSetTimeout;
  DefaultRateLimiter.prototype.getCurrentTimeInSeconds = originalClock;
});

const client = () => createEc2Client({ endpoint: double.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const throttled = (code: string) => ({ status: code === 'RequestLimitExceeded' ? 503 : 400, code, message: 'Rate exceeded' });

describe('EC2 reads with adaptive retries (HTTP double)', () => {
  it('the client is configured for adaptive retries', async () => {
    const c = client();
    expect(EC2_RETRY).toEqual({ retryMode: 'adaptive', maxAttempts: 8 });
    expect(await c.config.retryStrategy()).toHaveProperty('mode', 'adaptive');
  });

  it('reads every page through the real SDK stack', async () => {
    const inv = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    expect(inv.securityGroups).toHaveLength(7);
    expect(inv.networkInterfaces).toHaveLength(7);
    expect(inv.networkInterfaces[0]).toMatchObject({ privateIpAddresses: ['10.0.0.0'], attachment: { instanceId: 'i-0' }, groups: ['sg-00000000000000000'] });
    expect(inv.securityGroups[1]!.inbound[0]).toEqual({ ipProtocol: 'tcp', fromPort: 80, toPort: 80, userIdGroupPairs: [{ groupId: 'sg-00000000000000000', userId: '111122223333' }], prefixListIds: [{ prefixListId: 'pl-0123456789abcdef0' }] });
    expect(inv.prefixLists).toEqual([{ prefixListId: 'pl-0123456789abcdef0', cidrs: ['52.94.0.0/22'] }]);
    const sgRequests = double.requests.filter((r) => r.action === 'DescribeSecurityGroups');
    expect(sgRequests.map((r) => r.params.NextToken)).toEqual([undefined, '3', '6']);
    expect(sgRequests[0]!.params).toMatchObject({ 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': VPC, MaxResults: '1000' });
  });

  it.each(['ThrottlingException', 'RequestLimitExceeded'])('throttling (%s) on page two, then success: the read completes', async (code) => {
    double.fail('DescribeSecurityGroups', [throttled(code), throttled(code)], '3');
    const inv = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    expect(inv.securityGroups.map((g) => g.groupName)).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
    const tokens = double.requests.filter((r) => r.action === 'DescribeSecurityGroups').map((r) => r.params.NextToken);
    expect(tokens).toEqual([undefined, '3', '3', '3', '6']);
  });

  it('a re-read of some groups retries throttling the same way', async () => {
    double.fail('DescribeSecurityGroups', [throttled('RequestLimitExceeded'), throttled('ThrottlingException')]);
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: ['sg-00000000000000002'], client: client() });
    expect(read.securityGroups.map((g) => g.groupName)).toEqual(['g2']);
    expect(double.requests.filter((r) => r.action === 'DescribeSecurityGroups')).toHaveLength(3);
  });

  it('throttling that does not end fails the read with the call and the code once retries are spent', async () => {
    double.fail('DescribeNetworkInterfaces', Array.from({ length: 20 }, () => throttled('RequestLimitExceeded')));
    const read = readInventoryFromEc2({ vpcId: VPC, client: client() });
    await expect(read).rejects.toMatchObject({ call: 'DescribeNetworkInterfaces', code: 'RequestLimitExceeded' });
    expect(double.requests.filter((r) => r.action === 'DescribeNetworkInterfaces')).toHaveLength(EC2_RETRY.maxAttempts);
  });
});
