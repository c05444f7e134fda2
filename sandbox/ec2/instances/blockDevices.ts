import type { ImageSpec } from '../catalog/images';
import { Ec2Error } from '../protocol/errors';
import type { Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { newId, type VolumeRecord } from '../state/store';

/** One `BlockDeviceMapping.N` of a launch template or RunInstances. */
export interface BlockDeviceMappingSpec {
  readonly deviceName: string;
  readonly volumeSize?: number;
  readonly volumeType?: string;
  readonly encrypted?: boolean;
  readonly snapshotId?: string;
  readonly noDevice: boolean;
}

/** Reads `<prefix>.N.DeviceName`, `.Ebs.VolumeSize|VolumeType|Encrypted|SnapshotId`, `.NoDevice`. */
export function parseBlockDeviceMappings(p: Params, prefix = 'BlockDeviceMapping'): BlockDeviceMappingSpec[] {
  return p.list(prefix).map((m) => {
    const deviceName = m.required('DeviceName');
    const volumeSize = m.int('Ebs.VolumeSize');
    const volumeType = m.str('Ebs.VolumeType');
    const encrypted = m.bool('Ebs.Encrypted');
    const snapshotId = m.str('Ebs.SnapshotId');
    return {
      deviceName,
      ...(volumeSize !== undefined ? { volumeSize } : {}),
      ...(volumeType !== undefined ? { volumeType } : {}),
      ...(encrypted !== undefined ? { encrypted } : {}),
      ...(snapshotId !== undefined ? { snapshotId } : {}),
      noDevice: m.has('NoDevice'),
    };
  });
}

/**
 * The volumes an instance of `image` gets, as EC2 builds them: the image's root (resized or
 * encrypted by a mapping of the same device name), plus one volume per other mapping. A root
 * smaller than its snapshot is refused with EC2's own code and wording.
 */
export function volumesFor(image: ImageSpec, mappings: readonly BlockDeviceMappingSpec[]): Array<Omit<VolumeRecord, 'volumeId'>> {
  const rootMapping = mappings.find((m) => m.deviceName === image.rootDeviceName);
  const rootGb = rootMapping?.volumeSize ?? image.rootSnapshotGb;
  if (rootGb < image.rootSnapshotGb) {
    // Real EC2's message, double space included.
    throw new Ec2Error('InvalidBlockDeviceMapping', `Volume of size ${rootGb}GB is smaller than  snapshot '${image.rootSnapshotId}', expect size >= ${image.rootSnapshotGb}GB`);
  }
  const root = {
    deviceName: image.rootDeviceName,
    sizeGb: rootGb,
    volumeType: rootMapping?.volumeType ?? 'gp3',
    encrypted: rootMapping?.encrypted ?? false,
    snapshotId: image.rootSnapshotId,
  };
  const extra = mappings
    .filter((m) => m !== rootMapping && !m.noDevice)
    .map((m) => {
      if (m.volumeSize === undefined && m.snapshotId === undefined) {
        throw new Ec2Error('InvalidBlockDeviceMapping', `Either snapshot ID or volume size must be provided for: ${m.deviceName}`);
      }
      return { deviceName: m.deviceName, sizeGb: m.volumeSize ?? 8, volumeType: m.volumeType ?? 'gp2', encrypted: m.encrypted ?? false, ...(m.snapshotId ? { snapshotId: m.snapshotId } : {}) };
    });
  return [root, ...extra];
}

export function withVolumeIds(volumes: Array<Omit<VolumeRecord, 'volumeId'>>): VolumeRecord[] {
  return volumes.map((v) => ({ ...v, volumeId: newId('vol') }));
}

/** `blockDeviceMapping/item` of DescribeInstances: names and ids only, as EC2 reports them there. */
export function instanceBlockDevicesXml(volumes: readonly VolumeRecord[] | undefined, attachTime: number): XmlValue[] | undefined {
  return volumes?.map((v) => ({
    deviceName: v.deviceName,
    ebs: { volumeId: v.volumeId, status: 'attached', attachTime: new Date(attachTime), deleteOnTermination: true },
  }));
}
