import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client, GetConsoleOutputCommand, type Instance } from '@aws-sdk/client-ec2';
import type { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { launchBox } from '../../../src/core/launch/launcher';
import type { LaunchedBox, LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import { parseConsoleHostKeyFingerprints } from '../../../src/core/ssh/hostKeyFingerprints';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../../sandbox/sandbox';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts a sandbox with fast boots and points this process's AWS SDK at it through its profile,
 * until stop() puts the environment back as it was.
 */
export async function startTestSandbox(directory: string, overrides: Partial<SandboxOptions> = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ directory, bootDelayMs: { min: 200, max: 1200 }, consoleDelayMs: 300, ...overrides });
  const restore = setEnvironment(sandbox.environment);
  return {
    ...sandbox,
    stop: async () => {
      await sandbox.stop();
      restore();
    },
  };
}

/**
 * Stops a test sandbox, checks that none of its processes (sshd boxes, user-data scripts) survive,
 * and deletes its folder. Safe to call when starting it failed half-way.
 */
export async function stopTestSandbox(sandbox: RunningSandbox | undefined, directory: string | undefined): Promise<void> {
  await sandbox?.stop();
  if (directory) {
    assert.deepEqual(processesMentioning(directory), [], 'no sandbox process survives stop()');
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/** Sets environment variables; the returned function restores what was there before. */
export function setEnvironment(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  };
}

/** Processes still running whose command line mentions `marker` (a sandbox's folder). */
export function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (commandLine.includes(marker) && Number(pid) !== process.pid) {
        found.push(`${pid} ${commandLine.trim()}`);
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function describeAll(client: EC2Client, instanceIds: string[]): Promise<Instance[]> {
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new DescribeInstancesCommand({ InstanceIds: instanceIds, NextToken: nextToken }));
    instances.push(...(page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return instances;
}

export function waitForState(client: EC2Client, instanceIds: string[], state: string, timeoutMs = 90_000): Promise<Instance[]> {
  return eventually(
    `${instanceIds.length} instance(s) to be ${state}`,
    async () => {
      const instances = await describeAll(client, instanceIds);
      return instances.length === instanceIds.length && instances.every((instance) => instance.State?.Name === state) ? instances : undefined;
    },
    timeoutMs,
    500,
  );
}

/** The host key fingerprints the box printed to its console, once it has printed them. */
export function consoleFingerprints(client: EC2Client, instanceId: string): Promise<string[]> {
  return eventually(`console host keys of ${instanceId}`, async () => {
    const { Output } = await client.send(new GetConsoleOutputCommand({ InstanceId: instanceId }));
    const fingerprints = parseConsoleHostKeyFingerprints(Buffer.from(Output ?? '', 'base64').toString('utf8')).map((key) => key.fingerprint);
    return fingerprints.length > 0 ? fingerprints : undefined;
  });
}

export function sshPortOf(instance: Instance): number {
  const tagged = instance.Tags?.find((tag) => tag.Key === 'spotbox:ssh-port')?.Value;
  return tagged ? Number(tagged) : 22;
}

/**
 * The owner id sandbox tests launch, release and sweep as (16 hex digits like an installation's,
 * "7e57" for test). A test standing for a second installation passes another.
 */
export const TEST_OWNER_ID = '7e57000000000001';

/** The launch every sandbox test makes (two GPU pools, SSH from loopback); `request` overrides it. */
export function testLaunchRequest(request: Pick<LaunchRequest, 'boxName' | 'region' | 'keyDirectory' | 'imageId'> & Partial<LaunchRequest>): LaunchRequest {
  return {
    pools: [{ instanceType: 'g4dn.xlarge' }, { instanceType: 'g5.xlarge' }],
    maxPricePerHour: 2,
    allocationStrategy: 'price-capacity-optimized',
    onDemandFallback: false,
    // The Deep Learning AMIs' root snapshot is 75 GB: EC2 refuses a smaller root.
    volumeGb: 100,
    sshCidr: '127.0.0.1/32',
    owner: TEST_OWNER_ID,
    ...request,
  };
}

/** The region's PyTorch Deep Learning AMI (login user ubuntu), which sandbox test boxes boot from. */
export async function sandboxImageId(region: string): Promise<string> {
  const filter = { Name: 'name', Values: ['Deep Learning OSS Nvidia Driver AMI GPU PyTorch*'] };
  const imageId = (await new EC2Client({ region }).send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [filter] }))).Images?.[0]?.ImageId;
  assert.ok(imageId, 'the sandbox lists the PyTorch Deep Learning AMI');
  return imageId;
}

/**
 * Launches one box through Spotbox's own launcher with the defaults every sandbox test shares
 * (testLaunchRequest, the region's first Amazon image); `request` overrides them.
 */
export async function launchTestBox(clients: Ec2ClientPool, request: Pick<LaunchRequest, 'boxName' | 'region' | 'keyDirectory'> & Partial<LaunchRequest>): Promise<LaunchedBox> {
  return launchBox(clients, testLaunchRequest({ ...request, imageId: request.imageId ?? (await sandboxImageId(request.region)) }), { logger: silentLogger });
}
