/** The parts of Compute Engine v1 resources Spotbox reads or writes (field names as Google's API has them). */

import type { OperationErrorItem } from './gceErrors';

export interface Operation {
  readonly kind?: string;
  readonly id?: string;
  readonly name: string;
  /** Zone URL for zonal operations; absent for global ones. */
  readonly zone?: string;
  readonly region?: string;
  readonly operationType?: string;
  readonly targetLink?: string;
  readonly targetId?: string;
  readonly status: 'PENDING' | 'RUNNING' | 'DONE';
  readonly progress?: number;
  readonly insertTime?: string;
  readonly endTime?: string;
  readonly error?: { readonly errors?: readonly OperationErrorItem[] };
  readonly warnings?: readonly ComputeWarning[];
  readonly httpErrorStatusCode?: number;
  readonly httpErrorMessage?: string;
  readonly selfLink?: string;
}

export interface ComputeWarning {
  readonly code?: string;
  readonly message?: string;
  readonly data?: ReadonlyArray<{ readonly key?: string; readonly value?: string }>;
}

export interface MetadataItem {
  readonly key: string;
  readonly value: string;
}

export interface AttachedDisk {
  readonly boot?: boolean;
  readonly autoDelete?: boolean;
  readonly type?: 'PERSISTENT' | 'SCRATCH';
  readonly mode?: 'READ_WRITE' | 'READ_ONLY';
  readonly deviceName?: string;
  readonly initializeParams?: { readonly sourceImage?: string; readonly diskSizeGb?: string; readonly diskType?: string; readonly labels?: Readonly<Record<string, string>> };
}

export interface NetworkInterface {
  readonly network?: string;
  readonly subnetwork?: string;
  readonly networkIP?: string;
  readonly accessConfigs?: ReadonlyArray<{ readonly type?: 'ONE_TO_ONE_NAT'; readonly name?: string; readonly natIP?: string; readonly networkTier?: 'PREMIUM' | 'STANDARD' }>;
}

export interface Scheduling {
  readonly provisioningModel?: 'SPOT' | 'STANDARD';
  readonly instanceTerminationAction?: 'DELETE' | 'STOP';
  readonly onHostMaintenance?: 'TERMINATE' | 'MIGRATE';
  readonly automaticRestart?: boolean;
  readonly preemptible?: boolean;
}

export interface AcceleratorConfig {
  /** Full or partial URL: `projects/p/zones/z/acceleratorTypes/nvidia-tesla-t4` (insert), a URL (get). */
  readonly acceleratorType: string;
  readonly acceleratorCount: number;
}

/** An instance as `instances.insert` takes it. */
export interface InstanceInsert {
  readonly name: string;
  readonly machineType: string;
  readonly description?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly tags?: { readonly items: readonly string[] };
  readonly metadata?: { readonly items: readonly MetadataItem[] };
  readonly disks: readonly AttachedDisk[];
  readonly networkInterfaces: readonly NetworkInterface[];
  readonly scheduling: Scheduling;
  readonly guestAccelerators?: readonly AcceleratorConfig[];
  readonly serviceAccounts?: ReadonlyArray<{ readonly email: string; readonly scopes: readonly string[] }>;
}

/** An instance template's `properties`: an instance without name or zone; machine, disk and GPU types are bare names. */
export type InstanceProperties = Omit<InstanceInsert, 'name'>;

/** A global instance template, as `instanceTemplates.insert` takes it and `get` returns it. */
export interface InstanceTemplate {
  readonly name: string;
  readonly description?: string;
  readonly properties: InstanceProperties;
  readonly id?: string;
  readonly creationTimestamp?: string;
  readonly selfLink?: string;
}

/** A regional managed instance group, as `regionInstanceGroupManagers.insert` takes it and `get` returns it. */
export interface InstanceGroupManager {
  readonly name: string;
  readonly description?: string;
  readonly baseInstanceName: string;
  /** Template URL (partial on insert: `global/instanceTemplates/<name>`). */
  readonly instanceTemplate: string;
  readonly targetSize: number;
  readonly distributionPolicy?: { readonly zones?: ReadonlyArray<{ readonly zone: string }>; readonly targetShape?: 'EVEN' | 'BALANCED' | 'ANY' | 'ANY_SINGLE_ZONE' };
  readonly instanceFlexibilityPolicy?: { readonly instanceSelections?: Readonly<Record<string, { readonly machineTypes: readonly string[]; readonly rank?: number }>> };
  readonly updatePolicy?: { readonly type?: 'PROACTIVE' | 'OPPORTUNISTIC'; readonly instanceRedistributionType?: 'PROACTIVE' | 'NONE' };
  readonly id?: string;
  readonly region?: string;
  readonly creationTimestamp?: string;
  readonly currentActions?: Readonly<Record<string, number>>;
  readonly status?: { readonly isStable?: boolean };
  readonly selfLink?: string;
}

/** One VM of a managed instance group (`listManagedInstances`). */
export interface ManagedInstance {
  /** Instance URL. */
  readonly instance?: string;
  readonly id?: string;
  readonly name?: string;
  readonly instanceStatus?: NonNullable<Instance['status']>;
  readonly currentAction?: string;
  readonly lastAttempt?: { readonly errors?: { readonly errors?: readonly OperationErrorItem[] } };
}

/** A failed try of a managed instance group (`listErrors`). */
export interface InstanceManagedByIgmError {
  readonly error?: { readonly code?: string; readonly message?: string };
  readonly instanceActionDetails?: { readonly action?: string; readonly instance?: string };
  readonly timestamp?: string;
}

/** An instance as `instances.get` / `list` return it. */
export interface Instance {
  readonly id?: string;
  readonly name: string;
  /** Zone URL. */
  readonly zone?: string;
  /** Machine type URL. */
  readonly machineType?: string;
  readonly status?: 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUSPENDING' | 'SUSPENDED' | 'REPAIRING' | 'TERMINATED';
  readonly statusMessage?: string;
  readonly creationTimestamp?: string;
  readonly lastStartTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly labelFingerprint?: string;
  readonly tags?: { readonly items?: readonly string[]; readonly fingerprint?: string };
  readonly metadata?: { readonly items?: readonly MetadataItem[]; readonly fingerprint?: string };
  readonly networkInterfaces?: readonly NetworkInterface[];
  readonly scheduling?: Scheduling;
  readonly guestAccelerators?: readonly AcceleratorConfig[];
  readonly selfLink?: string;
}

export interface GuestAttribute {
  readonly namespace?: string;
  readonly key?: string;
  readonly value?: string;
}

export interface GuestAttributes {
  readonly queryPath?: string;
  readonly queryValue?: { readonly items?: readonly GuestAttribute[] };
}

export interface SerialPortOutput {
  readonly contents?: string;
  /** Byte offset of `contents`; older output may have been dropped, so it can exceed the `start` asked for. */
  readonly start?: string;
  /** Where the next call should start. */
  readonly next?: string;
}

export interface FirewallRule {
  readonly name: string;
  readonly description?: string;
  readonly network?: string;
  readonly direction?: 'INGRESS' | 'EGRESS';
  readonly priority?: number;
  readonly sourceRanges?: readonly string[];
  readonly targetTags?: readonly string[];
  readonly allowed?: ReadonlyArray<{ readonly IPProtocol: string; readonly ports?: readonly string[] }>;
  readonly denied?: ReadonlyArray<{ readonly IPProtocol: string; readonly ports?: readonly string[] }>;
  readonly disabled?: boolean;
  readonly selfLink?: string;
  readonly creationTimestamp?: string;
}

/** A zone as `zones.list` returns it. */
export interface Zone {
  readonly name: string;
  /** Region URL. */
  readonly region?: string;
  readonly status?: 'UP' | 'DOWN';
}

export interface MachineType {
  readonly name: string;
  readonly zone?: string;
  readonly guestCpus: number;
  readonly memoryMb: number;
  readonly description?: string;
  readonly accelerators?: ReadonlyArray<{ readonly guestAcceleratorType: string; readonly guestAcceleratorCount: number }>;
  readonly isSharedCpu?: boolean;
  readonly deprecated?: { readonly state?: string };
}

/** A page of a zonal or global list. */
export interface ListPage<T> {
  readonly items?: readonly T[];
  readonly nextPageToken?: string;
  readonly warning?: ComputeWarning;
}

/** A page of an aggregated list: `items` keyed by `zones/<zone>`. */
export interface AggregatedPage<K extends string, T> {
  readonly items?: Readonly<Record<string, { readonly [key in K]?: readonly T[] } & { readonly warning?: ComputeWarning }>>;
  readonly nextPageToken?: string;
  readonly unreachables?: readonly string[];
}

/** The last path segment of a resource URL (`.../zones/us-central1-a` -> `us-central1-a`). */
export function lastSegment(url: string | undefined): string | undefined {
  return url?.split('/').filter((part) => part !== '').pop();
}
