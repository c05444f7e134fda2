import type { Box } from '../boxes/box';
import { isActive } from '../recovery/recoveryCoordinator';
import type { LineageStore } from '../recovery/lineageStore';
import { samePeriod } from './idlePolicy';

export interface EndIdleBoxPorts {
  readonly lineages: LineageStore;
  /** TerminateInstances (terminateBox in src/core/boxes). */
  readonly terminate: (box: Box) => Promise<void>;
  /** Its key pair, security group and launch template (releaseSessionResources in src/core/hygiene). */
  readonly release: (box: Box) => Promise<void>;
}

export type EndIdleBoxResult = 'terminated' | 'kept-running' | 'recovering';

/**
 * Terminates an idle box the user was warned about, the way Terminate Box does but without its
 * modal. `period` (the idle period warned about) is checked against a Keep Running chosen in another
 * window; Terminate Now passes none.
 */
export async function endIdleBox(box: Box, ports: EndIdleBoxPorts, period?: number): Promise<EndIdleBoxResult> {
  const record = await ports.lineages.findByInstance(box.instanceId);
  if (record && period !== undefined && samePeriod(record.idleKeptRunningFrom, period)) {
    return 'kept-running';
  }
  if (record && isActive(record.recovery)) {
    // An interruption got there first: the recovery owns the lineage now.
    return 'recovering';
  }
  if (record) {
    // Before the terminate call: recovery sees the box vanish and must find it ended, not lost.
    await ports.lineages.update(record.lineage, (current) => ({ ...current, ended: true }));
  }
  await ports.terminate(box);
  await ports.release(box);
  return 'terminated';
}
