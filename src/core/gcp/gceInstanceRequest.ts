import type { AcceleratorConfig, InstanceInsert, InstanceProperties, InstanceTemplate, MetadataItem } from './computeTypes';
import { spotboxLabels, WORKSPACE_DIR_METADATA_KEY } from './gceLabels';

/** Series whose machine types carry their GPUs: no `guestAccelerators` (Google refuses them there). */
const BUILT_IN_GPU_SERIES = ['a2', 'a3', 'a4', 'g2', 'g4'];
/** GPUs that attach to N1 machine types through `guestAccelerators`. */
const N1_ACCELERATORS = new Set(['nvidia-tesla-t4', 'nvidia-tesla-v100', 'nvidia-tesla-p4', 'nvidia-tesla-p100']);

export interface GceSpotBoxSpec {
  /** Instance name: `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`. */
  readonly name: string;
  readonly project: string;
  readonly zone: string;
  readonly machineType: string;
  /** For n1 types only: e.g. `{ type: 'nvidia-tesla-t4', count: 1 }`. */
  readonly accelerator?: { readonly type: string; readonly count: number };
  /**
   * Boot image: a URL or partial URL, e.g. a Deep Learning VM family
   * `projects/deeplearning-platform-release/global/images/family/common-cu124-debian-11-py310`.
   */
  readonly image: string;
  readonly diskSizeGb: number;
  /** Default `pd-balanced`. */
  readonly diskType?: string;
  /** Default `global/networks/default`. */
  readonly network?: string;
  readonly subnetwork?: string;
  /** The login user and one public key line (`ssh-ed25519 AAAA... comment`), written as metadata `ssh-keys`. */
  readonly sshUser: string;
  readonly sshPublicKey: string;
  readonly startupScript?: string;
  /** Ownership labels (see gceLabels.ts). */
  readonly labels: { readonly box: string; readonly owner: string; readonly session?: string; readonly lineage?: string; readonly sshPort?: string };
  readonly workspaceDir?: string;
  /** Service account for the box (checkpoint uploads to GCS); none when absent. */
  readonly serviceAccount?: { readonly email: string; readonly scopes: readonly string[] };
  /** More metadata items (the agent's configuration, ...). */
  readonly metadata?: readonly MetadataItem[];
}

/** The network tag the box's firewall rule targets. */
export function boxNetworkTag(boxName: string): string {
  return `spotbox-${boxName}`.slice(0, 63).replace(/-+$/, '');
}

/** `n1-standard-8` -> `n1`. */
export function machineSeries(machineType: string): string {
  return machineType.split('-')[0].toLowerCase();
}

export function hasBuiltInGpus(machineType: string): boolean {
  return BUILT_IN_GPU_SERIES.includes(machineSeries(machineType));
}

/**
 * The `instances.insert` body of a Spot box: deleted (not stopped) when Google takes it back,
 * TERMINATE on host maintenance (the only choice with GPUs), no automatic restart; labels for
 * ownership; SSH key, startup script and `enable-guest-attributes` (host keys) in the metadata.
 */
export function buildSpotInstance(spec: GceSpotBoxSpec): InstanceInsert {
  checkSpec(spec);
  const zonePath = `zones/${spec.zone}`;
  return {
    name: spec.name,
    ...spotProperties(spec, {
      machineType: `${zonePath}/machineTypes/${spec.machineType}`,
      diskType: `${zonePath}/diskTypes/${spec.diskType ?? 'pd-balanced'}`,
      acceleratorType: (type) => `projects/${spec.project}/${zonePath}/acceleratorTypes/${type}`,
    }),
  };
}

/**
 * The instance template of a box kept by a managed instance group: the same Spot VM as
 * buildSpotInstance, with no zone (machine, disk and GPU types are bare names, as templates take
 * them). `spec.name` names the template, the group, the network tag and the key: the group's VMs
 * are named by Google after it.
 */
export function buildSpotTemplate(spec: Omit<GceSpotBoxSpec, 'zone'>): InstanceTemplate {
  checkSpec(spec);
  return {
    name: spec.name,
    description: `Spotbox: the Spot VM of ${spec.labels.box}, kept by the managed instance group ${spec.name}.`,
    properties: spotProperties(spec, { machineType: spec.machineType, diskType: spec.diskType ?? 'pd-balanced', acceleratorType: (type) => type }),
  };
}

/** Where the types live: zone URLs for an instance, bare names for a template. */
interface TypeNames {
  readonly machineType: string;
  readonly diskType: string;
  readonly acceleratorType: (type: string) => string;
}

function spotProperties(spec: Omit<GceSpotBoxSpec, 'zone'>, types: TypeNames): InstanceProperties {
  const guestAccelerators: AcceleratorConfig[] | undefined = spec.accelerator ? [{ acceleratorType: types.acceleratorType(spec.accelerator.type), acceleratorCount: spec.accelerator.count }] : undefined;
  const metadata: MetadataItem[] = [
    { key: 'ssh-keys', value: `${spec.sshUser}:${spec.sshPublicKey.trim()}` },
    { key: 'enable-guest-attributes', value: 'TRUE' },
    ...(spec.startupScript !== undefined ? [{ key: 'startup-script', value: spec.startupScript }] : []),
    // Deep Learning VM images install the NVIDIA driver at first boot only when asked.
    ...(/deeplearning-platform-release/.test(spec.image) ? [{ key: 'install-nvidia-driver', value: 'True' }] : []),
    ...(spec.workspaceDir !== undefined ? [{ key: WORKSPACE_DIR_METADATA_KEY, value: spec.workspaceDir }] : []),
    ...(spec.metadata ?? []),
  ];
  const labels = spotboxLabels({ box: spec.labels.box, owner: spec.labels.owner, session: spec.labels.session, lineage: spec.labels.lineage, sshUser: spec.sshUser, sshPort: spec.labels.sshPort });
  return {
    machineType: types.machineType,
    labels,
    tags: { items: [boxNetworkTag(spec.name)] },
    metadata: { items: metadata },
    disks: [
      {
        boot: true,
        autoDelete: true,
        type: 'PERSISTENT',
        initializeParams: { sourceImage: spec.image, diskSizeGb: String(spec.diskSizeGb), diskType: types.diskType, labels },
      },
    ],
    networkInterfaces: [
      {
        network: spec.network ?? 'global/networks/default',
        ...(spec.subnetwork ? { subnetwork: spec.subnetwork } : {}),
        // An external address, reachable only on 22 and only from the caller (gceFirewallRequest.ts).
        accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }],
      },
    ],
    scheduling: { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE', onHostMaintenance: 'TERMINATE', automaticRestart: false },
    ...(guestAccelerators ? { guestAccelerators } : {}),
    ...(spec.serviceAccount ? { serviceAccounts: [{ email: spec.serviceAccount.email, scopes: [...spec.serviceAccount.scopes] }] } : {}),
  };
}

function checkSpec(spec: Omit<GceSpotBoxSpec, 'zone'> & { readonly zone?: string }): void {
  const problems: string[] = [];
  if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(spec.name)) problems.push(`"${spec.name}" is not a GCE instance name (lowercase letters, digits and dashes, 1-63, starting with a letter)`);
  if (spec.zone !== undefined && !/^[a-z]+-[a-z]+\d+-[a-z]$/.test(spec.zone)) problems.push(`"${spec.zone}" is not a zone such as us-central1-a`);
  if (!/^[a-z0-9][-a-z0-9]*$/.test(spec.machineType)) problems.push(`"${spec.machineType}" is not a machine type name`);
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/.test(spec.sshUser)) problems.push(`"${spec.sshUser}" is not a Linux user name`);
  if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( [^\n]*)?$/.test(spec.sshPublicKey.trim())) problems.push('the SSH public key is not one OpenSSH public key line');
  if (!Number.isInteger(spec.diskSizeGb) || spec.diskSizeGb < 10) problems.push('the boot disk needs at least 10 GB');
  if (spec.accelerator) {
    if (hasBuiltInGpus(spec.machineType)) problems.push(`${spec.machineType} carries its own GPUs; it takes no accelerator`);
    else if (machineSeries(spec.machineType) !== 'n1') problems.push(`GPUs attach only to N1 machine types, not ${spec.machineType}`);
    if (!N1_ACCELERATORS.has(spec.accelerator.type)) problems.push(`"${spec.accelerator.type}" is not a GPU that attaches to N1 (${[...N1_ACCELERATORS].join(', ')})`);
    if (![1, 2, 4, 8].includes(spec.accelerator.count)) problems.push('an N1 box takes 1, 2, 4 or 8 GPUs');
  }
  if (problems.length > 0) throw new Error(`Cannot build the GCE instance: ${problems.join('; ')}.`);
}
