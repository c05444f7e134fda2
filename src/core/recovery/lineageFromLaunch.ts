import type { LaunchedBox, LaunchRequest } from '../launch/launchTypes';
import type { SpotboxProfile } from '../profile/profileTypes';
import type { LineageRecord } from './recoveryTypes';

/** The lineage record of a freshly launched box: what a replacement needs to bring it back. */
export function lineageFromLaunch(profile: SpotboxProfile, request: LaunchRequest & { lineage: string }, launched: LaunchedBox, checkpointDir: string): LineageRecord {
  return {
    lineage: request.lineage,
    boxName: profile.name,
    region: launched.region,
    launch: request,
    checkpointDir,
    workspaceDir: profile.workspaceDir,
    ...(profile.checkpoint ? { checkpoint: { bucket: profile.checkpoint.bucket, prefix: profile.checkpoint.prefix.replace(/^\/+|\/+$/g, '') } } : {}),
    ...(launched.accountId ? { accountId: launched.accountId } : {}),
    ...(profile.session ? { session: { command: profile.session.command, ...(profile.session.workingDir ? { workingDir: profile.session.workingDir } : {}) } } : {}),
    ...(profile.idleStopMinutes > 0 ? { idleStopMinutes: profile.idleStopMinutes } : {}),
    ...(launched.fleetId ? { fleetId: launched.fleetId } : {}),
    ...(profile.otherClouds && (profile.moveAcrossClouds?.whenNoCapacity || profile.moveAcrossClouds?.cheaperByPercent !== undefined) ? { crossCloud: { profile } } : {}),
    currentInstanceId: launched.instanceId,
    instanceIds: [launched.instanceId],
  };
}
