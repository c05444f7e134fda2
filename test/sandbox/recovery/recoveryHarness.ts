import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { TAGS } from '../../../src/core/aws/spotboxTags';
import { deleteFleetWithInstances } from '../../../src/core/aws/deleteFleet';
import type { Client } from 'ssh2';
import type { AgentTuning } from '../../../src/core/agent/agentConfig';
import { resolveBoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../../../src/core/aws/ec2SpotPrices';
import type { Box } from '../../../src/core/boxes/box';
import { Ec2BoxSource } from '../../../src/core/boxes/ec2BoxSource';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import { launchFromProfile } from '../../../src/core/profileLaunch/launchFromProfile';
import { silentLogger, type Logger } from '../../../src/core/logging/logger';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { routeAgentEvent, type AgentEventTargets } from '../../../src/core/recovery/agentEventRouter';
import { cloudRecoveryPorts, type CloudRecoveryDeps } from '../../../src/core/recoveryPorts/cloudRecoveryPorts';
import { ec2NoticeChecks } from '../../../src/core/recovery/ec2NoticeCloud';
import { JournalTail } from '../../../src/core/recovery/journalTail';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import { RecoveryCoordinator } from '../../../src/core/recovery/recoveryCoordinator';
import type { RecoveryPorts } from '../../../src/core/recovery/recoveryCoordinatorPorts';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { eventually, sandboxImageId, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { assembleAgentForTests } from '../../assembledAgent';

export const REGION = 'us-east-1';
/** Reads the trainer's step file on the box: its first word, 0 while there is none. */
const STEP_COMMAND = '(cut -d" " -f1 ~/step 2>/dev/null || echo 0)';
const REPO = path.resolve(__dirname, '../../../..');

/**
 * The profiles' workspaceDir: where a launch uploads the local workspace on the box, where each
 * checkpoint saves it from and where a restore puts it back. The trainers are started from there,
 * as a user's are: never from this checkout's path, which the box's login user (`ubuntu`) may not
 * be allowed to read (a clone under /root or a `mktemp -d` folder).
 */
export const BOX_WORKSPACE = '~/workspace';

/** Local folders uploaded as the box's workspace (launchFromProfile's localRoot), each a user's project of one trainer. */
export const WORKSPACES = {
  /** test/trainer: toy_trainer.py, the agent's test trainer. */
  toy: path.join(REPO, 'test', 'trainer'),
  /** examples/pytorch-loop: the README's plain PyTorch recipe, train.py. */
  pytorchLoop: path.join(REPO, 'examples', 'pytorch-loop'),
  /** examples/torchrun-ddp: the README's torchrun recipe, train.py. */
  torchrunDdp: path.join(REPO, 'examples', 'torchrun-ddp'),
} as const;

/**
 * A profile whose session is the toy trainer, launched with WORKSPACES.toy as its workspace:
 * SIGUSR1 = save, SIGTERM on a notice = save and stop.
 */
export function trainerProfile(name: string): SpotboxProfile {
  return {
    ...PROFILE_DEFAULTS,
    name,
    regions: [REGION],
    instanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
    maxPrice: 3,
    sshUser: 'ubuntu',
    workspaceDir: BOX_WORKSPACE,
    checkpoint: { bucket: 'spotbox-sandbox', prefix: 'e2e', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
    // These scenarios test the editor's own replacement; the fleet's has headless.test.ts.
    replacement: 'editor',
    session: {
      command: `python3 ${BOX_WORKSPACE}/toy_trainer.py --checkpoint-dir ~/ckpt --step-file ~/step --step-seconds 0.05 --payload-bytes 200000 >> ~/trainer.log 2>&1`,
      stepFile: '~/step',
    },
  };
}

/**
 * A profile whose session is a user's real command (real PyTorch, a script of the uploaded
 * workspace, under BOX_WORKSPACE on the box): SIGUSR1 = save and go on,
 * SIGTERM on a notice = save and stop, as the recipes handle them.
 */
export function realTrainerProfile(name: string, command: string): SpotboxProfile {
  return {
    ...trainerProfile(name),
    checkpoint: { bucket: 'spotbox-sandbox', prefix: 'real', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
    session: { command, stepFile: '~/step' },
  };
}

/** Debian's python3-torch is built for the system Python, which is what the boxes' `python3` is. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Fails a suite of real trainers at once, with the fix, where PyTorch is not installed. */
export function requireTorch(): void {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    throw new Error('python3-torch is not installed: run `apt-get install python3-torch` (.ci/run does).');
  }
}

/** realTrainerProfile on the product's default for a checkpoint and a session: a fleet of type maintain replaces the box. */
export function fleetTrainerProfile(name: string, command: string): SpotboxProfile {
  return { ...realTrainerProfile(name, command), replacement: undefined };
}

/** One Spotbox "editor" over the sandbox: clients, lineage store, coordinator with the real ports. */
export class RecoveryRig {
  readonly clients = new Ec2ClientPool();
  readonly ec2 = new EC2Client({ region: REGION });
  readonly lineages: LineageStore;
  readonly keyDirectory: string;
  readonly noticeChecks = ec2NoticeChecks(() => this.clients);
  private readonly source: Ec2BoxSource;

  constructor(readonly directory: string) {
    this.lineages = new LineageStore(path.join(directory, 'lineages'));
    this.keyDirectory = path.join(directory, 'keys');
    this.source = new Ec2BoxSource(this.clients, () => [REGION], new Ec2SpotPrices({ clients: this.clients }));
  }

  ports(overrides: Partial<RecoveryPorts> = {}, deps: Partial<CloudRecoveryDeps> = {}): RecoveryPorts {
    return {
      ...cloudRecoveryPorts({
        clients: () => this.clients,
        endpointOf: (box, signal) => resolveBoxEndpoint(this.clients, box, { keyDirectory: this.keyDirectory, defaultUser: 'ubuntu', signal }),
        releaseLaunchResources: async ({ region, sessionId }) => {
          if (sessionId) {
            await releaseSessionResources(ec2HygieneCloud(this.clients), { region, sessionId, ownerId: TEST_OWNER_ID, keyDirectory: this.keyDirectory, logger: silentLogger });
          }
        },
        ownerId: TEST_OWNER_ID,
        logger: silentLogger,
        pollMs: 500,
        ...deps,
      }),
      ...overrides,
    };
  }

  /** `options.deps`: more of the real ports' dependencies (Google Cloud for a move across clouds); `options.logger` to read what it decided. */
  coordinator(windowId: string, overrides: Partial<RecoveryPorts> = {}, options: { leaseMs?: number; deps?: Partial<CloudRecoveryDeps>; logger?: Logger } = {}): RecoveryCoordinator {
    const { deps, ...rest } = options;
    return new RecoveryCoordinator(this.lineages, this.ports(overrides, deps), { windowId, logger: silentLogger, heartbeatMs: 1_000, ...rest });
  }

  async box(instanceId: string): Promise<Box | undefined> {
    return (await this.source.listBoxes()).find((candidate) => candidate.instanceId === instanceId);
  }

  /**
   * Launches the profile through the Launch command's own pipeline: agent in the user data, lineage
   * recorded, the local `workspace` folder (if any) uploaded to the profile's workspaceDir, session started.
   */
  async launch(profile: SpotboxProfile, options: { workspace?: string; tuning?: AgentTuning } = {}): Promise<LineageRecord> {
    const imageId = await sandboxImageId(REGION);
    const { lineage, provisioned } = await launchFromProfile(
      { ...profile, image: imageId },
      {
        pools: { region: REGION, instanceTypes: [...profile.instanceTypes!] },
        callerCidr: '127.0.0.1/32',
        keyDirectory: this.keyDirectory,
        owner: TEST_OWNER_ID,
        ...(options.workspace !== undefined ? { localRoot: options.workspace } : {}),
        ...(options.tuning ? { agentTuning: options.tuning } : {}),
      },
      {
        clients: this.clients,
        agentSource: async () => fs.readFileSync(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8'),
        lineages: this.lineages,
        listBoxes: () => this.source.listBoxes(),
        endpointOf: (box, { signal, onWaiting }) => resolveBoxEndpoint(this.clients, box, { keyDirectory: this.keyDirectory, defaultUser: 'ubuntu', onWaiting, ...(signal ? { signal } : {}) }),
      },
      { logger: silentLogger, pollMs: 300 },
    );
    assert.ok(lineage, 'a profile with a checkpoint block records its lineage');
    if (options.workspace !== undefined) {
      assert.equal(provisioned.workspace, 'uploaded', `the workspace ${options.workspace} was uploaded to the box`);
    }
    return lineage;
  }

  async withBox<T>(box: Box, work: (client: Client) => Promise<T>): Promise<T> {
    const endpoint = await resolveBoxEndpoint(this.clients, box, { keyDirectory: this.keyDirectory, defaultUser: 'ubuntu' });
    const client = await connectEndpoint(endpoint, { retries: 6 });
    try {
      return await work(client);
    } finally {
      client.end();
    }
  }

  async run(box: Box, command: string): Promise<string> {
    return this.withBox(box, async (client) => (await runRemoteCommand(client, command)).stdout.trim());
  }

  /**
   * The editor's side: the box's agent journal followed over SSH and routed like the extension does,
   * recovery included. Returns the notice board and the tail (stop it when done).
   */
  follow(box: Box, options: { onEvent?: (type: string) => void; recover?: AgentEventTargets['recover'] }): { notices: NoticeBoard; tail: JournalTail } {
    const notices = new NoticeBoard();
    const tail = new JournalTail({
      connect: async () => connectEndpoint(await resolveBoxEndpoint(this.clients, box, { keyDirectory: this.keyDirectory, defaultUser: 'ubuntu' }), { retries: 2 }),
      boxAlive: async () => (await this.box(box.instanceId))?.state === 'running',
      onEvent: (event) => {
        options.onEvent?.(event.type);
        // As the extension routes it: a notice counts only once EC2 confirms it.
        routeAgentEvent(
          box,
          event,
          { notices, recover: options.recover ?? (async () => undefined), noteStep: async () => undefined, announce: () => undefined, confirmNotice: (noticed) => this.noticeChecks.confirm(noticed.region, noticed.instanceId), logger: silentLogger },
          Date.now(),
        );
      },
      initialBackoffMs: 200,
    });
    tail.start();
    return { notices, tail };
  }

  /**
   * The box's trainer log once the trainer has resumed there (it logs "resumed at step N"). A
   * timeout says what the box holds: its workspace (restored with the checkpoint) and its log.
   */
  async trainerResumedOn(instanceId: string, what = 'the trainer on the replacement'): Promise<string> {
    const box = await this.box(instanceId);
    assert.ok(box, `${instanceId} is listed`);
    return eventually(
      what,
      async () => {
        const text = await this.run(box, 'cat ~/trainer.log 2>/dev/null || true');
        return /resumed at step \d+/.test(text) ? text : undefined;
      },
      30_000,
    ).catch(async (error: Error) => {
      const state = await this.run(box, `ls -la ${BOX_WORKSPACE} 2>&1; tail -n 20 ~/trainer.log 2>&1`).catch((reason: Error) => `(unreadable: ${reason.message})`);
      throw new Error(`${error.message}; on ${instanceId}:\n${state}`);
    });
  }

  /** The step the box's trainer last wrote (`~/step`, the profiles' stepFile), 0 before its first. */
  async stepOn(box: Box): Promise<number> {
    return Number(await this.run(box, STEP_COMMAND));
  }

  /** Waits until the box's trainer has written `step` or a later one. */
  async trainerPast(box: Box, step: number, what = `the trainer past step ${step}`, timeoutMs = 120_000, intervalMs = 300): Promise<void> {
    await eventually(what, async () => ((await this.stepOn(box)) >= step ? true : undefined), timeoutMs, intervalMs);
  }

  /** The highest step the box's trainer wrote (`~/step`), read over SSH until the box is gone. */
  watchSteps(box: Box): { last: () => number; stop: () => void } {
    let last = 0;
    let stopped = false;
    void (async () => {
      while (!stopped) {
        const step = await this.stepOn(box).catch(() => undefined);
        if (step === undefined) {
          return;
        }
        last = Math.max(last, step);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    return { last: () => last, stop: () => (stopped = true) };
  }

  /**
   * Terminates every lineage's current box and removes what its launch created (a failed scenario's
   * leftovers too). A fleet lineage's fleet goes first, with its boxes, or it would replace them.
   */
  async releaseAll(): Promise<void> {
    for (const record of await this.lineages.list()) {
      if (record.fleetId) {
        const ec2 = await this.clients.client(record.region);
        await deleteFleetWithInstances(ec2, record.fleetId).catch(() => undefined);
        const sessions = new Set((await this.allInstances()).filter((instance) => instance.lineage === record.lineage).map((instance) => instance.sessionId));
        for (const sessionId of sessions) {
          if (sessionId) {
            await releaseSessionResources(ec2HygieneCloud(this.clients), { region: record.region, sessionId, ownerId: TEST_OWNER_ID, keyDirectory: this.keyDirectory, logger: silentLogger }).catch(() => undefined);
          }
        }
        await this.lineages.update(record.lineage, (current) => ({ ...current, ended: true }));
        continue;
      }
      await this.ports().releaseOld(record, record.currentInstanceId).catch(() => undefined);
    }
  }

  /** Every instance EC2 lists in the region, with its state and Spotbox tags (a second look, not the tree's). */
  async allInstances(): Promise<Array<{ instanceId: string; state: string; lineage?: string; sessionId?: string }>> {
    const output = await this.ec2.send(new DescribeInstancesCommand({}));
    return (output.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((instance) => {
      const tag = (key: string): string | undefined => instance.Tags?.find((candidate) => candidate.Key === key)?.Value;
      return { instanceId: instance.InstanceId!, state: instance.State?.Name ?? '', ...(tag(TAGS.lineage) ? { lineage: tag(TAGS.lineage)! } : {}), ...(tag(TAGS.session) ? { sessionId: tag(TAGS.session)! } : {}) };
    });
  }

  dispose(): void {
    this.clients.dispose();
    this.ec2.destroy();
  }
}
