/** A regional managed instance group as the emulator keeps it (and writes to the state file). */
import type { OperationError } from './operations';

export type TargetShape = 'EVEN' | 'BALANCED' | 'ANY' | 'ANY_SINGLE_ZONE';

/** The currentAction values the sandbox's groups use (GCE has more: RESTARTING, VERIFYING, ...). */
export type ManagedInstanceAction = 'NONE' | 'CREATING' | 'RECREATING' | 'DELETING';

/** One managed instance: a name the group keeps a VM for, whether or not the VM exists right now. */
export interface ManagedInstanceRecord {
  readonly name: string;
  currentAction: ManagedInstanceAction;
  /** Zone of its VM, or of the last creation attempt. */
  zone?: string;
  /** Machine type of its VM, or of the last creation attempt. */
  machineType?: string;
  /** Id of the VM the group created for it; another id under the same name is not that VM. */
  instanceId?: string;
  /** Errors of the last creation attempt (`lastAttempt.errors.errors`); cleared when one succeeds. */
  lastAttemptErrors?: OperationError[];
  /** No creation attempt starts before this (repair delay, retry backoff), epoch ms. */
  notBeforeMs?: number;
}

/** A listErrors item. */
export interface MigErrorRecord {
  readonly code: string;
  readonly message: string;
  readonly action: 'CREATING' | 'RECREATING';
  readonly zone: string;
  readonly instanceName: string;
  readonly timeMs: number;
}

export interface InstanceSelection {
  readonly machineTypes: readonly string[];
  readonly rank?: number;
}

export interface MigRecord {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly creationMs: number;
  readonly description: string;
  readonly baseInstanceName: string;
  readonly templateName: string;
  targetSize: number;
  readonly zones: readonly string[];
  readonly targetShape: TargetShape;
  /** instanceFlexibilityPolicy.instanceSelections, as sent. */
  readonly instanceSelections?: Readonly<Record<string, InstanceSelection>>;
  /** updatePolicy with the defaults Compute fills in. */
  readonly updatePolicy: Readonly<Record<string, unknown>>;
  readonly listManagedInstancesResults: 'PAGELESS' | 'PAGINATED';
  fingerprint: string;
  managed: ManagedInstanceRecord[];
  errors: MigErrorRecord[];
  /** delete was called: the group deletes its VMs, then itself. */
  deleting: boolean;
}
