import type { Instance } from '@aws-sdk/client-ec2';
import { TAGS } from '../aws/spotboxTags';
import type { Box, BoxState } from './box';

/** A Spotbox-tagged EC2 instance as a Box; `hourlyPriceUsd` is its pool's latest spot price when known. */
export function boxFromInstance(instance: Instance, region: string, hourlyPriceUsd?: number): Box {
  const tag = (key: string): string | undefined => instance.Tags?.find((candidate) => candidate.Key === key)?.Value;
  const sshPort = Number(tag(TAGS.sshPort) ?? 22);
  return {
    cloud: 'aws', instanceId: instance.InstanceId ?? '',
    name: tag(TAGS.box) ?? instance.InstanceId ?? '',
    region,
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    instanceType: instance.InstanceType ?? '',
    lifecycle: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    state: boxStateOf(instance.State?.Name),
    hourlyPriceUsd,
    launchTime: instance.LaunchTime?.getTime(),
    publicIp: instance.PublicIpAddress,
    keyName: instance.KeyName,
    sshUser: tag(TAGS.sshUser),
    sshPort: Number.isInteger(sshPort) && sshPort > 0 ? sshPort : 22,
    workspaceDir: tag(TAGS.workspaceDir),
    sessionId: tag(TAGS.session),
    lineage: tag(TAGS.lineage),
  };
}

function boxStateOf(state: string | undefined): BoxState {
  switch (state) {
    case 'pending':
      return 'pending';
    case 'running':
      return 'running';
    case 'shutting-down':
    case 'stopping':
      return 'stopping';
    case 'stopped':
      return 'stopped';
    default:
      return 'terminated';
  }
}
