import { CLOUD_FACTS, type CloudId } from '../cloud/clouds';
import { isAwsRegionName } from '../config/regions';
import { IMAGE_ALIASES } from './profileTypes';

/**
 * What a profile's cloud-specific words must look like on each cloud: regions, machine types,
 * images and buckets are spelled differently on AWS and Google Cloud, and a profile that mixes
 * them would fail only at launch, half-way. The JSON schema states the same patterns per cloud
 * (a unit test keeps them in step).
 */
export interface CloudProfileRules {
  readonly region: { test(value: string): boolean };
  readonly regionExpected: string;
  readonly machineType: RegExp;
  readonly machineTypeExpected: string;
  readonly image: { test(value: string): boolean };
  readonly imageExpected: string;
  readonly defaultImage: string;
  readonly bucket: RegExp;
  readonly bucketExpected: string;
}

export const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** GCE regions: `us-central1`, `europe-west4`, `northamerica-northeast2`. */
export const GCP_REGION = /^[a-z]+-[a-z]+\d{1,2}$/;
/** GCE machine types: `a2-highgpu-1g`, `g2-standard-4`, `n1-standard-8`. */
export const GCP_MACHINE_TYPE = /^[a-z][a-z0-9]*-[a-z0-9-]*[a-z0-9]$/;
/** A GCE image or image family by its project path, as `gcloud compute images describe` prints it. */
export const GCP_IMAGE = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/global\/images\/(?:family\/)?[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Google's Deep Learning VM with PyTorch and the NVIDIA driver, newest of its family. */
export const GCP_DEFAULT_IMAGE = 'projects/deeplearning-platform-release/global/images/family/pytorch-latest-gpu';
/** GCS bucket names without dots (a dotted name must be a verified domain). */
export const GCS_BUCKET = /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;
export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

const AWS_RULES: CloudProfileRules = {
  region: { test: isAwsRegionName },
  regionExpected: `an AWS region name such as "${CLOUD_FACTS.aws.regionExample}"`,
  machineType: EC2_INSTANCE_TYPE,
  machineTypeExpected: `an ${CLOUD_FACTS.aws.machineWord} such as "${CLOUD_FACTS.aws.machineExample}"`,
  image: { test: (value) => AMI_ID.test(value) || (IMAGE_ALIASES as readonly string[]).includes(value) },
  imageExpected: `an AMI id such as "ami-0123456789abcdef0" or one of the aliases ${IMAGE_ALIASES.join(', ')}`,
  defaultImage: 'dlami:pytorch',
  bucket: S3_BUCKET,
  bucketExpected: 'an S3 bucket name (3 to 63 lower-case letters, digits, dots and dashes)',
};

const GCP_RULES: CloudProfileRules = {
  region: GCP_REGION,
  regionExpected: `a Google Cloud region name such as "${CLOUD_FACTS.gcp.regionExample}"`,
  machineType: GCP_MACHINE_TYPE,
  machineTypeExpected: `a ${CLOUD_FACTS.gcp.machineWord} such as "${CLOUD_FACTS.gcp.machineExample}"`,
  image: GCP_IMAGE,
  imageExpected: `an image or image family path such as "${GCP_DEFAULT_IMAGE}"`,
  defaultImage: GCP_DEFAULT_IMAGE,
  bucket: GCS_BUCKET,
  bucketExpected: 'a Cloud Storage bucket name (3 to 63 lower-case letters, digits, dashes and underscores)',
};

/** Azure profiles are read once the Azure launcher exists; until then the parser refuses them. */
export const PROFILE_RULES: Readonly<Partial<Record<CloudId, CloudProfileRules>>> = { aws: AWS_RULES, gcp: GCP_RULES };
