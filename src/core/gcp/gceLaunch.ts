import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SpotboxError } from '../errors';
import type { RollbackJournal } from '../launch/rollbackJournal';
import type { Logger } from '../logging/logger';
import { generateEd25519KeyPair } from '../ssh/ed25519KeyPair';
import { writePrivateKeyFile } from '../ssh/privateKeyFile';
import type { ComputeClient } from './computeClient';
import type { Instance } from './computeTypes';
import { launchSpotGroup } from './gceGroupLaunch';
import { gcePlacements } from './gcePlacements';
import { regionOfZone } from './gceZones';
import { CHECKPOINT_METADATA_KEY } from './gceLabels';
import { createBoxFirewall, deleteInstanceAndWait, launchSpotInstance, type SpotPlacement } from './gceSpotLaunch';

/** What one Spot box on Compute Engine is made of; the profile's words, already checked. */
export interface GceLaunchRequest {
  readonly boxName: string;
  readonly regions: readonly string[];
  readonly machineTypes: readonly string[];
  readonly image: string;
  readonly diskSizeGb: number;
  readonly sshUser: string;
  readonly workspaceDir: string;
  /** SSH is opened to this one address only. */
  readonly callerIp: string;
  /** This installation's owner id (label spotbox-owner). */
  readonly owner: string;
  readonly keyDirectory: string;
  readonly lineage?: string;
  readonly startupScript?: string;
  /** `<bucket>/<prefix>` of the agent's checkpoints, kept in the metadata for the window's recovery timeline. */
  readonly checkpoint?: string;
  /** The box's identity for Cloud Storage (its agent's checkpoints); none when absent. */
  readonly serviceAccount?: { readonly email: string; readonly scopes: readonly string[] };
  /**
   * Keep the box in a managed instance group of one, which recreates it after a preemption (a
   * lineage whose boxes restore themselves); otherwise a lone instance.
   */
  readonly group?: boolean;
}

export interface LaunchedGceBox {
  /** The VM's name (for a group, Google's: the launch name and a suffix). */
  readonly name: string;
  /** What the launch named after itself: the key file, the firewall rule, and a group's template and group. */
  readonly launchName: string;
  /** The region of the group that keeps the box, for a group launch. */
  readonly groupRegion?: string;
  readonly zone: string;
  readonly machineType: string;
  readonly sessionId: string;
  readonly privateKeyPath: string;
  readonly instance: Instance;
  /** Placements without capacity, tried before this one. */
  readonly skipped: ReadonlyArray<{ readonly placement: SpotPlacement; readonly reason: string }>;
}

export interface GceLaunchOptions {
  readonly logger: Logger;
  /** Every resource made is recorded here; the caller rolls it back on failure or cancel. */
  readonly journal: RollbackJournal;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  /** How long each Google operation may take (default 5 minutes). */
  readonly operationTimeoutMs?: number;
  /** How long a region's group may try before the next region is asked (gceGroupLaunch.ts). */
  readonly groupRegionWaitMs?: number;
}

/**
 * Creates a Spot box on Compute Engine: its SSH key (made here, never sent anywhere but the
 * instance's `ssh-keys` metadata), a firewall rule admitting SSH from the caller's address only,
 * and the instance in the first zone and type with capacity. Each is journalled before the next
 * step, so a failure or cancel removes all of them.
 */
export async function launchGceBox(compute: ComputeClient, request: GceLaunchRequest, options: GceLaunchOptions): Promise<LaunchedGceBox> {
  const { journal, signal } = options;
  const report = (message: string): void => options.onProgress?.(message);
  const deadline = (): number => Date.now() + (options.operationTimeoutMs ?? 300_000);
  const sessionId = randomUUID();
  // The session's first 8 hex digits keep two launches of one profile apart, as on AWS.
  const name = `${request.boxName}-${sessionId.slice(0, 8)}`;

  report(`finding zones in ${request.regions.join(', ')} that offer ${request.machineTypes.join(', ')}`);
  const placements = await gcePlacements(compute, request.regions, request.machineTypes, signal);
  if (placements.length === 0) {
    throw new SpotboxError(
      `No zone of ${request.regions.join(', ')} offers ${request.machineTypes.join(' or ')} in project ${compute.project}.`,
      'Check the machine types and regions in .spotbox/profile.json (`gcloud compute machine-types list --filter="name=<type>"` lists where a type exists).',
    );
  }

  report('creating the SSH key');
  const { utils } = await import('ssh2');
  const keys = generateEd25519KeyPair(utils, `spotbox-${name}`);
  const privateKeyPath = path.join(request.keyDirectory, `spotbox-${name}.pem`);
  await writePrivateKeyFile(privateKeyPath, keys.private);
  journal.record(`private key ${privateKeyPath}`, () => fs.rm(privateKeyPath, { force: true }));

  report(`opening SSH to ${name} from ${request.callerIp} only`);
  const removeFirewall = await createBoxFirewall(compute, { boxName: name, callerIp: request.callerIp, owner: request.owner, session: sessionId }, { deadline: deadline(), ...(signal ? { signal } : {}) });
  journal.record(`firewall rule for ${name}`, removeFirewall);

  const base = {
    name,
    image: request.image,
    diskSizeGb: request.diskSizeGb,
    sshUser: request.sshUser,
    sshPublicKey: keys.public,
    workspaceDir: request.workspaceDir,
    labels: { box: request.boxName, owner: request.owner, session: sessionId, ...(request.lineage ? { lineage: request.lineage } : {}) },
    ...(request.startupScript !== undefined ? { startupScript: request.startupScript } : {}),
    ...(request.checkpoint !== undefined ? { metadata: [{ key: CHECKPOINT_METADATA_KEY, value: request.checkpoint }] } : {}),
    ...(request.serviceAccount ? { serviceAccount: request.serviceAccount } : {}),
  };
  if (request.group) {
    const launched = await launchSpotGroup(compute, base, placements, {
      deadline: deadline(),
      ...(signal ? { signal } : {}),
      record: (description, undo) => journal.record(description, undo),
      onProgress: report,
      ...(options.groupRegionWaitMs !== undefined ? { regionWaitMs: options.groupRegionWaitMs } : {}),
    });
    for (const skipped of launched.skipped) options.logger.info(`no capacity: ${skipped.placement.machineType} in ${skipped.placement.zone}: ${skipped.reason}`);
    return { name: launched.instance.name, launchName: name, groupRegion: regionOfZone(launched.placement.zone), zone: launched.placement.zone, machineType: launched.placement.machineType, sessionId, privateKeyPath, instance: launched.instance, skipped: launched.skipped };
  }
  // Recorded before the insert: an insert that fails half-way (created, then no capacity) or a
  // cancel during the wait may still leave an instance, and deleting a missing one is a no-op.
  const tried: SpotPlacement[] = [];
  journal.record(`instance ${name}`, () => deleteTriedInstances(compute, name, tried));
  const launched = await launchSpotInstance(
    compute,
    base,
    placements,
    {
      deadline: deadline(),
      ...(signal ? { signal } : {}),
      onAttempt: (placement) => {
        tried.push(placement);
        report(`asking for a Spot ${placement.machineType} in ${placement.zone}`);
      },
    },
  );
  for (const skipped of launched.skipped) options.logger.info(`no capacity: ${skipped.placement.machineType} in ${skipped.placement.zone}: ${skipped.reason}`);
  return { name, launchName: name, zone: launched.placement.zone, machineType: launched.placement.machineType, sessionId, privateKeyPath, instance: launched.instance, skipped: launched.skipped };
}

/** Deletes the instance wherever it was asked for, waiting for each delete; one that is not there is fine. */
async function deleteTriedInstances(compute: ComputeClient, name: string, tried: readonly SpotPlacement[]): Promise<void> {
  for (const zone of new Set(tried.map((placement) => placement.zone))) {
    if (await compute.getInstance(zone, name)) await deleteInstanceAndWait(compute, zone, name, { deadline: Date.now() + 300_000 });
  }
}
