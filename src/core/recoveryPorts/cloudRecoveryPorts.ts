import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from 'ssh2';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { TAGS } from '../aws/spotboxTags';
import type { Box } from '../boxes/box';
import { boxFromInstance } from '../boxes/boxFromInstance';
import { CheckpointStore } from '../checkpoint/checkpointStore';
import { launchBox } from '../launch/launcher';
import type { Logger } from '../logging/logger';
import type { BoxEndpoint } from '../attach/boxEndpoint';
import { connectEndpoint } from '../attach/connectEndpoint';
import { restoreOnBox, startSessionOnBox, waitForAgent } from '../recovery/boxSessionOps';
import { waitForBootRestore } from '../recovery/bootRestoreJournal';
import { fleetReplacement, terminateExtraFleetBoxes } from '../recovery/fleetReplacement';
import { SpotboxError } from '../errors';
import { NoSpotCapacityError } from '../launch/noSpotCapacity';
import { ec2NoticeChecks } from '../recovery/ec2NoticeCloud';
import type { NoticeChecks } from '../recovery/noticeConfirmation';
import type { RecoveryPorts } from '../recovery/recoveryCoordinatorPorts';
import { releaseInterruptedBox, type InterruptedBoxCloud } from '../recovery/releaseInterruptedBox';
import { backgroundPause } from '../time/backgroundPause';
import { done, notYet, pollUntil, PollTimeoutError } from '../time/poll';
import type { CheckpointRef, LineageRecord } from '../recovery/recoveryTypes';
import { checkPriceMove } from '../crossCloud/priceCheck';
import { moveLineage } from '../crossCloud/moveLineage';
import type { AzureLandingDeps } from '../crossCloud/azureLanding';
import type { GcpLandingDeps } from '../crossCloud/gcpLanding';
import { currentCallerCidr } from './currentCallerCidr';
import { crossCloudMovePorts } from './crossCloudMovePorts';
import { movesWhenNoCapacity } from '../recovery/crossCloudTypes';
import { setFleetTarget } from '../launch/maintainFleet';
import type { PriceService } from '../pricing/priceService';

export interface CloudRecoveryDeps {
  readonly clients: () => Ec2ClientPool;
  /** Resolves the box's pinned endpoint and points its SSH alias at it (see BoxEndpoints). */
  readonly endpointOf: (box: Box, signal: AbortSignal) => Promise<BoxEndpoint>;
  /** Removes what a finished launch created (key pair, security group, template), once its instance is gone. */
  readonly releaseLaunchResources: (launch: { readonly region: string; readonly sessionId?: string }) => Promise<void>;
  /** This installation's owner id, tagged on the replacement whatever owner the lineage's first launch recorded. */
  readonly ownerId: string;
  /**
   * This machine's public IP now, as a /32 (spotbox.checkIpUrl): a replacement opens SSH to where
   * the editor is today, not to where it was when the lineage began (a laptop moves networks).
   */
  readonly callerCidr?: () => Promise<string>;
  /** The AWS profile for S3 (spotbox.awsProfile), read at each use: a profile chosen after start-up counts. */
  readonly s3Profile?: () => string | undefined;
  readonly logger: Logger;
  readonly pollMs?: number;
  /** After the notice's action time, how long to keep looking for the emergency checkpoint. */
  readonly checkpointGraceMs?: number;
  /** After the notice's action time, how long EC2 gets to terminate a box left for it (first hour). */
  readonly reclaimGraceMs?: number;
  /** The spot-notice checks, shared with the journal router so one notice is checked once; own ones when absent. */
  readonly noticeChecks?: NoticeChecks;
  /**
   * Google Cloud, where a lineage whose profile names it in otherClouds moves when EC2 has no Spot
   * capacity for its replacement (src/core/crossCloud). Without it or `azure` nothing moves.
   */
  readonly gcp?: Omit<GcpLandingDeps, 'owner' | 'callerIp' | 'logger'>;
  /** Azure, the same way: the lineage moves to the first of its otherClouds entries whose cloud has a landing here. */
  readonly azure?: Omit<AzureLandingDeps, 'owner' | 'callerIp' | 'logger'>;
  /** How long a raised fleet gets to launch before EC2's InsufficientInstanceCapacity counts as its answer (default 20 s). */
  readonly noCapacityAfterMs?: number;
  /**
   * The editor's price service, for a lineage whose profile moves for price
   * (moveAcrossClouds.cheaperByPercent). Without it (or Google Cloud) nothing moves for price.
   */
  readonly prices?: () => Promise<PriceService>;
}

type Ec2Module = typeof import('@aws-sdk/client-ec2');

/** The recovery's cloud and box operations over the real EC2 and S3 APIs and SSH. */
export function cloudRecoveryPorts(deps: CloudRecoveryDeps): RecoveryPorts {
  const sdk = (): Promise<Ec2Module> => import('@aws-sdk/client-ec2');
  const pollMs = deps.pollMs ?? 2_000;
  // Node's abortable timer removes its abort listener when it fires; one added per poll by hand
  // piled up on the run's signal over a long wait for the checkpoint. An abort just ends the wait.
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
  const store = (record: LineageRecord): CheckpointStore | undefined => {
    const profile = deps.s3Profile?.();
    return record.checkpoint
      ? new CheckpointStore(record.checkpoint, { region: record.region, ...(profile ? { profile } : {}), ...(record.accountId ? { expectedBucketOwner: record.accountId } : {}), logger: deps.logger })
      : undefined;
  };
  const newest = async (record: LineageRecord): Promise<CheckpointRef | undefined> => {
    const summary = await store(record)?.newestCheckpoint(record.lineage);
    return summary ? { seq: String(summary.seq), ...(summary.step !== undefined ? { step: summary.step } : {}), createdAt: Date.parse(summary.createdAt) } : undefined;
  };
  const describe = async (region: string, instanceId: string) => {
    const { DescribeInstancesCommand } = await sdk();
    const ec2 = await deps.clients().client(region);
    try {
      const output = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      return output.Reservations?.[0]?.Instances?.[0];
    } catch (error) {
      throw toUserError(error, { action: `Describing ${instanceId}`, region });
    }
  };
  const withBox = async <T>(record: LineageRecord, instanceId: string, signal: AbortSignal, work: (client: Client) => Promise<T>): Promise<T> => {
    const instance = await describe(record.region, instanceId);
    // The lineage names the box and its folder; the instance is the replacement being brought up.
    const box: Box = { ...boxFromInstance(instance ?? { InstanceId: instanceId }, record.region), instanceId, name: record.boxName, state: 'running', workspaceDir: record.workspaceDir };
    const endpoint = await deps.endpointOf(box, signal);
    const client = await connectEndpoint(endpoint, { retries: 8, signal });
    try {
      return await work(client);
    } finally {
      client.end();
    }
  };

  const noticeChecks = deps.noticeChecks ?? ec2NoticeChecks(deps.clients);

  const { landings, movePorts } = crossCloudMovePorts(deps, {
    describe,
    pollMs,
    terminate: async (region, instanceId) => {
      const { TerminateInstancesCommand } = await sdk();
      await (await deps.clients().client(region)).send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    },
  });

  return {
    confirmNotice: (region, instanceId) => noticeChecks.confirm(region, instanceId),

    async claim(record, runId) {
      const { CreateTagsCommand } = await sdk();
      const ec2 = await deps.clients().client(record.region);
      try {
        await ec2.send(new CreateTagsCommand({ Resources: [record.currentInstanceId], Tags: [{ Key: TAGS.recovery, Value: runId }] }));
      } catch (error) {
        // A box already gone cannot be tagged; the lineage file (shared by this user's windows) decides then.
        deps.logger.warn(`could not tag ${record.currentInstanceId} for the recovery claim: ${error instanceof Error ? error.message : String(error)}`);
        return true;
      }
      // Last writer wins on a tag: wait out a concurrent writer, then only the surviving value proceeds.
      await sleep(1_500);
      const instance = await describe(record.region, record.currentInstanceId).catch(() => undefined);
      const holder = instance?.Tags?.find((tag) => tag.Key === TAGS.recovery)?.Value;
      return holder === undefined || holder === runId;
    },

    async zones(region) {
      const { DescribeAvailabilityZonesCommand } = await sdk();
      const ec2 = await deps.clients().client(region);
      try {
        const output = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }));
        return (output.AvailabilityZones ?? []).map((zone) => zone.ZoneName ?? '').filter(Boolean);
      } catch (error) {
        throw toUserError(error, { action: 'Listing availability zones', region });
      }
    },

    // A lineage begun by an older Spotbox recorded the OS user name: its replacement is this installation's.
    launchReplacement: async (request, signal, context) => {
      if (context?.record.fleetId) {
        try {
          // A lineage that may move gives up on the fleet once EC2 says it has no capacity; others wait for it.
          const mayMove = movesWhenNoCapacity(context.record) && (context.record.crossCloud?.profile.otherClouds?.some((entry) => landings.some((landing) => landing.cloud === entry.cloud)) ?? false);
          return await fleetReplacement(await deps.clients().client(context.record.region), await sdk(), context.record, context.run, {
            signal,
            logger: deps.logger,
            intervalMs: pollMs,
            ...(mayMove ? { noCapacityAfterMs: deps.noCapacityAfterMs ?? 20_000 } : {}),
          });
        } catch (error) {
          if (error instanceof NoSpotCapacityError) throw error;
          throw signal.aborted ? new Error('Recovery stopped: the window closed.') : toUserError(error, { action: `Finding the replacement of ${context.record.boxName} in its fleet`, region: context.record.region });
        }
      }
      const sshCidr = await currentCallerCidr(deps, request.sshCidr);
      return launchBox(deps.clients(), { ...request, sshCidr, owner: deps.ownerId }, { logger: deps.logger, signal });
    },

    async waitUntilRunning(region, instanceId, signal) {
      try {
        await pollUntil(
          async () => {
            const state = (await describe(region, instanceId))?.State?.Name;
            if (state === 'terminated' || state === 'shutting-down') {
              throw new Error(`The replacement ${instanceId} was ${state} before it ran.`);
            }
            return state === 'running' ? done(undefined) : notYet(state);
          },
          // No deadline: EC2 ends a replacement that cannot start (terminated), and the window's close aborts.
          { describe: `the replacement ${instanceId} to be running`, intervalMs: pollMs, signal },
        );
      } catch (error) {
        throw signal.aborted ? new Error('Recovery stopped: the window closed.') : error;
      }
    },

    async emergencyCheckpoint(record, run, signal) {
      if (!record.checkpoint) {
        return undefined;
      }
      const notice = run.timeline.notice ?? Date.now();
      // Until the action time plus a grace period: the agent's commit is in S3 by then or never.
      const deadline = (run.timeline.actionTime ?? notice + 120_000) + (deps.checkpointGraceMs ?? 15_000);
      try {
        return await pollUntil(
          async () => {
            // S3 may be briefly unreachable while the box goes: a failed look is a look that found nothing.
            const checkpoint = await newest(record).catch(() => undefined);
            return checkpoint && checkpoint.createdAt >= notice - 1_000 ? done(checkpoint) : notYet();
          },
          { describe: `the emergency checkpoint of ${record.lineage}`, intervalMs: pollMs, timeoutMs: Math.max(0, deadline - Date.now()), signal },
        );
      } catch (error) {
        // Nothing committed in time, or the window closed: the recovery goes on from the newest checkpoint.
        if (error instanceof PollTimeoutError || signal.aborted) {
          return undefined;
        }
        throw error;
      }
    },

    newestCheckpoint: (record) => newest(record),

    async restore(record, instanceId, checkpoint, signal) {
      if (record.fleetId) {
        // The box restores itself at boot (it may have to wait for the emergency checkpoint); the window only watches.
        const outcome = await withBox(record, instanceId, signal, (client) => waitForBootRestore(client, { signal }));
        if (outcome.phase === 'failed') {
          throw new SpotboxError(`The replacement could not restore itself: ${outcome.error ?? 'see its journal'}`, 'See ~/.spotbox/journal.jsonl on the box; pick a checkpoint with Spotbox: Restore Checkpoint.');
        }
        if (checkpoint && outcome.seq !== undefined && String(outcome.seq) !== checkpoint.seq) {
          deps.logger.warn(`${record.boxName}: the replacement restored checkpoint ${outcome.seq}, not ${checkpoint.seq}`);
        }
        return { ...(outcome.restoredAt !== undefined ? { at: outcome.restoredAt } : {}), ...(outcome.seq !== undefined ? { seq: String(outcome.seq) } : {}), ...(outcome.step !== undefined ? { step: outcome.step } : {}) };
      }
      await withBox(record, instanceId, signal, async (client) => {
        await waitForAgent(client, { signal });
        if (checkpoint) {
          await restoreOnBox(client, { seq: Number(checkpoint.seq), checkpointDir: record.checkpointDir, workspaceDir: record.workspaceDir });
        }
      });
      return undefined;
    },

    async resume(record, instanceId, signal) {
      if (!record.session) {
        return {};
      }
      const session = record.session;
      // A fleet box's journal says whether it started the session itself (read again: a window
      // reloaded after the restore step continues here).
      const outcome = record.fleetId ? await withBox(record, instanceId, signal, (client) => waitForBootRestore(client, { signal })) : undefined;
      if (outcome?.phase === 'resumed') {
        const handoff = outcome.handoff;
        return {
          ...(outcome.step !== undefined ? { resumedStep: outcome.step } : {}),
          ...(outcome.resumedAt !== undefined ? { at: outcome.resumedAt } : {}),
          ...(handoff?.noticeTime !== undefined ? { notice: { time: handoff.noticeTime, ...(handoff.actionTime !== undefined ? { actionTime: handoff.actionTime } : {}), ...(handoff.from ? { instanceId: handoff.from } : {}), ...(handoff.step !== undefined ? { step: handoff.step } : {}) } } : {}),
        };
      }
      // An editor lineage, or a fleet box with no checkpoint to restore: the window starts the session.
      await withBox(record, instanceId, signal, (client) => startSessionOnBox(client, { command: session.command, workingDir: session.workingDir ?? record.workspaceDir }));
      return {};
    },

    ...(landings.length > 0 ? { moveToOtherCloud: (record, move, checkpoint, options) => moveLineage(movePorts, record, move, checkpoint, options) } : {}),

    ...(landings.length > 0 && deps.prices
      ? { checkPriceMove: (record) => checkPriceMove({ prices: deps.prices!, landable: landings.map((landing) => landing.cloud), newestCheckpointBytes: async (lineage) => (await store(lineage)?.newestCheckpoint(lineage.lineage))?.bytes }, record) }
      : {}),

    async holdReplacement(record, held) {
      // A fleet at 0 with no-termination keeps the old box until EC2 reclaims it and replaces nothing.
      if (record.fleetId) await setFleetTarget(await deps.clients().client(record.region), await sdk(), record.fleetId, held ? 0 : 1);
    },

    async releaseOld(record, instanceId, options = {}) {
      const cloud: InterruptedBoxCloud = {
        describe: async (id) => {
          const instance = await describe(record.region, id);
          // The session tag names the launch whose key pair, group and template go with the box.
          return instance && { state: instance.State?.Name, launchTime: instance.LaunchTime?.getTime(), sessionId: instance.Tags?.find((tag) => tag.Key === TAGS.session)?.Value };
        },
        terminate: async (id) => {
          const { TerminateInstancesCommand } = await sdk();
          await (await deps.clients().client(record.region)).send(new TerminateInstancesCommand({ InstanceIds: [id] }));
        },
        // A fleet's boxes share the first launch's key pair, group and template: they stay while the fleet does.
        releaseLaunch: (sessionId) => (record.fleetId ? Promise.resolve() : deps.releaseLaunchResources({ region: record.region, ...(sessionId ? { sessionId } : {}) })),
      };
      // Not while the replacement was itself interrupted mid-run: the fleet's next box is the lineage's then.
      if (record.fleetId && !record.recovery?.replacementInterrupted) {
        await terminateExtraFleetBoxes(await deps.clients().client(record.region), await sdk(), record, [record.currentInstanceId, instanceId], deps.logger).catch((error: unknown) =>
          deps.logger.warn(`checking the fleet of ${record.boxName} for a second box failed: ${String(error)}`),
        );
      }
      await releaseInterruptedBox(cloud, instanceId, {
        ...options,
        now: Date.now,
        // A window closing mid-wait is not held open; the sweep catches what the wait leaves.
        sleep: backgroundPause,
        pollMs,
        reclaimGraceMs: deps.reclaimGraceMs ?? 5 * 60_000,
        logger: deps.logger,
      });
    },
  };
}
