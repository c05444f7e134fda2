/** A group, its managed instances and its errors as the regionInstanceGroupManagers methods answer them. */
import type { InstanceRecord } from './instanceRecord';
import { computeTimestamp, instanceGroupLink, instanceGroupManagerLink, instanceLink, instanceTemplateLink, regionLink, zoneLink } from './links';
import type { ManagedInstanceAction, ManagedInstanceRecord, MigErrorRecord, MigRecord } from './migRecord';

/** currentActions' fields; the sandbox's groups only ever count the first four. */
const ACTION_FIELDS: Readonly<Record<ManagedInstanceAction, string>> = { NONE: 'none', CREATING: 'creating', RECREATING: 'recreating', DELETING: 'deleting' };
const IDLE_ACTIONS = ['abandoning', 'creatingWithoutRetries', 'refreshing', 'restarting', 'resuming', 'starting', 'stopping', 'suspending', 'verifying'];

export function renderGroup(project: string, group: MigRecord): Record<string, unknown> {
  const currentActions: Record<string, number> = Object.fromEntries([...Object.values(ACTION_FIELDS), ...IDLE_ACTIONS].map((field) => [field, 0]));
  for (const managed of group.managed) {
    currentActions[ACTION_FIELDS[managed.currentAction]]++;
  }
  const template = instanceTemplateLink(project, group.templateName);
  // Stable: no instance has an action and none is missing (InstanceGroupManagerStatus.isStable).
  const isStable = !group.deleting && group.managed.length === group.targetSize && group.managed.every((managed) => managed.currentAction === 'NONE');
  return {
    kind: 'compute#instanceGroupManager',
    id: group.id,
    creationTimestamp: computeTimestamp(group.creationMs),
    name: group.name,
    description: group.description,
    region: regionLink(project, group.region),
    distributionPolicy: { zones: group.zones.map((zone) => ({ zone: zoneLink(project, zone) })), targetShape: group.targetShape },
    instanceTemplate: template,
    versions: [{ instanceTemplate: template }],
    instanceGroup: instanceGroupLink(project, group.region, group.name),
    baseInstanceName: group.baseInstanceName,
    fingerprint: group.fingerprint,
    currentActions,
    status: { isStable, versionTarget: { isReached: true } },
    targetSize: group.targetSize,
    selfLink: instanceGroupManagerLink(project, group.region, group.name),
    updatePolicy: group.updatePolicy,
    ...(group.instanceSelections ? { instanceFlexibilityPolicy: { instanceSelections: group.instanceSelections } } : {}),
    instanceLifecyclePolicy: { defaultActionOnFailure: 'REPAIR', forceUpdateOnRepair: 'NO' },
    listManagedInstancesResults: group.listManagedInstancesResults,
  };
}

/** A ManagedInstance: its URL and name exist before its VM does; id and instanceStatus only while a VM does. */
export function renderManagedInstance(project: string, group: MigRecord, managed: ManagedInstanceRecord, vm: InstanceRecord | undefined): Record<string, unknown> {
  const errors = managed.lastAttemptErrors ?? [];
  return {
    instance: instanceLink(project, managed.zone ?? group.zones[0], managed.name),
    ...(vm ? { id: vm.id, instanceStatus: vm.status } : {}),
    name: managed.name,
    currentAction: managed.currentAction,
    ...(managed.currentAction === 'DELETING' ? {} : { version: { instanceTemplate: instanceTemplateLink(project, group.templateName) } }),
    ...(group.instanceSelections && managed.machineType ? { propertiesFromFlexibilityPolicy: { machineType: managed.machineType } } : {}),
    ...(errors.length ? { lastAttempt: { errors: { errors: errors.map((error) => ({ code: error.code, message: error.message })) } } } : {}),
  };
}

export function renderGroupError(project: string, group: MigRecord, error: MigErrorRecord): Record<string, unknown> {
  return {
    error: { code: error.code, message: error.message },
    instanceActionDetails: {
      action: error.action,
      instance: instanceLink(project, error.zone, error.instanceName),
      version: { instanceTemplate: instanceTemplateLink(project, group.templateName) },
    },
    timestamp: computeTimestamp(error.timeMs),
  };
}
