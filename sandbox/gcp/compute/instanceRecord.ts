import type { BoxAddress, SshHostPublicKey } from '../../contract';

export type MaintenanceEvent = 'NONE' | 'MIGRATE_ON_HOST_MAINTENANCE' | 'TERMINATE_ON_HOST_MAINTENANCE';

export type InstanceStatus = 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'TERMINATED';

export interface MetadataItem {
  readonly key: string;
  readonly value: string;
}

export interface SchedulingSettings {
  readonly provisioningModel: 'SPOT' | 'STANDARD';
  readonly preemptible: boolean;
  readonly automaticRestart: boolean;
  readonly onHostMaintenance: 'TERMINATE' | 'MIGRATE';
  /** Spot only: what preemption does to the VM (GCE's default is STOP). */
  readonly instanceTerminationAction?: 'STOP' | 'DELETE';
  /** Spot only: seconds of metadata notice before the soft off. */
  readonly preemptionNoticeSeconds?: number;
}

/** One Compute Engine instance as the emulator keeps it; rendered to the API's Instance resource on read. */
export interface InstanceRecord {
  readonly id: string;
  readonly project: string;
  readonly zone: string;
  readonly name: string;
  readonly machineType: string;
  readonly creationMs: number;
  readonly description: string;
  readonly labels: Record<string, string>;
  readonly tags: string[];
  metadataItems: MetadataItem[];
  metadataFingerprint: string;
  readonly scheduling: SchedulingSettings;
  readonly guestAccelerators: ReadonlyArray<{ readonly acceleratorType: string; readonly acceleratorCount: number }>;
  /** The insert request's disks, echoed back with the fields GCE fills in. */
  readonly disks: ReadonlyArray<Record<string, unknown>>;
  readonly sourceImage: string;
  readonly serviceAccount?: { readonly email: string; readonly scopes: readonly string[] };
  readonly loginUser?: string;
  readonly enableGuestAttributes: boolean;
  status: InstanceStatus;
  statusMessage?: string;
  address?: BoxAddress;
  hostKeys?: readonly SshHostPublicKey[];
  preempted: boolean;
  /** `instance/maintenance-event` when a host maintenance is announced; NONE when absent. */
  maintenanceEvent?: MaintenanceEvent;
  lastStartMs?: number;
  lastStopMs?: number;
}

export function metadataValue(record: InstanceRecord, key: string): string | undefined {
  return record.metadataItems.find((item) => item.key === key)?.value;
}
