import type { GpuSpec } from './pricingTypes';

/**
 * GPUs of the AWS instance types in the on-demand catalog. A copy of public AWS facts rather than
 * an import of the sandbox's table: src/ never depends on the sandbox. Memory is per GPU, in GiB
 * as AWS lists it (A100 on p4d: 40 GB; L4 reported as 22.35 GiB usable, sold as 24 GB).
 */
const FAMILIES: Record<string, { model: string; memoryGiB: number; counts: Record<string, number> }> = {
  g4dn: { model: 'T4', memoryGiB: 16, counts: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, metal: 8 } },
  g5: { model: 'A10G', memoryGiB: 24, counts: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, '24xlarge': 4, '48xlarge': 8 } },
  g6: { model: 'L4', memoryGiB: 24, counts: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, '24xlarge': 4, '48xlarge': 8 } },
  g6e: { model: 'L40S', memoryGiB: 48, counts: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, '24xlarge': 4, '48xlarge': 8 } },
  p3: { model: 'V100', memoryGiB: 16, counts: { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 } },
  p4d: { model: 'A100', memoryGiB: 40, counts: { '24xlarge': 8 } },
  p5: { model: 'H100', memoryGiB: 80, counts: { '48xlarge': 8 } },
  p5e: { model: 'H200', memoryGiB: 141, counts: { '48xlarge': 8 } },
};

/** The GPUs of an AWS instance type (total memory over all its GPUs), or undefined if unknown. */
export function awsGpuSpec(instanceType: string): GpuSpec | undefined {
  const [family, size] = instanceType.split('.');
  const info = FAMILIES[family];
  const count = info?.counts[size];
  return info && count ? { model: info.model, count, memoryGiB: info.memoryGiB * count } : undefined;
}
