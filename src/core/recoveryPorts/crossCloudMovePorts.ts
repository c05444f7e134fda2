/**
 * The recovery's ports for moving a lineage to another cloud (src/core/crossCloud): the landings the
 * editor is connected to, the checkpoint's S3 source, and how the lineage ends on AWS once it
 * resumed elsewhere (its fleet, the interrupted box, then its launch's key pair, group and template).
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { deleteFleetWithInstances } from '../aws/deleteFleet';
import { TAGS } from '../aws/spotboxTags';
import { azureLanding } from '../crossCloud/azureLanding';
import { gcpLanding } from '../crossCloud/gcpLanding';
import type { CrossCloudLanding, MovePorts } from '../crossCloud/moveLineage';
import { s3ObjectSource } from '../crossCloud/s3ObjectSource';
import type { LineageRecord } from '../recovery/recoveryTypes';
import { done, notYet, pollUntil } from '../time/poll';
import type { CloudRecoveryDeps } from './cloudRecoveryPorts';
import { currentCallerCidr } from './currentCallerCidr';

/** The EC2 calls the move's end of the lineage makes, shared with the rest of the recovery's ports. */
export interface MoveEc2Ops {
  describe(region: string, instanceId: string): Promise<Instance | undefined>;
  terminate(region: string, instanceId: string): Promise<void>;
  readonly pollMs: number;
}

export function crossCloudMovePorts(deps: CloudRecoveryDeps, ec2Ops: MoveEc2Ops): { readonly landings: readonly CrossCloudLanding[]; readonly movePorts: MovePorts } {
  // SSH to the new box from where this editor is now (the lineage's first launch recorded where it was then).
  const landingCallerIp = async (record: LineageRecord): Promise<string> => (await currentCallerCidr(deps, record.launch.sshCidr)).replace(/\/32$/, '');
  const landings: CrossCloudLanding[] = [
    ...(deps.gcp ? [gcpLanding({ ...deps.gcp, owner: deps.ownerId, callerIp: landingCallerIp, logger: deps.logger })] : []),
    ...(deps.azure ? [azureLanding({ ...deps.azure, owner: deps.ownerId, callerIp: landingCallerIp, logger: deps.logger })] : []),
  ];

  const movePorts: MovePorts = {
    source: (record) => {
      const profile = deps.s3Profile?.();
      return s3ObjectSource(record.checkpoint!.bucket, { region: record.region, ...(profile ? { profile } : {}), ...(record.accountId ? { expectedBucketOwner: record.accountId } : {}) });
    },
    landings,
    endSource: async (record, interruptedInstanceId) => {
      const ec2 = await deps.clients().client(record.region);
      const sessionId = (await ec2Ops.describe(record.region, interruptedInstanceId).catch(() => undefined))?.Tags?.find((tag) => tag.Key === TAGS.session)?.Value;
      if (record.fleetId) {
        // The fleet first, with its boxes: at target 1 it would start the session again on AWS once capacity returns.
        await deleteFleetWithInstances(ec2, record.fleetId).catch((error: Error) => {
          if (error.name !== 'InvalidFleetId.NotFound') throw error;
        });
      }
      await ec2Ops.terminate(record.region, interruptedInstanceId).catch((error: unknown) => deps.logger.warn(`terminating ${interruptedInstanceId} failed: ${String(error)}`));
      // Its launch's key pair, group and template go once EC2 has ended it (the group is in use until then).
      await pollUntil(
        async () => {
          const state = (await ec2Ops.describe(record.region, interruptedInstanceId).catch(() => undefined))?.State?.Name;
          return state === undefined || state === 'terminated' ? done(undefined) : notYet(state);
        },
        { describe: `${interruptedInstanceId} to be terminated`, intervalMs: ec2Ops.pollMs, timeoutMs: deps.reclaimGraceMs ?? 5 * 60_000 },
      );
      await deps.releaseLaunchResources({ region: record.region, ...(sessionId ? { sessionId } : {}) });
    },
  };

  return { landings, movePorts };
}
