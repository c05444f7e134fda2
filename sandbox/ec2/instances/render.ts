import type { XmlValue } from '../protocol/xmlWriter';
import type { InstanceRecord, InstanceStateName } from '../state/store';
import { defaultVpcId, subnetIdFor, tagSet } from '../actions/common';
import { findZone } from '../catalog/regions';
import { instanceBlockDevicesXml } from './blockDevices';

const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 };

export function stateXml(name: string): XmlValue {
  return { code: STATE_CODES[name as InstanceStateName] ?? 0, name };
}

function dnsName(ip: string | undefined): string | undefined {
  return ip ? `ip-${ip.replace(/\./g, '-')}.sandbox.internal` : undefined;
}

/** Element names follow the SDK's Instance shape (ipAddress, dnsName, instanceState, ...). */
export function instanceXml(rec: InstanceRecord, groupNames: (id: string) => string | undefined): XmlValue {
  const live = rec.state === 'running' || rec.state === 'pending';
  const ip = live ? rec.address?.ip : undefined;
  const running = rec.state === 'running';
  return {
    instanceId: rec.instanceId,
    imageId: rec.imageId,
    instanceState: stateXml(rec.state),
    privateDnsName: running ? dnsName(ip) : '',
    dnsName: running ? dnsName(ip) : '',
    reason: rec.stateTransitionReason ?? '',
    keyName: rec.keyName,
    amiLaunchIndex: rec.launchIndex,
    instanceType: rec.instanceType,
    launchTime: new Date(rec.launchTime),
    placement: {
      availabilityZone: rec.availabilityZone,
      availabilityZoneId: findZone(rec.region, rec.availabilityZone)?.zoneId,
      groupName: '',
      tenancy: 'default',
    },
    monitoring: { state: 'disabled' },
    subnetId: live ? subnetIdFor(rec.availabilityZone) : undefined,
    vpcId: live ? defaultVpcId(rec.region) : undefined,
    privateIpAddress: running ? ip : undefined,
    ipAddress: running ? ip : undefined,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: rec.volumes?.[0]?.deviceName ?? '/dev/sda1',
    blockDeviceMapping: live ? instanceBlockDevicesXml(rec.volumes, rec.launchTime) : undefined,
    instanceLifecycle: rec.lifecycle === 'spot' ? 'spot' : undefined,
    spotInstanceRequestId: rec.spotInstanceRequestId,
    groupSet: rec.securityGroupIds.map((groupId) => ({ groupId, groupName: groupNames(groupId) })),
    stateReason: rec.stateReason,
    tagSet: tagSet(rec.tags),
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    metadataOptions: {
      state: running ? 'applied' : 'pending',
      httpTokens: rec.httpTokens,
      httpPutResponseHopLimit: rec.httpTokens === 'required' ? 2 : 1,
      httpEndpoint: 'enabled',
    },
  };
}
