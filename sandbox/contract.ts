/**
 * The seams between the sandbox's parts: the EC2 emulator (sandbox/ec2), the box host that runs
 * real sshd boxes with their metadata service (sandbox/boxes), and the composition in
 * sandbox/main.ts that adds S3, the control API and the CLI. Each part depends only on this file.
 */

export type InstanceLifecycle = 'spot' | 'on-demand';

export type InstanceAction = 'terminate' | 'stop' | 'hibernate';

/** What a box is asked to become; built by the EC2 emulator from RunInstances / CreateFleet. */
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
}

/** Where a box can be reached. In 'loopback-ip' mode sshPort is 22 and ip is 127.0.0.N (N >= 2). */
export interface BoxAddress {
  readonly ip: string;
  readonly sshPort: number;
  /** Value of AWS_EC2_METADATA_SERVICE_ENDPOINT inside the box, e.g. http://127.0.0.7:1338 */
  readonly imdsEndpoint: string;
}

/** The changing part of a box's metadata, owned by the EC2 emulator's state. */
export interface MetadataView {
  readonly instanceAction?: { readonly action: InstanceAction; readonly time: string };
  readonly rebalanceNoticeTime?: string;
}

export interface BoxLifecycleListener {
  /** sshd is listening and the host key is known (instance becomes 'running' with its IPs). */
  onSshReady(instanceId: string): void;
  /** The box died on its own (its init process exited); the emulator may mark it terminated. */
  onBoxExited?(instanceId: string, reason: string): void;
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
  | 'sandbox-stopped';

export interface SandboxEvent {
  readonly time: string;
  readonly kind: SandboxEventKind;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface EventSink {
  record(kind: SandboxEventKind, details: Record<string, unknown>): void;
}
