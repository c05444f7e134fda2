/** A VM's instance view as ARM answers it: OS, agent, and `statuses` (ProvisioningState/…, PowerState/…). */
import type { ArmResource } from './resourceStore';
import { ubuntuVersionOf } from './vmRequest';
import type { VmState } from './vmState';

export function renderInstanceView(resource: ArmResource, vm: VmState | undefined): Record<string, unknown> {
  const time = new Date().toISOString();
  const provisioning = vm?.provisioning ?? 'Succeeded';
  const power = vm?.power ?? 'running';
  const powerText: Record<string, string> = { starting: 'VM starting', running: 'VM running', stopping: 'VM stopping', deallocated: 'VM deallocated', stopped: 'VM stopped' };
  return {
    computerName: resource.name,
    osName: 'ubuntu',
    osVersion: ubuntuVersionOf(vm?.request.imageUrn ?? ''),
    vmAgent: { vmAgentVersion: '2.12.0.2', statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: power === 'running' ? 'Ready' : 'Not Ready', time }] },
    hyperVGeneration: 'V2',
    statuses: [
      { code: `ProvisioningState/${provisioning.toLowerCase()}`, level: provisioning === 'Failed' ? 'Error' : 'Info', displayStatus: `Provisioning ${provisioning === 'Succeeded' ? 'succeeded' : provisioning.toLowerCase()}`, ...(provisioning === 'Succeeded' ? { time } : {}) },
      { code: `PowerState/${power}`, level: 'Info', displayStatus: powerText[power] },
    ],
  };
}
