import type { CloudId } from '../cloud/clouds';

export type ResourceKind = 'fleet' | 'instance' | 'launch-template' | 'key-pair' | 'security-group';

/** What the sweep needs of an EC2 Fleet of type maintain (DescribeFleets). */
export interface FleetFacts {
  /** submitted, active, modifying (it launches to its target), or failed; deleted ones are not listed. */
  readonly state: string;
  /** fulfilled, pending_fulfillment, pending_termination, error. */
  readonly activityStatus?: string;
  readonly targetCapacity: number;
  /** The error codes DescribeFleets reports (its Errors), newest attempt's. */
  readonly errorCodes: readonly string[];
  /** False when a launch template the fleet launches from no longer exists: it cannot launch anything. */
  readonly launchTemplateExists: boolean;
}

/** A Spotbox-tagged resource as the cloud lists it, reduced to what the sweep decides on. */
export interface TaggedResource {
  readonly kind: ResourceKind;
  /** What deletes it: fleet id, instance id, launch template id, key pair name, security group id. */
  readonly id: string;
  /** A second, human name where the id is not one (template and group names). */
  readonly name?: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Epoch ms; security groups have none in EC2. */
  readonly createdAt?: number;
  /** Instances only: pending, running, shutting-down, stopping, stopped. */
  readonly state?: string;
  /** Fleets only (type maintain). */
  readonly fleet?: FleetFacts;
}

/** A resource no live box needs, with why, offered to the user for deletion. */
export interface Orphan {
  /** Set by sweepClouds when more than one cloud is swept: which cloud's call deletes it. */
  readonly cloud?: CloudId;
  readonly kind: ResourceKind;
  readonly id: string;
  readonly name?: string;
  readonly region: string;
  readonly sessionId?: string;
  readonly boxName?: string;
  /** Its spotbox:owner tag: an installation's owner id, or (older Spotbox versions) an OS user name. */
  readonly owner?: string;
  /** Epoch ms: its own creation time, or for a security group its session's oldest sibling's. */
  readonly createdAt?: number;
  readonly reason: string;
  /**
   * Stopped instances of the same session. Deleting this resource while one of them is kept would
   * leave that instance without its key or group, so the sweep only does it when they go too.
   */
  readonly dependsOnInstances?: readonly string[];
}

export interface OrphanScan {
  /** What can be deleted, fleets first, then instances. */
  readonly orphans: readonly Orphan[];
  /** Would be orphans but are younger than the grace period: a launch may be creating them now. */
  readonly recent: readonly Orphan[];
  /**
   * What no live box needs but another Spotbox installation (a colleague in the same account, this
   * user's other machine) or an older Spotbox version tagged: shown apart, never ticked by default.
   */
  readonly otherOwners: readonly Orphan[];
  /** Regions that could not be read, as "region: why"; their resources are neither listed nor touched. */
  readonly problems: readonly string[];
}

export interface SweepProgress {
  readonly message: string;
  readonly done: number;
  readonly total: number;
}

export interface SweepResult {
  readonly deleted: readonly Orphan[];
  readonly failed: ReadonlyArray<{ readonly orphan: Orphan; readonly message: string }>;
  /** Not attempted: a stopped instance it belongs to was kept or could not be terminated, or the sweep was cancelled. */
  readonly skipped: ReadonlyArray<{ readonly orphan: Orphan; readonly reason: string }>;
}

/** What the sweep needs from the cloud, per region; EC2 in production (ec2HygieneCloud), a fake in unit tests. */
export interface HygieneCloud {
  /**
   * Every resource tagged spotbox:managed=true, whoever its owner: instances not yet terminated,
   * EC2 Fleets of type maintain not yet deleted.
   */
  listTagged(region: string): Promise<TaggedResource[]>;
  /**
   * DeleteFleets with TerminateInstances: the fleet stops launching and EC2 terminates its instances.
   * A fleet the answer lists as unsuccessful fails with its code as the error's name (the fleet
   * already gone: InvalidFleetId.NotFound).
   */
  deleteFleet(region: string, fleetId: string): Promise<void>;
  terminateInstances(region: string, instanceIds: readonly string[]): Promise<void>;
  /** The given instances that still exist and are not terminated. */
  remainingInstances(region: string, instanceIds: readonly string[]): Promise<string[]>;
  deleteLaunchTemplate(region: string, launchTemplateId: string): Promise<void>;
  deleteKeyPair(region: string, keyName: string): Promise<void>;
  /** Fails with DependencyViolation while an instance still uses the group. */
  deleteSecurityGroup(region: string, groupId: string): Promise<void>;
}
