/**
 * The instances.insert body a managed instance group sends for one VM: the template's properties
 * with its bare machine type, disk types and accelerators turned into the zone's URLs, and the two
 * metadata items GCE adds to a group's VMs. Their values are as a real group writes them, with the
 * project number: `instance-template` = projects/<number>/global/instanceTemplates/<template>,
 * `created-by` = projects/<number>/regions/<region>/instanceGroupManagers/<group>.
 */
import type { InstanceTemplateRecord } from './instanceTemplates';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function instanceBodyFromTemplate(
  template: InstanceTemplateRecord,
  vm: { project: string; projectNumber: string; region: string; group: string; name: string; zone: string; machineType: string },
): Record<string, unknown> {
  const p = template.properties;
  const list = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value.filter(isObject) : []);
  const metadata = isObject(p.metadata) ? p.metadata : {};
  return {
    ...p,
    name: vm.name,
    machineType: `zones/${vm.zone}/machineTypes/${vm.machineType}`,
    disks: list(p.disks).map((disk) => {
      const init = isObject(disk.initializeParams) ? disk.initializeParams : undefined;
      const diskType = typeof init?.diskType === 'string' && !init.diskType.includes('/') ? `zones/${vm.zone}/diskTypes/${init.diskType}` : init?.diskType;
      return init ? { ...disk, initializeParams: { ...init, ...(diskType !== undefined ? { diskType } : {}) } } : disk;
    }),
    ...(Array.isArray(p.guestAccelerators)
      ? {
        guestAccelerators: list(p.guestAccelerators).map((accelerator) => ({
          ...accelerator,
          acceleratorType: `projects/${vm.project}/zones/${vm.zone}/acceleratorTypes/${String(accelerator.acceleratorType)}`,
        })),
      }
      : {}),
    metadata: {
      items: [
        { key: 'instance-template', value: `projects/${vm.projectNumber}/global/instanceTemplates/${template.name}` },
        { key: 'created-by', value: `projects/${vm.projectNumber}/regions/${vm.region}/instanceGroupManagers/${vm.group}` },
        ...list(metadata.items).filter((item) => item.key !== 'instance-template' && item.key !== 'created-by'),
      ],
    },
  };
}
