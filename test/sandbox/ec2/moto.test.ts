import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as E from '@aws-sdk/client-ec2';
import { ec2, startHarness, stopHarness, waitFor, type Harness } from './helpers';

type Shape = string | { [k: string]: Shape } | Shape[];

/** Keys and value types, recursively; arrays are represented by their first item. */
export function shapeOf(v: unknown): Shape {
  if (Array.isArray(v)) return v.length ? [shapeOf(v[0])] : [];
  if (v instanceof Date) return 'date';
  if (v && typeof v === 'object') {
    const out: Record<string, Shape> = {};
    for (const k of Object.keys(v).sort()) if (k !== '$metadata' && (v as Record<string, unknown>)[k] !== undefined) out[k] = shapeOf((v as Record<string, unknown>)[k]);
    return out;
  }
  return typeof v;
}

/**
 * Compares two shapes on the keys both sides know: every key the emulator emits must exist in
 * moto's answer with the same type, and the keys `required` lists must be present on both.
 */
function commonMismatches(ours: Shape, theirs: Shape, path = ''): string[] {
  if (typeof ours === 'string' || typeof theirs === 'string') return ours === theirs ? [] : [`${path}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`];
  if (Array.isArray(ours) || Array.isArray(theirs)) {
    if (!Array.isArray(ours) || !Array.isArray(theirs)) return [`${path}: list vs non-list`];
    if (!ours.length || !theirs.length) return [];
    return commonMismatches(ours[0], theirs[0], `${path}[0]`);
  }
  const out: string[] = [];
  for (const k of Object.keys(ours)) if (k in theirs) out.push(...commonMismatches(ours[k], theirs[k], `${path}.${k}`));
  return out;
}

function keysOf(s: Shape): string[] {
  return s && typeof s === 'object' && !Array.isArray(s) ? Object.keys(s) : [];
}

/** Every key path of a shape (lists as `[]`). */
function paths(s: Shape, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(s)) {
    if (s.length) paths(s[0], `${prefix}[]`, out);
  } else if (s && typeof s === 'object') {
    for (const k of Object.keys(s)) {
      out.add(`${prefix}.${k}`);
      paths(s[k], `${prefix}.${k}`, out);
    }
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm6kVDVT0RZnWOPMs5R5wBkBbRVnHIF7XgQJ8aNRybh test';

describe('sandbox EC2 emulator vs moto (response shapes)', function () {
  this.timeout(60000);
  let moto: ChildProcess | undefined;
  let motoUrl = '';
  let h: Harness | undefined;

  before(async function () {
    if (spawnSync('sh', ['-c', 'command -v moto_server']).status !== 0) {
      console.log('    (skipped: moto_server is not on PATH)');
      this.skip();
    }
    const port = await freePort();
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    motoUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(motoUrl + '/moto-api/').then((r) => r.status < 500, () => false)) || undefined, 30000, 200);
    h = await startHarness();
  });

  after(async () => {
    await stopHarness(h);
    if (moto && moto.exitCode === null) {
      moto.kill('SIGTERM');
      await new Promise((r) => moto!.once('exit', r));
    }
  });

  async function both<T>(run: (c: E.EC2Client) => Promise<T>): Promise<{ ours: Shape; theirs: Shape }> {
    const ours = shapeOf(await run(ec2(h!.url, 'us-east-1')));
    const theirs = shapeOf(await run(ec2(motoUrl, 'us-east-1')));
    return { ours, theirs };
  }

  /**
   * Same key paths and types. `oursExtra` are fields real EC2 sends that moto leaves out;
   * `motoExtra: true` accepts moto being richer (it copies AWS's full instance-type dump).
   */
  function assertSame(name: string, s: { ours: Shape; theirs: Shape }, pick: (x: Shape) => Shape, required: string[], oursExtra: string[] = [], motoExtra = false): void {
    const ours = pick(s.ours);
    const theirs = pick(s.theirs);
    const a = paths(ours);
    const b = paths(theirs);
    assert.deepEqual([...a].filter((k) => !b.has(k) && !oursExtra.includes(k)), [], `${name}: keys only the emulator sends`);
    if (!motoExtra) assert.deepEqual([...b].filter((k) => !a.has(k)), [], `${name}: keys only moto sends`);
    assert.deepEqual(commonMismatches(ours, theirs), [], `${name}: types differ`);
    for (const k of required) {
      assert.ok(keysOf(ours).includes(k), `${name}: emulator lacks ${k} (${keysOf(ours).join(', ')})`);
      assert.ok(keysOf(theirs).includes(k), `${name}: moto lacks ${k} (${keysOf(theirs).join(', ')})`);
    }
  }

  const first = (list: string) => (s: Shape): Shape => ((s as Record<string, Shape[]>)[list] ?? [])[0] ?? {};

  it('DescribeRegions / DescribeAvailabilityZones', async () => {
    assertSame('regions', await both((c) => c.send(new E.DescribeRegionsCommand({}))), first('Regions'), ['RegionName', 'Endpoint', 'OptInStatus']);
    assertSame('zones', await both((c) => c.send(new E.DescribeAvailabilityZonesCommand({}))), first('AvailabilityZones'), ['ZoneName', 'ZoneId', 'State', 'RegionName'], ['.GroupName', '.NetworkBorderGroup', '.OptInStatus']);
  });

  it('DescribeInstanceTypes g5.xlarge', async () => {
    const s = await both((c) => c.send(new E.DescribeInstanceTypesCommand({ InstanceTypes: ['g5.xlarge'] })));
    assertSame('instance type', s, first('InstanceTypes'), ['InstanceType', 'VCpuInfo', 'MemoryInfo', 'GpuInfo'], [], true);
  });

  it('DescribeSpotPriceHistory (small window)', async () => {
    const end = new Date();
    const s = await both((c) => c.send(new E.DescribeSpotPriceHistoryCommand({ InstanceTypes: ['g5.xlarge'], StartTime: new Date(end.getTime() - 3600_000), EndTime: end, MaxResults: 5 })));
    assertSame('spot price', s, first('SpotPriceHistory'), ['AvailabilityZone', 'InstanceType', 'ProductDescription', 'SpotPrice', 'Timestamp'], ['.AvailabilityZoneId']);
  });

  it('DescribeKeyPairs after ImportKeyPair', async () => {
    const s = await both(async (c) => {
      await c.send(new E.ImportKeyPairCommand({ KeyName: 'diff', PublicKeyMaterial: Buffer.from(PUBLIC_KEY) }));
      return c.send(new E.DescribeKeyPairsCommand({ KeyNames: ['diff'] }));
    });
    assertSame('key pair', s, first('KeyPairs'), ['KeyName', 'KeyFingerprint', 'KeyPairId']);
  });

  it('EC2 Fleet (maintain): DescribeFleets, DescribeFleetInstances, DeleteFleets', async () => {
    const fleetOf = async (c: E.EC2Client): Promise<{ fleets: E.DescribeFleetsCommandOutput; instances: E.DescribeFleetInstancesCommandOutput; deleted: E.DeleteFleetsCommandOutput }> => {
      const img = await c.send(new E.DescribeImagesCommand({ Owners: ['amazon'] }));
      await c.send(new E.CreateLaunchTemplateCommand({ LaunchTemplateName: 'diff-fleet', LaunchTemplateData: { ImageId: img.Images![0].ImageId, InstanceType: 'g5.xlarge' } }));
      const { FleetId } = await c.send(new E.CreateFleetCommand({
        Type: 'maintain',
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: 'diff-fleet', Version: '$Latest' } }],
        TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
        SpotOptions: { AllocationStrategy: 'price-capacity-optimized', MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: 'launch-before-terminate', TerminationDelay: 120 } } },
      }));
      const fleets = await c.send(new E.DescribeFleetsCommand({ FleetIds: [FleetId!] }));
      const instances = await c.send(new E.DescribeFleetInstancesCommand({ FleetId }));
      const deleted = await c.send(new E.DeleteFleetsCommand({ FleetIds: [FleetId!], TerminateInstances: true }));
      return { fleets, instances, deleted };
    };
    const ours = await fleetOf(ec2(h!.url, 'us-east-1'));
    const theirs = await fleetOf(ec2(motoUrl, 'us-east-1'));
    const pair = <T>(pick: (x: typeof ours) => T): { ours: Shape; theirs: Shape } => ({ ours: shapeOf(pick(ours)), theirs: shapeOf(pick(theirs)) });
    // Real EC2 sends these; moto leaves them out (ClientToken: the SDK sends one with every CreateFleet).
    // moto sends ValidFrom, which the emulator leaves out.
    const fleetExtra = ['.ActivityStatus', '.CreateTime', '.ReplaceUnhealthyInstances', '.OnDemandTargetCapacity', '.SpotTargetCapacity', '.AllocationStrategy'];
    const f = pair((x) => x.fleets.Fleets![0]);
    assertSame('fleet', { ours: f.ours, theirs: f.theirs }, (x) => x, ['FleetId', 'FleetState', 'Type', 'FulfilledCapacity', 'TargetCapacitySpecification', 'SpotOptions', 'LaunchTemplateConfigs', 'ExcessCapacityTerminationPolicy'], [...fleetExtra.flatMap((k) => [k, `.TargetCapacitySpecification${k}`, `.OnDemandOptions${k}`]), '.ClientToken', '.Errors'], true);
    const spot = (x: Shape): Shape => (x as Record<string, Shape>).SpotOptions ?? {};
    assertSame('fleet spot options', f, spot, ['AllocationStrategy', 'MaintenanceStrategies']);
    assertSame('fleet instance', pair((x) => x.instances), first('ActiveInstances'), ['InstanceId', 'InstanceType', 'SpotInstanceRequestId', 'InstanceHealth']);
    assertSame('fleet deletion', pair((x) => x.deleted), first('SuccessfulFleetDeletions'), ['FleetId', 'CurrentFleetState', 'PreviousFleetState']);
    assert.deepEqual([ours.deleted.SuccessfulFleetDeletions![0].CurrentFleetState, theirs.deleted.SuccessfulFleetDeletions![0].CurrentFleetState], ['deleted_terminating', 'deleted_terminating']);
    assert.deepEqual(ours.fleets.Fleets![0].LaunchTemplateConfigs, theirs.fleets.Fleets![0].LaunchTemplateConfigs, 'the template is echoed as given');
  });

  it('DescribeSecurityGroups after CreateSecurityGroup + ingress', async () => {
    const s = await both(async (c) => {
      const g = await c.send(new E.CreateSecurityGroupCommand({ GroupName: 'diff', Description: 'diff' }));
      await c.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: g.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }));
      return c.send(new E.DescribeSecurityGroupsCommand({ GroupIds: [g.GroupId!] }));
    });
    assertSame('security group', s, first('SecurityGroups'), ['GroupId', 'GroupName', 'Description', 'IpPermissions', 'VpcId', 'OwnerId']);
    const perm = (x: Shape): Shape => ((first('SecurityGroups')(x) as Record<string, Shape[]>).IpPermissions ?? [])[0] ?? {};
    assertSame('ip permission', s, perm, ['IpProtocol', 'FromPort', 'ToPort', 'IpRanges']);
  });
});
