/**
 * The VM sizes the sandbox offers, with their vCPUs, memory and GPUs as Azure documents them, the
 * quota family each counts against, and the sandbox's own prices per hour: pay-as-you-go Linux
 * figures rounded from the Retail Prices API (eastus, 2025) and a Spot price that is a fixed share
 * of it. The Spot price is what `billingProfile.maxPrice` is compared with
 * (SpotPriceGreaterThanProvidedMaxPrice); it does not move unless the control API sets it.
 */
export interface VmSize {
  readonly name: string;
  readonly vCpus: number;
  readonly memoryMb: number;
  readonly gpus: number;
  readonly gpuModel?: string;
  /** Quota family as ARM names it in quota errors and `usages` (e.g. standardNCADSA100v4Family). */
  readonly family: string;
  readonly tier: 'Standard';
  readonly resourceDiskMb: number;
  readonly maxDataDisks: number;
  readonly payAsYouGoPerHour: number;
  readonly spotPerHour: number;
}

export const VM_SIZES: readonly VmSize[] = [
  { name: 'Standard_D2s_v5', vCpus: 2, memoryMb: 8192, gpus: 0, family: 'standardDSv5Family', tier: 'Standard', resourceDiskMb: 0, maxDataDisks: 4, payAsYouGoPerHour: 0.096, spotPerHour: 0.0096 },
  { name: 'Standard_NC4as_T4_v3', vCpus: 4, memoryMb: 28672, gpus: 1, gpuModel: 'NVIDIA T4', family: 'standardNCASv3_T4Family', tier: 'Standard', resourceDiskMb: 180224, maxDataDisks: 8, payAsYouGoPerHour: 0.526, spotPerHour: 0.0526 },
  { name: 'Standard_NC24ads_A100_v4', vCpus: 24, memoryMb: 225280, gpus: 1, gpuModel: 'NVIDIA A100 80GB PCIe', family: 'standardNCADSA100v4Family', tier: 'Standard', resourceDiskMb: 65536, maxDataDisks: 8, payAsYouGoPerHour: 3.673, spotPerHour: 0.7346 },
  { name: 'Standard_NC40ads_H100_v5', vCpus: 40, memoryMb: 327680, gpus: 1, gpuModel: 'NVIDIA H100 NVL', family: 'standardNCadsH100v5Family', tier: 'Standard', resourceDiskMb: 131072, maxDataDisks: 12, payAsYouGoPerHour: 6.98, spotPerHour: 1.396 },
  { name: 'Standard_ND96isr_H100_v5', vCpus: 96, memoryMb: 1945600, gpus: 8, gpuModel: 'NVIDIA H100 80GB SXM', family: 'standardNDSH100v5Family', tier: 'Standard', resourceDiskMb: 29296640, maxDataDisks: 32, payAsYouGoPerHour: 98.32, spotPerHour: 19.664 },
];

/** Regions where every size above is offered in the sandbox. */
export const LOCATIONS: readonly string[] = ['eastus', 'eastus2', 'southcentralus', 'westus2', 'westus3', 'westeurope', 'northeurope', 'swedencentral'];

export function vmSize(name: string): VmSize | undefined {
  return VM_SIZES.find((size) => size.name.toLowerCase() === name.toLowerCase());
}

/** `GET …/locations/{location}/vmSizes`: one entry per size, as ARM lists them. */
export function renderVmSizes(): { value: unknown[] } {
  return {
    value: VM_SIZES.map((size) => ({
      name: size.name, numberOfCores: size.vCpus, osDiskSizeInMB: 1047552, resourceDiskSizeInMB: size.resourceDiskMb, memoryInMB: size.memoryMb, maxDataDiskCount: size.maxDataDisks,
    })),
  };
}

/** `GET …/providers/Microsoft.Compute/skus` (Resource SKUs), virtual machines only, optionally one location. */
export function renderSkus(location?: string): { value: unknown[] } {
  const locations = location ? LOCATIONS.filter((item) => item === location.toLowerCase()) : LOCATIONS;
  return {
    value: VM_SIZES.flatMap((size) => locations.map((item) => ({
      resourceType: 'virtualMachines',
      name: size.name,
      tier: size.tier,
      size: size.name.replace(/^Standard_/, ''),
      family: size.family,
      locations: [item],
      locationInfo: [{ location: item, zones: ['1', '2', '3'], zoneDetails: [] }],
      capabilities: [
        { name: 'vCPUs', value: String(size.vCpus) },
        { name: 'MemoryGB', value: String(size.memoryMb / 1024) },
        { name: 'GPUs', value: String(size.gpus) },
        { name: 'MaxDataDiskCount', value: String(size.maxDataDisks) },
        { name: 'LowPriorityCapable', value: 'True' },
        { name: 'HyperVGenerations', value: 'V1,V2' },
        { name: 'CpuArchitectureType', value: 'x64' },
      ],
      restrictions: [],
    }))),
  };
}
