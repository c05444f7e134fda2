/** Regions, zones, machine types and accelerator types as Compute's read-only catalog resources. */
import { catalogId, MACHINE_TYPES, regionOf, zonesIn, type AcceleratorSpec, type MachineTypeSpec } from './catalog';
import { acceleratorTypeLink, computeTimestamp, machineTypeLink, regionLink, zoneLink } from './links';

/** The catalog's resources are all "created" at the same moment. */
const CATALOG_CREATED = computeTimestamp(Date.UTC(2020, 0, 1));

export function renderZone(project: string, zone: string): Record<string, unknown> {
  return {
    kind: 'compute#zone',
    id: catalogId(zone),
    creationTimestamp: CATALOG_CREATED,
    name: zone,
    description: zone,
    status: 'UP',
    region: regionLink(project, regionOf(zone)),
    selfLink: zoneLink(project, zone),
    availableCpuPlatforms: ['Intel Cascade Lake', 'Intel Broadwell', 'Intel Sapphire Rapids'],
    supportsPzs: false,
  };
}

export function renderRegion(project: string, region: string): Record<string, unknown> {
  return {
    kind: 'compute#region',
    id: catalogId(region),
    creationTimestamp: CATALOG_CREATED,
    name: region,
    description: region,
    status: 'UP',
    zones: zonesIn(region).map((zone) => zoneLink(project, zone)),
    selfLink: regionLink(project, region),
    supportsPzs: false,
  };
}

export function renderMachineType(project: string, zone: string, type: MachineTypeSpec): Record<string, unknown> {
  const gb = type.memoryMb / 1024;
  return {
    kind: 'compute#machineType',
    id: catalogId(type.name),
    creationTimestamp: CATALOG_CREATED,
    name: type.name,
    description: `${type.guestCpus} vCPUs, ${Number.isInteger(gb) ? gb : gb.toFixed(2)} GB RAM${type.accelerators.length ? `, ${type.accelerators[0].guestAcceleratorCount} ${type.accelerators[0].guestAcceleratorType} GPU` : ''}`,
    guestCpus: type.guestCpus,
    memoryMb: type.memoryMb,
    imageSpaceGb: 0,
    maximumPersistentDisks: 128,
    maximumPersistentDisksSizeGb: '263168',
    zone,
    selfLink: machineTypeLink(project, zone, type.name),
    isSharedCpu: false,
    ...(type.accelerators.length ? { accelerators: type.accelerators.map((a) => ({ ...a })) } : {}),
    architecture: 'X86_64',
  };
}

export function machineTypesIn(zone: string): MachineTypeSpec[] {
  return MACHINE_TYPES.filter((type) => type.zones.includes(zone));
}

export function renderAcceleratorType(project: string, zone: string, accelerator: AcceleratorSpec): Record<string, unknown> {
  return {
    kind: 'compute#acceleratorType',
    id: catalogId(accelerator.name),
    creationTimestamp: CATALOG_CREATED,
    name: accelerator.name,
    description: accelerator.description,
    zone: zoneLink(project, zone),
    selfLink: acceleratorTypeLink(project, zone, accelerator.name),
    maximumCardsPerInstance: accelerator.maximumCardsPerInstance,
  };
}

