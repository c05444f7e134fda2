/**
 * The zones, machine types and accelerators the sandbox's Compute Engine offers: the GPU shapes
 * Spotbox launches, with Google's published sizes (vCPUs, memory in MB, attached GPUs).
 */

export interface AcceleratorSpec {
  readonly name: string;
  readonly description: string;
  readonly maximumCardsPerInstance: number;
  /** Quota metric a Spot VM with this GPU counts against, e.g. PREEMPTIBLE_NVIDIA_A100_GPUS. */
  readonly spotQuotaMetric: string;
}

export interface MachineTypeSpec {
  readonly name: string;
  readonly guestCpus: number;
  readonly memoryMb: number;
  /** GPUs that come with the machine type (a2, g2); n1 takes guestAccelerators instead. */
  readonly accelerators: ReadonlyArray<{ readonly guestAcceleratorType: string; readonly guestAcceleratorCount: number }>;
  readonly zones: readonly string[];
}

export const ACCELERATORS: readonly AcceleratorSpec[] = [
  { name: 'nvidia-tesla-t4', description: 'NVIDIA T4', maximumCardsPerInstance: 4, spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_T4_GPUS' },
  { name: 'nvidia-tesla-a100', description: 'NVIDIA A100 40GB', maximumCardsPerInstance: 16, spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_A100_GPUS' },
  { name: 'nvidia-a100-80gb', description: 'NVIDIA A100 80GB', maximumCardsPerInstance: 8, spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_A100_80GB_GPUS' },
  { name: 'nvidia-l4', description: 'NVIDIA L4', maximumCardsPerInstance: 8, spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_L4_GPUS' },
];

const A100_ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f', 'us-east1-b', 'europe-west4-a', 'europe-west4-b'];
const L4_ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-east1-b', 'us-east1-c', 'us-east1-d', 'us-west1-a', 'us-west1-b', 'europe-west4-a', 'europe-west4-b'];
const N1_ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f', 'us-east1-b', 'us-east1-c', 'us-east1-d', 'us-west1-a', 'us-west1-b', 'europe-west4-a', 'europe-west4-b'];

/** Zones where each accelerator type can be attached (acceleratorTypes.list answers these). */
const ACCELERATOR_ZONES: Readonly<Record<string, readonly string[]>> = {
  'nvidia-tesla-t4': N1_ZONES,
  'nvidia-tesla-a100': A100_ZONES,
  'nvidia-a100-80gb': ['us-central1-a', 'us-central1-c', 'us-east1-b', 'europe-west4-a'],
  'nvidia-l4': L4_ZONES,
};

const gpus = (type: string, count: number): MachineTypeSpec['accelerators'] => [{ guestAcceleratorType: type, guestAcceleratorCount: count }];

export const MACHINE_TYPES: readonly MachineTypeSpec[] = [
  { name: 'a2-highgpu-1g', guestCpus: 12, memoryMb: 87040, accelerators: gpus('nvidia-tesla-a100', 1), zones: A100_ZONES },
  { name: 'a2-highgpu-2g', guestCpus: 24, memoryMb: 174080, accelerators: gpus('nvidia-tesla-a100', 2), zones: A100_ZONES },
  { name: 'a2-highgpu-4g', guestCpus: 48, memoryMb: 348160, accelerators: gpus('nvidia-tesla-a100', 4), zones: A100_ZONES },
  { name: 'a2-ultragpu-1g', guestCpus: 12, memoryMb: 174080, accelerators: gpus('nvidia-a100-80gb', 1), zones: ACCELERATOR_ZONES['nvidia-a100-80gb'] },
  { name: 'g2-standard-4', guestCpus: 4, memoryMb: 16384, accelerators: gpus('nvidia-l4', 1), zones: L4_ZONES },
  { name: 'g2-standard-8', guestCpus: 8, memoryMb: 32768, accelerators: gpus('nvidia-l4', 1), zones: L4_ZONES },
  { name: 'g2-standard-24', guestCpus: 24, memoryMb: 98304, accelerators: gpus('nvidia-l4', 2), zones: L4_ZONES },
  { name: 'n1-standard-4', guestCpus: 4, memoryMb: 15360, accelerators: [], zones: N1_ZONES },
  { name: 'n1-standard-8', guestCpus: 8, memoryMb: 30720, accelerators: [], zones: N1_ZONES },
  { name: 'n1-standard-16', guestCpus: 16, memoryMb: 61440, accelerators: [], zones: N1_ZONES },
  { name: 'e2-standard-4', guestCpus: 4, memoryMb: 16384, accelerators: [], zones: N1_ZONES },
];

export const ZONES: readonly string[] = [...new Set(MACHINE_TYPES.flatMap((type) => type.zones))].sort();

export function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

export const REGIONS: readonly string[] = [...new Set(ZONES.map(regionOf))].sort();

/** The region's zones in the catalog, in name order (what a regional MIG spreads over when given no zones). */
export function zonesIn(region: string): string[] {
  return ZONES.filter((zone) => regionOf(zone) === region);
}

/** A machine type of that name in any zone (instance templates name types without a zone). */
export function machineTypeAnywhere(name: string): MachineTypeSpec | undefined {
  return MACHINE_TYPES.find((type) => type.name === name);
}

export function acceleratorAnywhere(name: string): AcceleratorSpec | undefined {
  return ACCELERATOR_ZONES[name] ? ACCELERATORS.find((accelerator) => accelerator.name === name) : undefined;
}

export function machineType(zone: string, name: string): MachineTypeSpec | undefined {
  return MACHINE_TYPES.find((type) => type.name === name && type.zones.includes(zone));
}

export function acceleratorOffered(zone: string, name: string): AcceleratorSpec | undefined {
  return ACCELERATOR_ZONES[name]?.includes(zone) ? ACCELERATORS.find((accelerator) => accelerator.name === name) : undefined;
}

export function acceleratorsIn(zone: string): AcceleratorSpec[] {
  return ACCELERATORS.filter((accelerator) => ACCELERATOR_ZONES[accelerator.name]?.includes(zone));
}

/** Stable numeric ids for catalog entries (Google's are opaque decimal strings). */
export function catalogId(name: string): string {
  let hash = 7n;
  for (const char of name) {
    hash = (hash * 131n + BigInt(char.charCodeAt(0))) % 10n ** 18n;
  }
  return hash.toString();
}
