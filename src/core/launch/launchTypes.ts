export type AllocationStrategy = 'price-capacity-optimized' | 'lowest-price' | 'capacity-optimized';

/** Everything one launch needs, already validated (profile parsing happens before this). */
export interface LaunchRequest {
  /** Lower-case letters, digits and dashes; names the box and its resources. */
  readonly boxName: string;
  readonly region: string;
  /** Fleet overrides: every type x zone the box may land in. */
  readonly pools: ReadonlyArray<{ readonly instanceType: string; readonly availabilityZone?: string }>;
  readonly imageId: string;
  /** The max-price guard, USD per hour: refused before anything is created if spot is above it. */
  readonly maxPricePerHour: number;
  readonly allocationStrategy: AllocationStrategy;
  /** Launch on-demand when no spot capacity is found (never silently: the result says so). */
  readonly onDemandFallback: boolean;
  readonly volumeGb: number;
  /** Where SSH may come from: the caller's public IP as a /32. */
  readonly sshCidr: string;
  /** Script run at first boot (cloud-init user data), plain text. */
  readonly userData?: string;
  /**
   * The installation's owner id (hygiene/ownership.ts), tagged spotbox:owner on everything the launch
   * creates: the sweep and release act only on resources carrying it, with spotbox:managed=true.
   */
  readonly owner: string;
  /** Recorded on the instance as tags, so that any editor window can attach without the profile. */
  readonly sshUser?: string;
  readonly workspaceDir?: string;
  readonly lineage?: string;
  /** IAM instance profile name for the box (its agent writes checkpoints with it). */
  readonly instanceProfile?: string;
  /**
   * 'maintain': an EC2 Fleet of type maintain with a target of one keeps the lineage alive with no
   * editor open (it replaces a reclaimed box from the same pools; the box restores itself at boot).
   * Absent: an instant fleet, one box, replaced by the editor.
   */
  readonly fleetType?: 'maintain';
  /** How long a maintain fleet may take to launch its first box before the launch gives up (default 60 s). */
  readonly fleetWaitMs?: number;
  /** Folder for the private key (written 0600). */
  readonly keyDirectory: string;
}

export interface LaunchedBox {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly availabilityZone?: string;
  readonly lifecycle: 'spot' | 'on-demand';
  readonly region: string;
  readonly sessionId: string;
  readonly keyPairName: string;
  readonly privateKeyPath: string;
  readonly securityGroupId: string;
  readonly launchTemplateId: string;
  /** Pools the fleet tried and could not use (errorSet), for the log and the user. */
  readonly fleetErrors: readonly string[];
  /** The account that owns the instance (its reservation's OwnerId), when EC2 said. */
  readonly accountId?: string;
  /** The EC2 Fleet of type maintain that keeps this box's lineage running (LaunchRequest.fleetType). */
  readonly fleetId?: string;
}

export type LaunchStep = 'price-check' | 'key-pair' | 'security-group' | 'launch-template' | 'fleet' | 'rollback';

export interface LaunchProgress {
  readonly step: LaunchStep;
  readonly message: string;
}
