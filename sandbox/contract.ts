/**
 * The seams between the sandbox's parts: the EC2 and Compute Engine emulators (sandbox/ec2,
 * sandbox/gcp), the box host that runs real sshd boxes with their metadata service
 * (sandbox/boxes), and the composition in sandbox/main.ts that adds S3, GCS, the control API and
 * the CLI. Each part depends only on this file. The Azure emulator (sandbox/azure) boots its VMs
 * through the same box host with `spec.azure` set.
 */

export type InstanceLifecycle = 'spot' | 'on-demand';

export type InstanceAction = 'terminate' | 'stop' | 'hibernate';

/**
 * What a box is asked to become; built by the EC2 emulator from RunInstances / CreateFleet, or by
 * the Compute Engine emulator from instances.insert (then `gce` is set, and the EC2 fields carry
 * their GCE counterparts: zone, machine type, image).
 */
export interface BoxSpec {
  readonly instanceId: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
  readonly lifecycle: InstanceLifecycle;
  readonly amiId: string;
  /** The image's login user (`ubuntu`, `ec2-user`): the launch key is installed for it, not for root. */
  readonly loginUser: string;
  /** OpenSSH public key line of the launch key pair; absent when launched without a key. */
  readonly authorizedKey?: string;
  /** User data exactly as the caller passed it to RunInstances (base64). */
  readonly userDataBase64?: string;
  readonly httpTokens: 'required' | 'optional';
  /** Time from launch to sshd accepting connections. */
  readonly bootDelayMs: number;
  /** Extra environment for every process in the box (S3 endpoint, dummy credentials, ...). */
  readonly environment: Readonly<Record<string, string>>;
  /** Address kept from an earlier boot (sandbox restart); the host allocates one when absent. */
  readonly previousAddress?: BoxAddress;
  /** Present for a Compute Engine instance: the box imitates GCE's guest environment instead of EC2's. */
  readonly gce?: GceGuest;
  /** Present for an Azure VM: the box imitates an Azure Linux guest (IMDS, Scheduled Events, cloud-init's Azure datasource). */
  readonly azure?: AzureGuest;
}

/**
 * What differs on an Azure guest: IMDS at 169.254.169.254 (`Metadata: true`; in the sandbox at the
 * box's own address, announced as AZURE_POD_IDENTITY_AUTHORITY_HOST, the override Azure's identity
 * libraries honour), Scheduled Events, the managed identity's tokens, the host name (the VM name),
 * and customData as cloud-init reads it. The EC2 fields carry their Azure counterparts: location,
 * VM size, image URN; `loginUser` is `osProfile.adminUsername`.
 */
export interface AzureGuest {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly vmName: string;
  /** `osProfile.computerName`, the guest's hostname (a scale set instance's differs from its VM name); absent: the VM name. */
  readonly computerName?: string;
  /** The Flexible scale set the VM is an instance of (IMDS `compute.vmScaleSetName`). */
  readonly vmScaleSetName?: string;
  /** `properties.vmId`: a GUID, new for every VM (a replacement has a new one). */
  readonly vmId: string;
  readonly location: string;
  readonly vmSize: string;
  readonly priority: 'Regular' | 'Low' | 'Spot';
  readonly evictionPolicy?: 'Deallocate' | 'Delete';
  /** `billingProfile.maxPrice`: -1 is "up to the pay-as-you-go price". */
  readonly maxPrice?: number;
  /** `osProfile.customData` as given (base64); cloud-init runs it when it starts with `#!`. */
  readonly customDataBase64?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The system-assigned identity, when the VM has one (IMDS then issues its tokens). */
  readonly identity?: { readonly principalId: string; readonly tenantId: string };
}

/** One event of the Scheduled Events document, spelled as IMDS spells it. */
export interface AzureScheduledEvent {
  readonly EventId: string;
  readonly EventType: 'Reboot' | 'Redeploy' | 'Freeze' | 'Preempt' | 'Terminate';
  readonly ResourceType: 'VirtualMachine';
  /** VM names (`Resources: ["myvm"]`). */
  readonly Resources: readonly string[];
  readonly EventStatus: 'Scheduled' | 'Started';
  /** RFC 1123, e.g. "Mon, 19 Sep 2016 18:29:47 GMT"; '' once Started. */
  readonly NotBefore: string;
  readonly Description: string;
  readonly EventSource: 'Platform' | 'User';
  readonly DurationInSeconds: number;
}

/** An Azure box's changing metadata, owned by the ARM emulator's state. */
export interface AzureMetadataView {
  readonly scheduledEvents: { readonly DocumentIncarnation: number; readonly Events: readonly AzureScheduledEvent[] };
  /**
   * The managed identity's token for `resource` (e.g. https://storage.azure.com/), as IMDS's
   * /metadata/identity/oauth2/token answers it; undefined when the VM has no identity.
   */
  managedIdentityToken?(resource: string): { readonly access_token: string; readonly expires_on: string; readonly expires_in: string; readonly resource: string; readonly token_type: 'Bearer' } | undefined;
}

/**
 * What differs on a Compute Engine guest: the metadata server (computeMetadata/v1 with
 * `Metadata-Flavor: Google`, at GCE_METADATA_HOST), the host name (the instance name), the startup
 * script run at every boot, and the host keys the guest agent publishes as guest attributes.
 */
export interface GceGuest {
  readonly project: string;
  /** Decimal project number; `instance/zone` reads `projects/<number>/zones/<zone>`. */
  readonly projectNumber: string;
  readonly zone: string;
  readonly instanceName: string;
  /** The instance's numeric id (decimal string), as `instance/id` answers it. */
  readonly numericId: string;
  readonly machineType: string;
  /** Metadata item `startup-script`: run as root at every boot, as google_metadata_script_runner does. */
  readonly startupScript?: string;
  readonly serviceAccount?: { readonly email: string; readonly scopes: readonly string[] };
}

/** Where a box can be reached. In 'loopback-ip' mode sshPort is 22 and ip is 127.0.0.N (N >= 2). */
export interface BoxAddress {
  readonly ip: string;
  readonly sshPort: number;
  /**
   * The box's metadata service, e.g. http://127.0.0.7:1338: AWS_EC2_METADATA_SERVICE_ENDPOINT
   * inside an EC2 box; a GCE box gets its host:port as GCE_METADATA_HOST.
   */
  readonly imdsEndpoint: string;
}

/** The changing part of a box's metadata, owned by the emulator's state. */
export interface MetadataView {
  readonly instanceAction?: { readonly action: InstanceAction; readonly time: string };
  readonly rebalanceNoticeTime?: string;
  /** A Compute Engine box's changing metadata (the box host serves it only to a box with `spec.gce`). */
  readonly gce?: GceMetadataView;
  /** An Azure box's changing metadata (served only to a box with `spec.azure`). */
  readonly azure?: AzureMetadataView;
}

export interface GceMetadataView {
  /** `instance/preempted`: TRUE from the preemption notice on. */
  readonly preempted: boolean;
  /** `instance/maintenance-event`: NONE, MIGRATE_ON_HOST_MAINTENANCE or TERMINATE_ON_HOST_MAINTENANCE. */
  readonly maintenanceEvent: string;
  /** `instance/attributes/`: the instance's metadata items (ssh-keys, startup-script, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly projectAttributes: Readonly<Record<string, string>>;
  /** `instance/service-accounts/default/token`: absent when the instance has no service account. */
  readonly accessToken?: { readonly token: string; readonly expiresAtMs: number };
}

/** A host public key as sshd presents it (what GCE's guest agent publishes as `hostkeys/<algorithm>`). */
export interface SshHostPublicKey {
  /** e.g. 'ssh-ed25519', 'ecdsa-sha2-nistp256' */
  readonly algorithm: string;
  readonly blobBase64: string;
}

export interface BoxLifecycleListener {
  /** sshd is listening and the host key is known (instance becomes 'running' with its IPs). */
  onSshReady(instanceId: string, hostKeys?: readonly SshHostPublicKey[]): void;
  /** The box died on its own (its init process exited); the emulator may mark it terminated. */
  onBoxExited?(instanceId: string, reason: string): void;
  /** An Azure box POSTed `{"StartRequests":[{"EventId":…}]}` to Scheduled Events: those events may start now. */
  onScheduledEventsStarted?(instanceId: string, eventIds: readonly string[]): void;
}

export interface BoxHost {
  readonly mode: 'loopback-ip' | 'per-box-port';
  /**
   * Allocates the box's address and disk and starts booting it; resolves as soon as the address
   * is known (before sshd is up). Boot continues in the background and calls listener.onSshReady.
   */
  boot(spec: BoxSpec, metadata: () => MetadataView, listener: BoxLifecycleListener): Promise<BoxAddress>;
  /** Console text as cloud-init prints it (host key fingerprints ...); '' until the box has printed it. */
  consoleOutput(instanceId: string): string;
  /** Kills every process of the box and deletes its disk (delete-on-termination). */
  terminate(instanceId: string): Promise<void>;
  /** Drops the box's established SSH connections; resolves with how many were dropped. */
  dropSshConnections(instanceId: string): Promise<number>;
  /** Sandbox shutdown: kills every process of every box but keeps disks, so a restart can boot them again. */
  stopAll(): Promise<void>;
}

/**
 * A box host that can also power a box off the way Compute Engine does: ACPI G2 soft off (every
 * process but init gets SIGTERM) and G3 off (all killed, the disk kept, as a STOPped VM keeps its
 * boot disk). EC2's emulator needs neither.
 */
export interface PowerControlledBoxHost extends BoxHost {
  /** Resolves with how many processes got SIGTERM (0 when the box is not running). */
  softOff(instanceId: string): Promise<number>;
  /** Kills every process of the box and its metadata service; keeps its disk for a later boot. */
  powerOff(instanceId: string): Promise<void>;
}

export type SandboxEventKind =
  | 'instance-launched'
  | 'instance-running'
  | 'instance-terminated'
  | 'spot-interruption-notice'
  | 'rebalance-recommendation'
  | 'hard-termination'
  | 'price-spike'
  | 'capacity-fault'
  | 'throttle-fault'
  | 'latency-fault'
  | 's3-fault'
  | 's3-owner-refused'
  | 'pricing-fault'
  | 'ssh-drop'
  | 'fis-experiment'
  | 'fleet-created'
  | 'fleet-launch'
  | 'fleet-launch-failed'
  | 'fleet-modified'
  | 'fleet-deleted'
  | 'sandbox-started'
  | 'sandbox-stopped'
  | 'gce-instance-inserted'
  | 'gce-instance-running'
  | 'gce-instance-deleted'
  | 'gce-preemption-notice'
  | 'gce-preempted'
  | 'gce-fault'
  | 'gce-mig-inserted'
  | 'gce-mig-instance-creating'
  | 'gce-mig-instance-failed'
  | 'gce-mig-instance-running'
  | 'gce-mig-repair'
  | 'gce-mig-resized'
  | 'gce-mig-deleted'
  | 'gcs-fault'
  | 'azure-vm-created'
  | 'azure-vm-running'
  | 'azure-vm-deleted'
  | 'azure-eviction-scheduled'
  | 'azure-eviction-acknowledged'
  | 'azure-evicted'
  | 'azure-fault'
  | 'azure-resource-group-deleted'
  | 'azure-vmss-created'
  | 'azure-vmss-deleted'
  | 'azure-vmss-restored'
  | 'azure-vmss-restore-retry'
  | 'azure-vmss-restore-timed-out';

export interface SandboxEvent {
  readonly time: string;
  readonly kind: SandboxEventKind;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface EventSink {
  record(kind: SandboxEventKind, details: Record<string, unknown>): void;
}
