import { SpotboxError } from '../errors';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { IMAGE_ALIASES, type ImageAlias } from './profileTypes';

/**
 * Name patterns of Amazon's Deep Learning AMIs (OSS NVIDIA driver, Ubuntu). AWS publishes a new one
 * every few weeks under a dated name, so an alias means "the newest one today" in each region.
 */
const ALIAS_NAME_PATTERNS: Record<ImageAlias, string> = {
  'dlami:pytorch': 'Deep Learning OSS Nvidia Driver AMI GPU PyTorch*(Ubuntu*',
  'dlami:base': 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu*',
};

export interface ResolvedImage {
  readonly imageId: string;
  /** The AMI name, for the log and the launch summary; the id itself for an `ami-` image. */
  readonly name: string;
}

export function isImageAlias(image: string): image is ImageAlias {
  return (IMAGE_ALIASES as readonly string[]).includes(image);
}

/**
 * The AMI to launch in `region`: an `ami-` id as is (AMI ids are per region: the user chose it for
 * theirs), an alias as the newest available x86_64 Amazon image whose name matches.
 */
export async function resolveImage(clients: Ec2ClientPool, region: string, image: string, signal?: AbortSignal): Promise<ResolvedImage> {
  if (!isImageAlias(image)) return { imageId: image, name: image };
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.client(region);
  const pattern = ALIAS_NAME_PATTERNS[image];
  let found;
  try {
    found = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [
          { Name: 'name', Values: [pattern] },
          { Name: 'state', Values: ['available'] },
          { Name: 'architecture', Values: ['x86_64'] },
        ],
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    throw toUserError(error, { action: `Looking up the image "${image}"`, region });
  }
  // ISO timestamps sort as text; the newest build is the one to use.
  const newest = (found.Images ?? []).filter((i) => i.ImageId && i.CreationDate).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (!newest?.ImageId) {
    throw new SpotboxError(
      `No Amazon image named like "${pattern}" is available in ${region} for the alias "${image}".`,
      `Set "image" in .spotbox/profile.json to an AMI id of ${region} (ami-...), or use another region.`,
    );
  }
  return { imageId: newest.ImageId, name: newest.Name ?? newest.ImageId };
}
