/** An instance record as Compute Engine's Instance resource (what get, list and aggregatedList answer). */
import { createHash } from 'node:crypto';
import { scalarText } from '../http/googleHttp';
import { machineType } from './catalog';
import type { InstanceRecord, SchedulingSettings } from './instanceRecord';
import { acceleratorTypeLink, computeTimestamp, instanceLink, lastSegment, machineTypeLink, networkLink, regionLink, zoneLink } from './links';
import { regionOf } from './catalog';

export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest().subarray(0, 8).toString('base64');
}

/** `scheduling` as instances and instance templates show it, defaults filled in. */
export function renderScheduling(scheduling: SchedulingSettings): Record<string, unknown> {
  return {
    onHostMaintenance: scheduling.onHostMaintenance,
    automaticRestart: scheduling.automaticRestart,
    preemptible: scheduling.preemptible,
    provisioningModel: scheduling.provisioningModel,
    ...(scheduling.instanceTerminationAction ? { instanceTerminationAction: scheduling.instanceTerminationAction } : {}),
    ...(scheduling.preemptionNoticeSeconds !== undefined ? { preemptionNoticeDuration: { seconds: String(scheduling.preemptionNoticeSeconds) } } : {}),
  };
}

export function renderInstance(record: InstanceRecord): Record<string, unknown> {
  const { project, zone } = record;
  const ip = record.address?.ip;
  const type = machineType(zone, record.machineType);
  const scheduling = record.scheduling;
  return {
    kind: 'compute#instance',
    id: record.id,
    creationTimestamp: computeTimestamp(record.creationMs),
    name: record.name,
    description: record.description,
    tags: { ...(record.tags.length ? { items: record.tags } : {}), fingerprint: fingerprintOf(record.tags) },
    machineType: machineTypeLink(project, zone, record.machineType),
    status: record.status,
    ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
    zone: zoneLink(project, zone),
    canIpForward: false,
    networkInterfaces: [{
      kind: 'compute#networkInterface',
      network: networkLink(project),
      subnetwork: `${regionLink(project, regionOf(zone))}/subnetworks/default`,
      ...(ip ? { networkIP: ip } : {}),
      name: 'nic0',
      // Boxes have one address; it stands for both the internal and the external one.
      accessConfigs: [{ kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: 'External NAT', ...(ip && record.status === 'RUNNING' ? { natIP: ip } : {}), networkTier: 'PREMIUM' }],
      fingerprint: fingerprintOf(ip ?? ''),
      stackType: 'IPV4_ONLY',
    }],
    disks: record.disks.map((disk, index) => ({
      kind: 'compute#attachedDisk',
      type: 'PERSISTENT',
      mode: 'READ_WRITE',
      source: `${zoneLink(project, zone)}/disks/${typeof disk.deviceName === 'string' ? disk.deviceName : index === 0 ? record.name : `${record.name}-${index}`}`,
      deviceName: typeof disk.deviceName === 'string' ? disk.deviceName : `persistent-disk-${index}`,
      index,
      boot: index === 0,
      autoDelete: disk.autoDelete !== false,
      interface: 'SCSI',
      diskSizeGb: scalarText((disk.initializeParams as { diskSizeGb?: unknown } | undefined)?.diskSizeGb ?? '10'),
      ...(index === 0 ? { licenses: [], guestOsFeatures: [{ type: 'VIRTIO_SCSI_MULTIQUEUE' }, { type: 'UEFI_COMPATIBLE' }, { type: 'GVNIC' }] } : {}),
      architecture: 'X86_64',
    })),
    metadata: {
      kind: 'compute#metadata',
      fingerprint: record.metadataFingerprint,
      ...(record.metadataItems.length ? { items: record.metadataItems.map((item) => ({ key: item.key, value: item.value })) } : {}),
    },
    ...(record.serviceAccount ? { serviceAccounts: [{ email: record.serviceAccount.email, scopes: [...record.serviceAccount.scopes] }] } : {}),
    selfLink: instanceLink(project, zone, record.name),
    scheduling: renderScheduling(scheduling),
    ...(record.guestAccelerators.length
      ? { guestAccelerators: record.guestAccelerators.map((a) => ({ acceleratorType: acceleratorTypeLink(project, zone, lastSegment(a.acceleratorType)), acceleratorCount: a.acceleratorCount })) }
      : {}),
    cpuPlatform: type?.name.startsWith('a2') ? 'Intel Cascade Lake' : 'Intel Broadwell',
    ...(Object.keys(record.labels).length ? { labels: { ...record.labels } } : {}),
    labelFingerprint: fingerprintOf(record.labels),
    startRestricted: false,
    deletionProtection: false,
    ...(record.lastStartMs !== undefined ? { lastStartTimestamp: computeTimestamp(record.lastStartMs) } : {}),
    ...(record.lastStopMs !== undefined ? { lastStopTimestamp: computeTimestamp(record.lastStopMs) } : {}),
    fingerprint: fingerprintOf([record.id, record.status]),
  };
}
