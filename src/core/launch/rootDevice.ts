import type { Image, LaunchTemplateBlockDeviceMappingRequest } from '@aws-sdk/client-ec2';
import { SpotboxError } from '../errors';

/** The image's root volume as DescribeImages reports it. */
export interface ImageRootDevice {
  readonly imageId: string;
  /** `/dev/sda1` on Ubuntu and the Deep Learning AMIs, `/dev/xvda` on Amazon Linux. */
  readonly deviceName: string;
  readonly snapshotId?: string;
  /** The root snapshot's size: a root volume may not be smaller. */
  readonly snapshotGb?: number;
}

/**
 * Reads the root device of a described image. An image without a root device name cannot be
 * launched safely: a mapping under a guessed name would leave the real root unencrypted and add
 * a second, empty volume.
 */
export function rootDeviceOf(imageId: string, image: Image | undefined): ImageRootDevice {
  if (!image) {
    throw new SpotboxError(`The image ${imageId} does not exist in this region, or this account cannot launch it.`, 'Set "image" in .spotbox/profile.json to an AMI id of the region (ami-...), or use "dlami:pytorch".');
  }
  const deviceName = image.RootDeviceName;
  if (!deviceName) {
    throw new SpotboxError(`The image ${imageId} does not say which device is its root (no RootDeviceName).`, 'Use an EBS-backed image, such as "dlami:pytorch".');
  }
  const root = (image.BlockDeviceMappings ?? []).find((mapping) => mapping.DeviceName === deviceName);
  return {
    imageId,
    deviceName,
    ...(root?.Ebs?.SnapshotId ? { snapshotId: root.Ebs.SnapshotId } : {}),
    ...(root?.Ebs?.VolumeSize !== undefined ? { snapshotGb: root.Ebs.VolumeSize } : {}),
  };
}

/** Refuses, before anything is created, a root volume EC2 would reject (InvalidBlockDeviceMapping). */
export function checkRootVolumeSize(root: ImageRootDevice, volumeGb: number): void {
  if (root.snapshotGb !== undefined && volumeGb < root.snapshotGb) {
    throw new SpotboxError(
      `"volumeGb": ${volumeGb} is smaller than the root snapshot of ${root.imageId} (${root.snapshotGb} GB); EC2 would refuse the launch. Nothing was created.`,
      `Set "volumeGb" in .spotbox/profile.json to ${root.snapshotGb} or more.`,
    );
  }
}

/** The one block device mapping a launch template needs: the image's own root, encrypted and resized. */
export function encryptedRootMapping(root: ImageRootDevice, volumeGb: number): LaunchTemplateBlockDeviceMappingRequest {
  return { DeviceName: root.deviceName, Ebs: { VolumeSize: volumeGb, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } };
}
