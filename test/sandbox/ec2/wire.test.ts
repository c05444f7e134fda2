import * as assert from 'node:assert/strict';
import * as E from '@aws-sdk/client-ec2';
import { utils as sshUtils } from 'ssh2';
import { ec2, fakeAuth, startHarness, stopHarness, waitFor, type Harness } from './helpers';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

async function raw(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; query?: string }): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(url + '/' + (init.query ? `?${init.query}` : ''), { method: init.method ?? 'POST', body: init.body, headers: init.headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

describe('sandbox EC2 emulator over the wire (real @aws-sdk/client-ec2)', function () {
  let h: Harness;
  const amis: Record<string, string> = {};

  before(async () => {
    h = await startHarness();
  });
  after(async () => stopHarness(h));

  it('serves the catalog: regions, zones, GPU instance types, images', async () => {
    const c = ec2(h.url, 'us-east-1');
    const regions = await c.send(new E.DescribeRegionsCommand({}));
    assert.ok(regions.Regions!.some((r) => r.RegionName === 'eu-central-1' && r.Endpoint === 'ec2.eu-central-1.amazonaws.com'));
    const az = await c.send(new E.DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(az.AvailabilityZones![0], {
      OptInStatus: 'opt-in-not-required', Messages: [], RegionName: 'us-east-1', ZoneName: 'us-east-1a', ZoneId: 'use1-az1',
      GroupName: 'us-east-1', NetworkBorderGroup: 'us-east-1', ZoneType: 'availability-zone', State: 'available',
    });
    const types = await c.send(new E.DescribeInstanceTypesCommand({ InstanceTypes: ['g5.xlarge', 'p5.48xlarge'] }));
    const p5 = types.InstanceTypes!.find((t) => t.InstanceType === 'p5.48xlarge')!;
    assert.equal(p5.VCpuInfo!.DefaultVCpus, 192);
    assert.deepEqual(p5.GpuInfo!.Gpus![0], { Name: 'H100', Manufacturer: 'NVIDIA', Count: 8, MemoryInfo: { SizeInMiB: 81920 } });
    const l4 = await c.send(new E.DescribeInstanceTypesCommand({ Filters: [{ Name: 'gpu-info.gpus.name', Values: ['L4'] }], MaxResults: 5 }));
    assert.equal(l4.InstanceTypes!.length, 5);
    assert.ok(l4.NextToken);
    for (const region of REGIONS) {
      const img = await ec2(h.url, region).send(new E.DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['Deep Learning OSS*PyTorch*'] }] }));
      assert.equal(img.Images!.length, 1);
      amis[region] = img.Images![0].ImageId!;
    }
    assert.notEqual(amis['us-east-1'], amis['eu-west-1']);
  });

  it('prices: spot history per AZ newest first with pagination, placement scores', async () => {
    const c = ec2(h.url, 'us-east-1');
    const end = new Date();
    const start = new Date(end.getTime() - 6 * 3600_000);
    const all = await c.send(new E.DescribeSpotPriceHistoryCommand({ InstanceTypes: ['g5.xlarge'], ProductDescriptions: ['Linux/UNIX'], StartTime: start, EndTime: end }));
    const items = all.SpotPriceHistory!;
    assert.equal(new Set(items.map((i) => i.AvailabilityZone)).size, 6);
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].Timestamp!.getTime() >= items[i].Timestamp!.getTime());
    for (const i of items) assert.ok(Number(i.SpotPrice) > 0.15 && Number(i.SpotPrice) < 1.006, i.SpotPrice);
    let token: string | undefined;
    let paged = 0;
    do {
      const page = await c.send(new E.DescribeSpotPriceHistoryCommand({ InstanceTypes: ['g5.xlarge'], StartTime: start, EndTime: end, MaxResults: 10, NextToken: token }));
      paged += page.SpotPriceHistory!.length;
      token = page.NextToken || undefined;
    } while (token);
    assert.equal(paged, items.length);
    const scores = await c.send(new E.GetSpotPlacementScoresCommand({ InstanceTypes: ['g4dn.xlarge'], TargetCapacity: 1, RegionNames: ['us-east-1', 'us-west-2'] }));
    const big = await c.send(new E.GetSpotPlacementScoresCommand({ InstanceTypes: ['p5.48xlarge'], TargetCapacity: 4, RegionNames: ['us-east-1', 'us-west-2'] }));
    assert.equal(scores.SpotPlacementScores!.length, 2);
    assert.ok(scores.SpotPlacementScores![0].Score! > big.SpotPlacementScores![0].Score!);
  });

  it('key pairs and security groups', async () => {
    for (const region of REGIONS) {
      const c = ec2(h.url, region);
      const key = await c.send(new E.CreateKeyPairCommand({ KeyName: 'spotbox', KeyType: 'ed25519' }));
      assert.match(key.KeyMaterial!, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
      assert.ok(!(sshUtils.parseKey(key.KeyMaterial!) instanceof Error), 'ssh2 parses the private key');
      const sg = await c.send(new E.CreateSecurityGroupCommand({ GroupName: 'spotbox-ssh', Description: 'ssh' }));
      const perm = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
      await c.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId, IpPermissions: [perm] }));
      const dup = await errorOf(c.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId, IpPermissions: [perm] })));
      assert.equal(dup.name, 'InvalidPermission.Duplicate');
      await c.send(new E.CreateLaunchTemplateCommand({
        LaunchTemplateName: 'spotbox-lt',
        LaunchTemplateData: {
          ImageId: amis[region], InstanceType: 'g5.xlarge', KeyName: 'spotbox', SecurityGroupIds: [sg.GroupId!], UserData: 'IyEvYmluL3NoCg==',
          MetadataOptions: { HttpTokens: 'required' }, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'app', Value: 'spotbox' }] }],
        },
      }));
    }
    const c = ec2(h.url, 'us-east-1');
    const kp = await c.send(new E.DescribeKeyPairsCommand({ KeyNames: ['spotbox'], IncludePublicKey: true }));
    assert.match(kp.KeyPairs![0].PublicKey!, /^ssh-ed25519 /);
    const groups = await c.send(new E.DescribeSecurityGroupsCommand({ GroupNames: ['spotbox-ssh'] }));
    assert.deepEqual(groups.SecurityGroups![0].IpPermissions![0].IpRanges, [{ CidrIp: '0.0.0.0/0' }]);
    const revoke = await c.send(new E.RevokeSecurityGroupIngressCommand({ GroupName: 'spotbox-ssh', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    assert.equal(revoke.Return, true);
  });

  it('launches 20 instances across 3 regions with CreateFleet, describes with filters and pages, terminates all', async () => {
    const counts: Record<string, number> = { 'us-east-1': 7, 'us-west-2': 7, 'eu-west-1': 6 };
    const ids: Record<string, string[]> = {};
    for (const region of REGIONS) {
      const c = ec2(h.url, region);
      const res = await c.send(new E.CreateFleetCommand({
        Type: 'instant',
        LaunchTemplateConfigs: [{
          LaunchTemplateSpecification: { LaunchTemplateName: 'spotbox-lt', Version: '$Latest' },
          Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g4dn.xlarge', AvailabilityZone: `${region}b` }],
        }],
        TargetCapacitySpecification: { TotalTargetCapacity: counts[region], DefaultTargetCapacityType: 'spot' },
        SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'batch', Value: region }] }],
      }));
      assert.deepEqual(res.Errors, []);
      ids[region] = res.Instances!.flatMap((i) => i.InstanceIds!);
      assert.equal(ids[region].length, counts[region]);
      assert.equal(res.Instances![0].Lifecycle, 'spot');
    }
    assert.equal(h.host.boots.length, 20);
    assert.ok(h.host.boots.every((b) => b.httpTokens === 'required' && b.authorizedKey?.startsWith('ssh-ed25519') && b.lifecycle === 'spot'));
    const c = ec2(h.url, 'us-west-2');
    await waitFor(async () => {
      const r = await c.send(new E.DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }));
      return r.Reservations!.flatMap((x) => x.Instances!).length === 7 || undefined;
    });
    let token: string | undefined;
    const seen: E.Instance[] = [];
    do {
      const r = await c.send(new E.DescribeInstancesCommand({
        Filters: [{ Name: 'tag:app', Values: ['spotbox'] }, { Name: 'instance-lifecycle', Values: ['spot'] }, { Name: 'tag-key', Values: ['batch'] }],
        MaxResults: 5, NextToken: token,
      }));
      seen.push(...r.Reservations!.flatMap((x) => x.Instances!));
      token = r.NextToken;
    } while (token);
    assert.deepEqual(seen.map((i) => i.InstanceId).sort(), [...ids['us-west-2']].sort());
    const one = seen[0];
    assert.equal(one.State!.Name, 'running');
    assert.match(one.PublicIpAddress!, /^127\.0\.0\.\d+$/);
    assert.equal(one.InstanceLifecycle, 'spot');
    assert.match(one.SpotInstanceRequestId!, /^sir-/);
    assert.ok(one.LaunchTime instanceof Date);
    const byType = await c.send(new E.DescribeInstancesCommand({ Filters: [{ Name: 'instance-type', Values: [one.InstanceType!] }, { Name: 'availability-zone', Values: [one.Placement!.AvailabilityZone!] }] }));
    assert.ok(byType.Reservations!.flatMap((x) => x.Instances!).some((i) => i.InstanceId === one.InstanceId));
    const status = await c.send(new E.DescribeInstanceStatusCommand({ InstanceIds: [one.InstanceId!], IncludeAllInstances: true }));
    assert.equal(status.InstanceStatuses![0].InstanceState!.Name, 'running');
    for (const region of REGIONS) {
      const cr = ec2(h.url, region);
      const t = await cr.send(new E.TerminateInstancesCommand({ InstanceIds: ids[region] }));
      assert.equal(t.TerminatingInstances!.length, counts[region]);
      assert.ok(t.TerminatingInstances!.every((x) => x.CurrentState!.Name === 'shutting-down' || x.CurrentState!.Name === 'terminated'));
      await waitFor(async () => {
        const r = await cr.send(new E.DescribeInstancesCommand({ InstanceIds: ids[region] }));
        return r.Reservations!.flatMap((x) => x.Instances!).every((i) => i.State!.Name === 'terminated' && i.StateReason?.Code === 'Client.UserInitiatedShutdown') || undefined;
      });
    }
    const sir = await c.send(new E.DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'instance-id', Values: [one.InstanceId!] }] }));
    assert.equal(sir.SpotInstanceRequests![0].Status!.Code, 'instance-terminated-by-user');
  });

  it('RunInstances: spot MaxPrice too low -> SpotMaxPriceTooLow; console output appears after a delay', async () => {
    const c = ec2(h.url, 'us-east-1');
    const low = await errorOf(c.send(new E.RunInstancesCommand({
      ImageId: amis['us-east-1'], InstanceType: 'p4d.24xlarge', MinCount: 1, MaxCount: 1,
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.01' } },
    })));
    assert.equal(low.name, 'SpotMaxPriceTooLow');
    assert.equal(low.$metadata?.httpStatusCode, 400);
    const run = await c.send(new E.RunInstancesCommand({
      ImageId: amis['us-east-1'], InstanceType: 'g4dn.xlarge', MinCount: 1, MaxCount: 1, KeyName: 'spotbox',
      Placement: { AvailabilityZone: 'us-east-1c' }, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'od' }] }],
    }));
    const id = run.Instances![0].InstanceId!;
    assert.equal(run.Instances![0].State!.Name, 'pending');
    assert.equal(run.Instances![0].InstanceLifecycle, undefined);
    const early = await c.send(new E.GetConsoleOutputCommand({ InstanceId: id }));
    assert.equal(early.Output, undefined);
    const text = await waitFor(async () => {
      const o = await c.send(new E.GetConsoleOutputCommand({ InstanceId: id }));
      return o.Output ? Buffer.from(o.Output, 'base64').toString('utf8') : undefined;
    });
    assert.match(text, /BEGIN SSH HOST KEY FINGERPRINTS/);
    await c.send(new E.CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'owner', Value: 'me' }] }));
    const tags = await c.send(new E.DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }));
    assert.deepEqual(tags.Tags!.map((t) => t.Key).sort(), ['Name', 'owner']);
    await c.send(new E.DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'owner' }] }));
    await c.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  it('capacity fault -> CreateFleet errorSet, other pool still launches', async () => {
    // The faulted pool must be the one lowest-price tries first whatever the hour's spot prices:
    // g4dn (T4, deepest discount) is always cheaper than g6.
    h.emu.failCapacity({ region: 'us-east-1', instanceType: 'g4dn.xlarge', count: 0 });
    const c = ec2(h.url, 'us-east-1');
    const res = await c.send(new E.CreateFleetCommand({
      Type: 'instant',
      LaunchTemplateConfigs: [{
        LaunchTemplateSpecification: { LaunchTemplateName: 'spotbox-lt', Version: '1' },
        Overrides: [{ InstanceType: 'g4dn.xlarge', AvailabilityZone: 'us-east-1a' }, { InstanceType: 'g6.xlarge', AvailabilityZone: 'us-east-1a', Priority: 2 }],
      }],
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'lowest-price' },
    }));
    const err = res.Errors!.find((e) => e.ErrorCode === 'InsufficientInstanceCapacity');
    assert.ok(err, JSON.stringify(res.Errors));
    assert.equal(err.LaunchTemplateAndOverrides!.Overrides!.InstanceType, 'g4dn.xlarge');
    assert.equal(res.Instances![0].InstanceType, 'g6.xlarge');
    const run = await errorOf(c.send(new E.RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'spotbox-lt' }, InstanceType: 'g4dn.xlarge', MinCount: 1, MaxCount: 1 })));
    assert.equal(run.name, 'InsufficientInstanceCapacity');
    h.emu.clearFaults();
    await c.send(new E.TerminateInstancesCommand({ InstanceIds: res.Instances![0].InstanceIds }));
    assert.ok(h.events.kinds().includes('capacity-fault'));
  });

  it('throttle(3): the SDK retries RequestLimitExceeded and succeeds', async () => {
    h.emu.throttle(3);
    const res = await ec2(h.url, 'us-east-1', 5).send(new E.DescribeRegionsCommand({}));
    assert.equal(res.$metadata.attempts, 4);
    assert.ok(res.Regions!.length > 10);
  });

  it('error shapes: unknown id, missing parameter, unsigned, garbage, unknown action and region', async () => {
    const c = ec2(h.url, 'us-east-1');
    const nf = await errorOf(c.send(new E.DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
    assert.equal(nf.name, 'InvalidInstanceID.NotFound');
    const missing = await errorOf(c.send(new E.CreateSecurityGroupCommand({ GroupName: 'x' } as E.CreateSecurityGroupCommandInput)));
    assert.equal(missing.name, 'MissingParameter');
    assert.match(missing.message, /GroupDescription/);
    const unsigned = await raw(h.url, { body: 'Action=DescribeRegions&Version=2016-11-15', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(unsigned.status, 403);
    assert.match(unsigned.text, /<Response><Errors><Error><Code>UnauthorizedOperation<\/Code><Message>.+<\/Message><\/Error><\/Errors><RequestID>.+<\/RequestID><\/Response>/);
    const auth = { authorization: fakeAuth('us-east-1'), 'content-type': 'application/x-www-form-urlencoded' };
    for (const body of ['\u0000\u00ff%%%&&==garbage', '<xml>not a form</xml>', '']) {
      const g = await raw(h.url, { body, headers: auth });
      assert.equal(g.status, 400);
      assert.match(g.type!, /xml/);
      assert.match(g.text, /<Code>MissingParameter<\/Code>/);
    }
    const json = await raw(h.url, { body: '{"Action":"DescribeRegions"}', headers: { ...auth, 'content-type': 'application/json' } });
    assert.match(json.text, /<Code>InvalidParameterValue<\/Code>/);
    const bad = await raw(h.url, { body: 'Action=LaunchRockets&Version=2016-11-15', headers: auth });
    assert.match(bad.text, /<Code>InvalidAction<\/Code>/);
    const noMin = await raw(h.url, { body: `Action=RunInstances&Version=2016-11-15&ImageId=${amis['us-east-1']}&MaxCount=1`, headers: auth });
    assert.match(noMin.text, /<Code>MissingParameter<\/Code><Message>[^<]*MinCount/);
    const mars = await errorOf(ec2(h.url, 'mars-north-1').send(new E.DescribeRegionsCommand({})));
    assert.equal(mars.name, 'AuthFailure');
  });

  it('accepts other documented serializations: GET query string, reordered params, lower-case headers', async () => {
    const query = 'Filter.1.Value.1=us-east-1b&Version=2016-11-15&Filter.1.Name=zone-name&Action=DescribeAvailabilityZones' +
      `&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent('AKIDSANDBOX/20261127/us-east-1/ec2/aws4_request')}` +
      `&X-Amz-Date=20261127T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`;
    const get = await raw(h.url, { method: 'GET', query });
    assert.equal(get.status, 200);
    assert.match(get.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<DescribeAvailabilityZonesResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>/);
    assert.match(get.text, /<zoneName>us-east-1b<\/zoneName>/);
    assert.doesNotMatch(get.text, /us-east-1a/);
    const post = await raw(h.url, {
      body: 'Version=2016-11-15&InstanceType.2=g4dn.xlarge&InstanceType.1=p3.2xlarge&Action=DescribeInstanceTypes',
      headers: { authorization: fakeAuth('eu-west-1').replace('Credential', 'credential'), 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    });
    assert.equal(post.status, 200);
    assert.match(post.text, /<instanceType>p3.2xlarge<\/instanceType>[\s\S]*<name>V100<\/name>/);
  });
});
