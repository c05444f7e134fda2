import type { Box, BoxState } from '../boxes/box';
import type { CloudBoxSource } from '../boxes/multiCloudBoxSource';
import type { ComputeClient } from './computeClient';
import { lastSegment, type Instance } from './computeTypes';
import { groupOfInstance } from './gceBoxGroup';
import { toGceError } from './gceErrors';
import { LABELS, labelFilter, WORKSPACE_DIR_METADATA_KEY } from './gceLabels';
import { regionOfZone } from './gceZones';

/** What a GCE status means for a box (STOPPING on a Spot VM is its preemption under way). */
const STATES: Readonly<Record<NonNullable<Instance['status']>, BoxState>> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  REPAIRING: 'pending',
  TERMINATED: 'terminated',
};

/**
 * A box as Spotbox shows it, from a Compute Engine instance and its labels. The instance name is
 * the box's id: GCE addresses an instance by zone and name, and Spotbox's names carry a random
 * suffix. A group's VM recreated after a preemption keeps its name (GCE's repair does so): it is
 * the same box of the same lineage, on a new machine.
 */
export function boxFromGceInstance(instance: Instance, hourlyPriceUsd?: number): Box {
  const zone = lastSegment(instance.zone) ?? '';
  const labels = instance.labels ?? {};
  const natIp = instance.networkInterfaces?.flatMap((nic) => nic.accessConfigs ?? []).find((config) => config.natIP)?.natIP;
  const workspaceDir = instance.metadata?.items?.find((item) => item.key === WORKSPACE_DIR_METADATA_KEY)?.value;
  const sshPort = Number(labels[LABELS.sshPort]);
  const spot = instance.scheduling?.provisioningModel === 'SPOT' || instance.scheduling?.preemptible === true;
  // A group's VM carries Google's `created-by`: its key and firewall rule are named after the group.
  const keyName = groupOfInstance(instance.metadata?.items)?.name ?? instance.name;
  return {
    cloud: 'gcp',
    instanceId: instance.name,
    name: labels[LABELS.box] ?? instance.name,
    region: regionOfZone(zone),
    availabilityZone: zone,
    instanceType: lastSegment(instance.machineType) ?? 'unknown',
    lifecycle: spot ? 'spot' : 'on-demand',
    state: instance.status ? STATES[instance.status] : 'pending',
    ...(hourlyPriceUsd !== undefined ? { hourlyPriceUsd } : {}),
    ...(instance.creationTimestamp ? { launchTime: Date.parse(instance.creationTimestamp) } : {}),
    ...(natIp ? { publicIp: natIp } : {}),
    keyName,
    ...(labels[LABELS.sshUser] ? { sshUser: labels[LABELS.sshUser] } : {}),
    ...(Number.isInteger(sshPort) && sshPort > 0 ? { sshPort } : {}),
    ...(workspaceDir ? { workspaceDir } : {}),
    ...(labels[LABELS.session] ? { sessionId: labels[LABELS.session] } : {}),
    ...(labels[LABELS.lineage] ? { lineage: labels[LABELS.lineage] } : {}),
  };
}

/**
 * The project's Spotbox boxes: instances labelled spotbox-managed=true over every zone in one
 * aggregated list (GCE has no per-region call to fan out). Zones Google could not reach are
 * reported, and the rest still show.
 */
export class GceBoxSource implements CloudBoxSource {
  readonly cloud = 'gcp' as const;
  readonly description: string;
  lastProblems: string[] = [];

  constructor(
    private readonly compute: () => Promise<ComputeClient>,
    project: string,
    /** The spot price per hour of a machine type in a region, when known; a box without one shows as unpriced. */
    private readonly spotPrice: (region: string, machineType: string) => Promise<number | undefined> = async () => undefined,
  ) {
    this.description = `Compute Engine (project ${project}, instances labelled ${LABELS.managed}=true)`;
  }

  async listBoxes(): Promise<Box[]> {
    const compute = await this.compute();
    let listed: { instances: Instance[]; unreachable: string[] };
    try {
      listed = await compute.aggregatedListInstances(labelFilter({ [LABELS.managed]: 'true' }, ['status != TERMINATED']));
    } catch (error) {
      throw toGceError(error, { action: 'Listing boxes', project: compute.project });
    }
    this.lastProblems = listed.unreachable.map((scope) => `${lastSegment(scope) ?? scope}: not reachable right now`);
    return Promise.all(
      listed.instances.map(async (instance) => {
        const box = boxFromGceInstance(instance);
        const price = box.lifecycle === 'spot' ? await this.spotPrice(box.region, box.instanceType).catch(() => undefined) : undefined;
        return price === undefined ? box : { ...box, hourlyPriceUsd: price };
      }),
    );
  }
}
