/**
 * A VM PUT body checked the way ARM checks it before anything is allocated: size, image,
 * priority/evictionPolicy/maxPrice, admin user and SSH keys, NICs that exist.
 */
import { ArmError, textOf } from './armError';
import { idOf, type ResourceStore } from './resourceStore';
import { LOCATIONS, vmSize, type VmSize } from './vmSizes';

export interface VmRequest {
  readonly location: string;
  readonly size: VmSize;
  readonly priority: 'Regular' | 'Low' | 'Spot';
  readonly evictionPolicy?: 'Deallocate' | 'Delete';
  readonly maxPrice?: number;
  readonly adminUsername: string;
  readonly publicKeys: readonly string[];
  readonly customDataBase64?: string;
  readonly nicIds: readonly string[];
  readonly imageUrn: string;
  readonly systemAssignedIdentity: boolean;
}

/**
 * The Ubuntu images the sandbox has, `publisher:offer:sku` (any version): Canonical's, and
 * Microsoft's Ubuntu HPC image (Ubuntu 22.04 with the NVIDIA driver and CUDA, for N-series GPUs),
 * whose login user is the osProfile's admin as on every Azure Linux image.
 */
const UBUNTU_IMAGES: Record<string, string> = {
  'canonical:0001-com-ubuntu-server-jammy:22_04-lts': '22.04',
  'canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2': '22.04',
  'canonical:ubuntu-24_04-lts:server': '24.04',
  'canonical:ubuntu-24_04-lts:server-gen1': '24.04',
  'microsoft-dsvm:ubuntu-hpc:2204': '22.04',
};

export function ubuntuVersionOf(imageUrn: string): string {
  const [publisher, offer, sku] = imageUrn.split(':');
  return UBUNTU_IMAGES[`${publisher}:${offer}:${sku}`.toLowerCase()] ?? '22.04';
}

export function parseVmRequest(body: Record<string, unknown>, store: ResourceStore): VmRequest {
  const profile = parseVmProfile(body);
  const nics = Array.isArray(object(object(body.properties).networkProfile).networkInterfaces) ? object(object(body.properties).networkProfile).networkInterfaces as unknown[] : [];
  const nicIds = nics.map(idOf).filter((id): id is string => id !== undefined);
  if (nicIds.length === 0) {
    throw ArmError.invalidParameter('Required parameter \'networkProfile\' is missing (null).', 'networkProfile');
  }
  for (const nicId of nicIds) {
    if (!store.get(nicId)) {
      throw new ArmError(404, 'NotFound', `Resource ${nicId} not found.`);
    }
  }
  return { ...profile, nicIds };
}

/** Everything of a VM body but its NICs (a scale set's VM profile is checked with this too). */
export function parseVmProfile(body: Record<string, unknown>): Omit<VmRequest, 'nicIds'> {
  const location = typeof body.location === 'string' ? body.location.toLowerCase().replace(/\s+/g, '') : '';
  if (!location) {
    throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  }
  if (!LOCATIONS.includes(location)) {
    throw new ArmError(400, 'LocationNotAvailableForResourceType', `The provided location '${location}' is not available for resource type 'Microsoft.Compute/virtualMachines'. List of available regions for the resource type is '${LOCATIONS.join(',')}'.`);
  }
  const properties = object(body.properties);
  const sizeName = textOf(object(properties.hardwareProfile).vmSize);
  const size = vmSize(sizeName);
  if (!size) {
    throw ArmError.invalidParameter(`The value ${sizeName} provided for the VM size is not valid. The valid sizes in the current region are: ${['Standard_D2s_v5', 'Standard_NC4as_T4_v3', 'Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5', 'Standard_ND96isr_H100_v5'].join(',')}.`, 'vmSize');
  }
  const image = object(object(properties.storageProfile).imageReference);
  const imageUrn = [image.publisher, image.offer, image.sku, image.version ?? 'latest'].map(textOf).join(':');
  if (!UBUNTU_IMAGES[`${textOf(image.publisher)}:${textOf(image.offer)}:${textOf(image.sku)}`.toLowerCase()]) {
    throw new ArmError(404, 'PlatformImageNotFound', `The platform image '${imageUrn}' is not available. Verify that all fields in the storage profile are correct. For more details about storage profile information, please refer to https://aka.ms/storageprofile`, 'imageReference');
  }
  const priority = (properties.priority ?? 'Regular') as string;
  if (!['Regular', 'Low', 'Spot'].includes(priority)) {
    throw ArmError.invalidParameter(`The value '${priority}' of parameter 'priority' is not allowed. Allowed values are 'Regular, Low, Spot'.`, 'priority');
  }
  const evictionPolicy = properties.evictionPolicy as string | undefined;
  if (evictionPolicy !== undefined) {
    if (priority === 'Regular') {
      throw ArmError.invalidParameter("Eviction policy can be set only on Azure Spot Virtual Machines.", 'evictionPolicy');
    }
    if (!['Deallocate', 'Delete'].includes(evictionPolicy)) {
      throw ArmError.invalidParameter(`The value '${evictionPolicy}' of parameter 'evictionPolicy' is not allowed. Allowed values are 'Deallocate, Delete'.`, 'evictionPolicy');
    }
  }
  const billing = object(properties.billingProfile);
  let maxPrice: number | undefined;
  if (billing.maxPrice !== undefined && billing.maxPrice !== null) {
    maxPrice = Number(billing.maxPrice);
    if (priority === 'Regular') {
      throw ArmError.invalidParameter('Max price can be set only on Azure Spot Virtual Machines.', 'billingProfile.maxPrice');
    }
    if (!Number.isFinite(maxPrice) || (maxPrice !== -1 && maxPrice <= 0) || !/^-?\d+(\.\d{1,5})?$/.test(textOf(billing.maxPrice))) {
      throw new ArmError(400, 'MaxPriceValueInvalid', `Max price '${textOf(billing.maxPrice)}' is not valid. Max price can be either -1 (cap at the pay-as-you-go price) or a decimal value greater than zero with up to five decimal places. For more information, see http://aka.ms/AzureSpot/errormessages.`, 'billingProfile.maxPrice');
    }
  }
  const osProfile = object(properties.osProfile);
  const adminUsername = textOf(osProfile.adminUsername);
  if (!/^[a-z_][a-z0-9_-]{0,31}$/i.test(adminUsername) || ['root', 'admin', 'administrator'].includes(adminUsername.toLowerCase())) {
    throw ArmError.invalidParameter(`The Admin Username specified is not allowed.`, 'adminUsername');
  }
  const ssh = object(object(osProfile.linuxConfiguration).ssh);
  const publicKeys: string[] = [];
  for (const key of Array.isArray(ssh.publicKeys) ? ssh.publicKeys as Array<Record<string, unknown>> : []) {
    const expected = `/home/${adminUsername}/.ssh/authorized_keys`;
    if (key.path !== expected) {
      throw ArmError.invalidParameter(`Destination path for SSH public keys is currently limited to its default value ${expected} due to a known issue in Linux provisioning agent.`, 'linuxConfiguration.ssh.publicKeys.path');
    }
    if (typeof key.keyData !== 'string' || !/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-\S+) \S+/.test(key.keyData)) {
      throw ArmError.invalidParameter('The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.', 'linuxConfiguration.ssh.publicKeys.keyData');
    }
    publicKeys.push(key.keyData.trim());
  }
  const customData = osProfile.customData;
  if (customData !== undefined && (typeof customData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(customData))) {
    throw ArmError.invalidParameter('Custom data in OSProfile must be in Base64 encoding and with a maximum length of 87380 characters.', 'customData');
  }
  const identity = object(body.identity);
  return {
    location,
    size,
    priority: priority as VmRequest['priority'],
    evictionPolicy: priority === 'Regular' ? undefined : (evictionPolicy as VmRequest['evictionPolicy']) ?? 'Deallocate',
    maxPrice: priority === 'Regular' ? undefined : maxPrice ?? -1,
    adminUsername,
    publicKeys,
    customDataBase64: typeof customData === 'string' && customData !== '' ? customData : undefined,
    imageUrn,
    systemAssignedIdentity: /SystemAssigned/i.test(textOf(identity.type)),
  };
}

export function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
}
