import type { ActionHandler } from './common';
import { matchesFilters, paginate } from './common';
import { images } from '../catalog/images';
import { allInstanceTypes, type InstanceTypeSpec } from '../catalog/instanceTypes';
import { loadPriceCatalog } from '../catalog/prices';
import { isRegion, regionNames, zones } from '../catalog/regions';
import { Ec2Error } from '../protocol/errors';
import { parseFilters } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';

const describeRegions: ActionHandler = (_ctx, p) => {
  const names = p.strList('RegionName');
  for (const n of names) if (!isRegion(n)) throw new Ec2Error('InvalidParameterValue', `Invalid region: ${n}`);
  const filters = parseFilters(p);
  const list = regionNames()
    .filter((r) => !names.length || names.includes(r))
    .filter((r) => matchesFilters(filters, (n) => (n === 'region-name' ? [r] : n === 'endpoint' ? [`ec2.${r}.amazonaws.com`] : n === 'opt-in-status' ? ['opt-in-not-required'] : undefined)));
  return { regionInfo: list.map((r) => ({ regionName: r, regionEndpoint: `ec2.${r}.amazonaws.com`, optInStatus: 'opt-in-not-required' })) };
};

const describeAvailabilityZones: ActionHandler = (ctx, p) => {
  const names = p.strList('ZoneName');
  const ids = p.strList('ZoneId');
  const filters = parseFilters(p);
  const list = zones(ctx.region)
    .filter((z) => (!names.length || names.includes(z.zoneName)) && (!ids.length || ids.includes(z.zoneId)))
    .filter((z) => matchesFilters(filters, (n) => {
      switch (n) {
        case 'zone-name': return [z.zoneName];
        case 'zone-id': return [z.zoneId];
        case 'region-name': return [z.regionName];
        case 'state': return ['available'];
        case 'zone-type': return ['availability-zone'];
        case 'opt-in-status': return ['opt-in-not-required'];
        default: return undefined;
      }
    }));
  for (const n of names) if (!list.some((z) => z.zoneName === n)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${n}]`);
  return {
    availabilityZoneInfo: list.map((z) => ({
      optInStatus: 'opt-in-not-required',
      messageSet: [],
      regionName: z.regionName,
      zoneName: z.zoneName,
      zoneId: z.zoneId,
      groupName: z.regionName,
      networkBorderGroup: z.regionName,
      zoneType: 'availability-zone',
      zoneState: 'available',
    })),
  };
};

function typeXml(t: InstanceTypeSpec): XmlValue {
  return {
    instanceType: t.instanceType,
    currentGeneration: t.family !== 'p3',
    freeTierEligible: false,
    supportedUsageClasses: ['on-demand', 'spot'],
    supportedRootDeviceTypes: ['ebs'],
    supportedVirtualizationTypes: ['hvm'],
    bareMetal: t.instanceType.endsWith('.metal'),
    hypervisor: t.instanceType.endsWith('.metal') ? undefined : 'nitro',
    processorInfo: { supportedArchitectures: ['x86_64'], sustainedClockSpeedInGhz: 2.5, manufacturer: t.family === 'g5' || t.family === 'g6' || t.family === 'g6e' ? 'AMD' : 'Intel' },
    vCpuInfo: { defaultVCpus: t.vcpus, defaultCores: t.vcpus / 2, defaultThreadsPerCore: 2 },
    memoryInfo: { sizeInMiB: t.memoryGiB * 1024 },
    instanceStorageSupported: t.family !== 'p3',
    ebsInfo: { ebsOptimizedSupport: 'default', encryptionSupport: 'supported', nvmeSupport: 'required' },
    networkInfo: { networkPerformance: t.network, enaSupport: 'required', ipv6Supported: true, efaSupported: t.vcpus >= 48 },
    placementGroupInfo: { supportedStrategies: ['cluster', 'partition', 'spread'] },
    hibernationSupported: false,
    burstablePerformanceSupported: false,
    dedicatedHostsSupported: true,
    autoRecoverySupported: false,
    supportedBootModes: ['legacy-bios', 'uefi'],
    gpuInfo: {
      gpus: [{ name: t.gpu.name, manufacturer: 'NVIDIA', count: t.gpuCount, memoryInfo: { sizeInMiB: t.gpu.memoryMiB } }],
      totalGpuMemoryInMiB: t.gpu.memoryMiB * t.gpuCount,
    },
  };
}

const describeInstanceTypes: ActionHandler = (ctx, p) => {
  const names = p.strList('InstanceType');
  const offered = (t: string): boolean => Boolean(loadPriceCatalog().instanceTypes[t]?.prices[ctx.region]);
  const known = allInstanceTypes().filter((t) => offered(t.instanceType));
  for (const n of names) {
    if (!known.some((t) => t.instanceType === n)) throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${n}]`);
  }
  const filters = parseFilters(p);
  const list = known
    .filter((t) => !names.length || names.includes(t.instanceType))
    .filter((t) => matchesFilters(filters, (n) => {
      switch (n) {
        case 'instance-type': return [t.instanceType];
        case 'current-generation': return [String(t.family !== 'p3')];
        case 'vcpu-info.default-vcpus': return [String(t.vcpus)];
        case 'memory-info.size-in-mib': return [String(t.memoryGiB * 1024)];
        case 'gpu-info.gpus.name': return [t.gpu.name];
        case 'gpu-info.gpus.manufacturer': return ['NVIDIA'];
        case 'gpu-info.gpus.count': return [String(t.gpuCount)];
        case 'gpu-info.total-gpu-memory-in-mib': return [String(t.gpu.memoryMiB * t.gpuCount)];
        case 'supported-usage-class': return ['on-demand', 'spot'];
        case 'processor-info.supported-architecture': return ['x86_64'];
        default: return undefined;
      }
    }));
  const { page, nextToken } = paginate(list, p, { min: 5, max: 100 });
  return { instanceTypeSet: page.map(typeXml), nextToken };
};

const describeImages: ActionHandler = (ctx, p) => {
  const ids = p.strList('ImageId');
  const owners = p.strList('Owner');
  const filters = parseFilters(p);
  const all = images(ctx.region);
  for (const id of ids) if (!all.some((i) => i.imageId === id)) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  const list = all
    .filter((i) => !ids.length || ids.includes(i.imageId))
    .filter((i) => !owners.length || owners.some((o) => o === i.ownerId || (o === 'amazon' && i.ownerAlias === 'amazon')))
    .filter((i) => matchesFilters(filters, (n) => {
      switch (n) {
        case 'name': return [i.name];
        case 'image-id': return [i.imageId];
        case 'owner-id': return [i.ownerId];
        case 'owner-alias': return i.ownerAlias ? [i.ownerAlias] : [];
        case 'state': return ['available'];
        case 'architecture': return ['x86_64'];
        case 'is-public': return ['true'];
        case 'root-device-type': return ['ebs'];
        case 'virtualization-type': return ['hvm'];
        case 'description': return [i.description];
        default: return undefined;
      }
    }));
  return {
    imagesSet: list.map((i) => ({
      imageId: i.imageId,
      imageLocation: `${i.ownerAlias || i.ownerId}/${i.name}`,
      imageState: 'available',
      imageOwnerId: i.ownerId,
      creationDate: i.creationDate,
      isPublic: true,
      architecture: 'x86_64',
      imageType: 'machine',
      imageOwnerAlias: i.ownerAlias || undefined,
      name: i.name,
      description: i.description,
      rootDeviceType: 'ebs',
      rootDeviceName: i.rootDeviceName,
      blockDeviceMapping: [{ deviceName: i.rootDeviceName, ebs: { deleteOnTermination: true, snapshotId: i.rootSnapshotId, volumeSize: i.rootSnapshotGb, volumeType: 'gp3', encrypted: false } }],
      virtualizationType: 'hvm',
      hypervisor: 'xen',
      enaSupport: true,
      platformDetails: 'Linux/UNIX',
      usageOperation: 'RunInstances',
      bootMode: 'uefi-preferred',
    })),
  };
};

export const catalogActions: Record<string, ActionHandler> = {
  DescribeRegions: describeRegions,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeInstanceTypes: describeInstanceTypes,
  DescribeImages: describeImages,
};
