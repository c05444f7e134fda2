import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { done, notYet, pollUntil } from '../time/poll';
import { parseResourceId } from './armResourceId';
import type { AzureClients } from './azureClients';
import { boxFromAzureVm } from './azureBoxSource';
import { launchRecordFrom } from './azureLaunchRecord';
import { addressOfVm } from './azureScaleSetPlacement';

export interface ScaleSetReplacementOptions {
  /** The VM ids (ARM resource ids) of the lineage's boxes so far: the replacement is none of them. */
  readonly knownIds: readonly string[];
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly onWaiting?: (detail: string) => void;
}

/**
 * The instance Azure's Try & Restore made after the box's last instance was evicted: a new VM of
 * the set, running, with its address. Read from ARM only. Azure keeps trying by itself until the
 * set's restore timeout; this only watches.
 */
export async function waitForScaleSetReplacement(clients: AzureClients, scaleSetId: string, options: ScaleSetReplacementOptions): Promise<Box> {
  const parts = parseResourceId(scaleSetId);
  if (!parts) throw new SpotboxError(`${scaleSetId} is not a scale set id.`);
  const known = new Set(options.knownIds.map((id) => id.toLowerCase()));
  return pollUntil(
    async () => {
      const scaleSet = await clients.scaleSets.get(parts.resourceGroup, parts.name, options.signal);
      if (!scaleSet) return notYet('the scale set is gone');
      for (const vm of await clients.scaleSets.instances(parts.resourceGroup, scaleSetId, options.signal)) {
        if (known.has(vm.id.toLowerCase())) continue;
        const box = boxFromAzureVm(vm, await addressOfVm(clients, vm, options.signal), undefined, launchRecordFrom(vm, new Map([[scaleSet.id.toLowerCase(), scaleSet]])));
        if (box.state === 'running' && box.publicIp) return done(box);
      }
      const detail = 'Azure is restoring the evicted instance';
      options.onWaiting?.(detail);
      return notYet(detail);
    },
    {
      describe: `a new instance of the scale set ${parts.name}`,
      intervalMs: options.intervalMs ?? 2_000,
      timeoutMs: options.timeoutMs ?? 60 * 60_000,
      timeoutError: (giveUp) =>
        new SpotboxError(
          `The scale set ${parts.name} made no new instance in ${Math.round(giveUp.elapsedMs / 60_000)} minutes (last: ${giveUp.lastDetail ?? 'nothing reported'}).`,
          `Azure keeps trying until the set's restore timeout; see az vmss show --name ${parts.name} --resource-group ${parts.resourceGroup}.`,
        ),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}
