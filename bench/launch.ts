import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateFleetCommand, CreateLaunchTemplateCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { resolveBoxEndpoint } from '../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../src/core/attach/connectEndpoint';
import { Ec2ClientPool } from '../src/core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../src/core/aws/ec2SpotPrices';
import { TAGS } from '../src/core/aws/spotboxTags';
import { BoxStore } from '../src/core/boxes/boxStore';
import { Ec2BoxSource } from '../src/core/boxes/ec2BoxSource';
import { launchFromProfile } from '../src/core/profileLaunch/launchFromProfile';
import { silentLogger } from '../src/core/logging/logger';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../src/core/profile/profileTypes';
import { systemClock } from '../src/core/time/clock';
import { startSandbox } from '../sandbox/sandbox';
import { sandboxImageId } from '../test/sandbox/e2e/sandboxHarness';
import { percentile, seconds } from './stats';
import { argument, runBench } from './benchCli';

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'];

/**
 * `npm run bench:launch [-- --launches N] [-- --boxes 200]`: (1) what Launch a Spot Box does until
 * the box answers SSH with its host key pinned (price guard, key pair, group, template, fleet,
 * boot, console keys, SSH), N times; (2) the Spot Boxes tree with 200 boxes in 8 regions: reading
 * them from EC2 (all regions in parallel) and building every tree item from them. The sandbox's
 * boot delay is 1-3 s, so (1) is Spotbox's overhead plus a short simulated boot.
 */
async function main(): Promise<void> {
  const launches = Number(argument('--launches') ?? 5);
  const boxCount = Number(argument('--boxes') ?? 200);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-bench-launch-'));
  const sandbox = await startSandbox({ directory, bootDelayMs: { min: 1000, max: 3000 }, consoleDelayMs: 300 });
  Object.assign(process.env, sandbox.environment);
  const clients = new Ec2ClientPool();
  try {
    const samples: number[] = [];
    const keyDirectory = path.join(directory, 'keys');
    const usEast1 = new Ec2BoxSource(clients, () => ['us-east-1'], new Ec2SpotPrices({ clients }));
    for (let index = 0; index < launches; index++) {
      const started = performance.now();
      // The Launch command's own pipeline; without a workspace, checkpoint or session, provisioning ends at the pinned SSH connection.
      const profile: SpotboxProfile = { ...PROFILE_DEFAULTS, name: `bench-${index}`, regions: ['us-east-1'], instanceTypes: ['g5.xlarge', 'g4dn.xlarge'], maxPrice: 5, image: await sandboxImageId('us-east-1'), volumeGb: 100, sshUser: 'ubuntu' };
      const { launched } = await launchFromProfile(
        profile,
        { pools: { region: 'us-east-1', instanceTypes: [...profile.instanceTypes!] }, callerCidr: '127.0.0.1/32', keyDirectory, owner: 'bench' },
        {
          clients,
          agentSource: async () => '',
          lineages: { put: async (record) => record },
          listBoxes: () => usEast1.listBoxes(),
          endpointOf: (box, { signal }) => resolveBoxEndpoint(clients, box, { keyDirectory, defaultUser: 'ubuntu', pollMs: 200, ...(signal ? { signal } : {}) }),
          connect: (endpoint) => connectEndpoint(endpoint, { retries: 8, initialBackoffMs: 200 }),
        },
        { logger: silentLogger, pollMs: 200 },
      );
      samples.push(performance.now() - started);
      await new EC2Client({ region: 'us-east-1' }).send(new TerminateInstancesCommand({ InstanceIds: [launched.instanceId] }));
    }
    console.log(`launch -> SSH-ready (host key pinned): p50 ${seconds(percentile(samples, 50))}, max ${seconds(Math.max(...samples))} over ${samples.length} launches (boot delay 1-3 s)`);

    // 200 tagged boxes across 8 regions, launched straight through the API (their sshd processes are real).
    const perRegion = Math.ceil(boxCount / REGIONS.length);
    await Promise.all(
      REGIONS.map(async (region) => {
        const ec2 = new EC2Client({ region });
        await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'bench-tree', LaunchTemplateData: { ImageId: await sandboxImageId(region), TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: TAGS.box, Value: `tree-${region}` }] }] } }));
        await ec2.send(
          new CreateFleetCommand({
            Type: 'instant',
            LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: 'bench-tree', Version: '$Latest' }, Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g4dn.xlarge' }] }],
            TargetCapacitySpecification: { TotalTargetCapacity: perRegion, DefaultTargetCapacityType: 'spot' },
          }),
        );
      }),
    );
    const source = new Ec2BoxSource(clients, () => REGIONS, new Ec2SpotPrices({ clients }));
    await source.listBoxes();
    const reads: number[] = [];
    let listed = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const started = performance.now();
      listed = (await source.listBoxes()).length;
      reads.push(performance.now() - started);
    }
    console.log(`tree data, ${listed} boxes in ${REGIONS.length} regions (DescribeInstances + spot prices, regions in parallel): p50 ${percentile(reads, 50).toFixed(0)} ms, max ${Math.max(...reads).toFixed(0)} ms`);

    const provider = await treeProviderWithStandInVscode();
    const store = new BoxStore({ description: 'bench', listBoxes: () => source.listBoxes() }, silentLogger);
    await store.refresh();
    const tree = new provider.BoxesTreeProvider(store, systemClock);
    const builds: number[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const started = performance.now();
      let items = 0;
      for (const region of tree.getChildren()) {
        tree.getTreeItem(region);
        for (const box of tree.getChildren(region)) {
          tree.getTreeItem(box);
          items++;
        }
      }
      builds.push(performance.now() - started);
      if (items !== listed) {
        throw new Error(`built ${items} items for ${listed} boxes`);
      }
    }
    console.log(`tree items for ${listed} boxes (getChildren + getTreeItem for every node, after the data arrived): p50 ${percentile(builds, 50).toFixed(1)} ms, max ${Math.max(...builds).toFixed(1)} ms (goal: render < 300 ms; VS Code's own drawing of the visible rows comes on top)`);
    tree.dispose();
  } finally {
    clients.dispose();
    await sandbox.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** Loads the tree provider with the few vscode classes it constructs, so its own cost can be timed in Node. */
async function treeProviderWithStandInVscode(): Promise<typeof import('../src/views/boxesTreeProvider')> {
  class EventEmitter {
    event = (): { dispose(): void } => ({ dispose: () => undefined });
    fire(): void {}
    dispose(): void {}
  }
  class TreeItem {
    constructor(
      readonly label: string,
      readonly collapsibleState: number,
    ) {}
  }
  class Stub {
    constructor(...values: unknown[]) {
      void values;
    }
  }
  const vscode = { EventEmitter, TreeItem, ThemeIcon: Stub, ThemeColor: Stub, MarkdownString: Stub, Uri: { parse: (text: string) => text }, TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 } };
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  return import('../src/views/boxesTreeProvider');
}

runBench(main);
