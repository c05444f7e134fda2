import type { ActionHandler } from './common';
import { matchesFilters, paginate } from './common';
import { parseFilters } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import type { InstanceRecord, VolumeRecord } from '../state/store';

/** The volumes of live instances: what a test reads to see a root's size and encryption. */
const describeVolumes: ActionHandler = (ctx, p) => {
  ctx.manager.sweep();
  const ids = p.strList('VolumeId');
  const filters = parseFilters(p);
  const attached: Array<{ volume: VolumeRecord; instance: InstanceRecord }> = ctx.store
    .instancesIn(ctx.region)
    .filter((instance) => instance.state !== 'terminated')
    .flatMap((instance) => (instance.volumes ?? []).map((volume) => ({ volume, instance })));
  const list = attached
    .filter(({ volume }) => !ids.length || ids.includes(volume.volumeId))
    .filter(({ volume, instance }) =>
      matchesFilters(filters, (name) => {
        switch (name) {
          case 'attachment.instance-id': return [instance.instanceId];
          case 'attachment.device': return [volume.deviceName];
          case 'volume-id': return [volume.volumeId];
          case 'encrypted': return [String(volume.encrypted)];
          default: return undefined;
        }
      }),
    );
  const { page, nextToken } = paginate(list, p, { min: 5, max: 500 });
  const items: XmlValue[] = page.map(({ volume, instance }) => ({
    volumeId: volume.volumeId,
    size: volume.sizeGb,
    snapshotId: volume.snapshotId ?? '',
    availabilityZone: instance.availabilityZone,
    status: 'in-use',
    createTime: new Date(instance.launchTime),
    attachmentSet: [{ volumeId: volume.volumeId, instanceId: instance.instanceId, device: volume.deviceName, status: 'attached', attachTime: new Date(instance.launchTime), deleteOnTermination: true }],
    volumeType: volume.volumeType,
    encrypted: volume.encrypted,
  }));
  return { volumeSet: items, nextToken };
};

export const volumeActions: Record<string, ActionHandler> = { DescribeVolumes: describeVolumes };
