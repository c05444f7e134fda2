/** What the box host is asked to boot for an instance: a box with `gce` set, its login user and keys from ssh-keys. */
import type { BoxSpec } from '../../contract';
import { regionOf } from './catalog';
import { metadataValue, type InstanceRecord } from './instanceRecord';

export function gceBoxSpec(
  record: InstanceRecord,
  options: { boxId: string; projectNumber: string; bootDelayMs: number; environment: Readonly<Record<string, string>>; authorizedKeys: readonly string[]; keylessLoginUser: string },
): BoxSpec {
  return {
    instanceId: options.boxId,
    region: regionOf(record.zone),
    availabilityZone: record.zone,
    instanceType: record.machineType,
    lifecycle: record.scheduling.provisioningModel === 'SPOT' ? 'spot' : 'on-demand',
    amiId: record.sourceImage,
    loginUser: record.loginUser ?? options.keylessLoginUser,
    authorizedKey: options.authorizedKeys.length ? options.authorizedKeys.join('\n') : undefined,
    httpTokens: 'optional',
    bootDelayMs: options.bootDelayMs,
    environment: options.environment,
    previousAddress: record.address,
    gce: {
      project: record.project,
      projectNumber: options.projectNumber,
      zone: record.zone,
      instanceName: record.name,
      numericId: record.id,
      machineType: record.machineType,
      startupScript: metadataValue(record, 'startup-script'),
      serviceAccount: record.serviceAccount,
    },
  };
}

/** Guest attributes the guest agent published; only `hostkeys/` exists in the sandbox. Undefined: not there (yet). */
export function guestAttributes(record: InstanceRecord, queryPath: string | undefined, variableKey: string | undefined): Array<{ namespace: string; key: string; value: string }> | undefined {
  if (!record.enableGuestAttributes || !record.hostKeys || record.status !== 'RUNNING') {
    return undefined;
  }
  const all = record.hostKeys.map((key) => ({ namespace: 'hostkeys', key: key.algorithm, value: key.blobBase64 }));
  const [namespace, key] = (variableKey ?? queryPath ?? '').split('/');
  const found = all.filter((item) => (!namespace || item.namespace === namespace) && (!key || item.key === key));
  return found.length ? found : undefined;
}
