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

/** Azure regions (ARM location names): `eastus`, `westeurope`, `southcentralus`, `eastus2`. */
export const AZURE_REGION = /^[a-z]+[a-z0-9]*$/;
/** Azure VM sizes: `Standard_NC4as_T4_v3`, `Standard_ND96isr_H100_v5`. */
export const AZURE_VM_SIZE = /^(?:Standard|Basic)_[A-Za-z0-9_]+$/;
/** A marketplace image URN, `publisher:offer:sku:version`, as `az vm image list` prints it. */
export const AZURE_IMAGE = /^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$/;
/** Microsoft's Ubuntu HPC image: Ubuntu 22.04 with the NVIDIA driver and CUDA, for the N-series GPUs. */
export const AZURE_DEFAULT_IMAGE = 'microsoft-dsvm:ubuntu-hpc:2204:latest';
/** `<storage account>/<container>`: an account is 3-24 lower-case letters and digits; a container 3-63 with dashes. */
export const AZURE_BLOB_CONTAINER = /^[a-z0-9]{3,24}\/[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

const AZURE_RULES: CloudProfileRules = {
  region: AZURE_REGION,
  regionExpected: `an Azure region name such as "${CLOUD_FACTS.azure.regionExample}"`,
  machineType: AZURE_VM_SIZE,
  machineTypeExpected: `an ${CLOUD_FACTS.azure.machineWord} such as "${CLOUD_FACTS.azure.machineExample}"`,
  image: AZURE_IMAGE,
  imageExpected: `a marketplace image URN such as "${AZURE_DEFAULT_IMAGE}"`,
  defaultImage: AZURE_DEFAULT_IMAGE,
  bucket: AZURE_BLOB_CONTAINER,
  bucketExpected: 'a storage account and a Blob container as "<account>/<container>", such as "mylabstore/checkpoints"',
};

export const PROFILE_RULES: Readonly<Record<CloudId, CloudProfileRules>> = { aws: AWS_RULES, gcp: GCP_RULES, azure: AZURE_RULES };
