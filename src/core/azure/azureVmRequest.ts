import { TAGS } from '../aws/spotboxTags';
import type { Tags } from './armTypes';

/** `publisher:offer:sku:version`, as `az vm create --image` takes it. */
export interface ImageReference {
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly version: string;
}

/** Ubuntu 22.04 LTS (gen2), whose login user is the one osProfile names. */
export const DEFAULT_AZURE_IMAGE = 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest';

export function parseImageUrn(urn: string): ImageReference | undefined {
  const parts = urn.split(':');
  if (parts.length !== 4 || parts.some((part) => part.trim() === '')) return undefined;
  const [publisher, offer, sku, version] = parts.map((part) => part.trim());
  return { publisher, offer, sku, version };
}

export interface AzureSpotVmSpec {
  readonly name: string;
  readonly location: string;
  readonly vmSize: string;
  readonly image: ImageReference;
  readonly diskSizeGb: number;
  readonly adminUsername: string;
  readonly sshPublicKey: string;
  readonly customData: string;
  readonly networkInterfaceId: string;
  /** The profile's guard in USD per hour, or -1: up to the pay-as-you-go price, never evicted for price. */
  readonly maxPrice: number;
  readonly tags: Tags;
  /** A system-assigned identity, for the agent's Blob token. */
  readonly identity: boolean;
}

/**
 * The Spot VM as ARM takes it: `priority: Spot`, `evictionPolicy: Delete` (an evicted VM and its
 * disk are deleted; the group keeps the network, removed with the group), the price guard, password
 * login off, the one SSH key, boot diagnostics on (the serial log), and the OS disk deleted with
 * the VM (the NIC is the group's).
 */
export function buildSpotVm(spec: AzureSpotVmSpec): Record<string, unknown> {
  return {
    location: spec.location,
    tags: spec.tags,
    ...(spec.identity ? { identity: { type: 'SystemAssigned' } } : {}),
    properties: {
      ...spotTerms(spec.maxPrice),
      hardwareProfile: { vmSize: spec.vmSize },
      storageProfile: storageProfileOf(spec),
      osProfile: { computerName: spec.name, ...loginOf(spec) },
      // The NIC stays with the box's group: a VM that failed to allocate is deleted and the next size reuses it.
      networkProfile: { networkInterfaces: [{ id: spec.networkInterfaceId, properties: { primary: true, deleteOption: 'Detach' } }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    },
  };
}

/** Spot, deleted on eviction (its disk with it), and the price guard. */
export function spotTerms(maxPrice: number): Record<string, unknown> {
  return { priority: 'Spot', evictionPolicy: 'Delete', billingProfile: { maxPrice } };
}

/** The image and an OS disk deleted with the VM. */
export function storageProfileOf(spec: Pick<AzureSpotVmSpec, 'image' | 'diskSizeGb'>): Record<string, unknown> {
  return {
    imageReference: { ...spec.image },
    osDisk: { createOption: 'FromImage', deleteOption: 'Delete', diskSizeGB: spec.diskSizeGb, managedDisk: { storageAccountType: 'StandardSSD_LRS' } },
  };
}

/** The login: password login off, the one SSH key, and the customData cloud-init reads. */
export function loginOf(spec: Pick<AzureSpotVmSpec, 'adminUsername' | 'customData' | 'sshPublicKey'>): Record<string, unknown> {
  return {
    adminUsername: spec.adminUsername,
    customData: Buffer.from(spec.customData, 'utf8').toString('base64'),
    linuxConfiguration: {
      disablePasswordAuthentication: true,
      ssh: { publicKeys: [{ path: `/home/${spec.adminUsername}/.ssh/authorized_keys`, keyData: spec.sshPublicKey.trim() }] },
    },
  };
}

/** The tag that carries the box's SSH host key, written by the launch: the cloud's record of it, read back to pin on attach. */
export const HOST_KEY_TAG = 'spotbox:host-key';

/** The tags every resource of a box carries (ARM tag names may hold ':'), as on AWS. */
export function boxTags(fields: { box: string; owner: string; session: string; sshUser: string; workspaceDir: string; lineage?: string; checkpoint?: string; hostKey?: string }): Tags {
  return {
    [TAGS.managed]: 'true',
    [TAGS.box]: fields.box,
    [TAGS.owner]: fields.owner,
    [TAGS.session]: fields.session,
    [TAGS.sshUser]: fields.sshUser,
    [TAGS.workspaceDir]: fields.workspaceDir,
    ...(fields.lineage ? { [TAGS.lineage]: fields.lineage } : {}),
    ...(fields.checkpoint ? { [TAGS.checkpoint]: fields.checkpoint } : {}),
    ...(fields.hostKey ? { [HOST_KEY_TAG]: fields.hostKey } : {}),
  };
}
