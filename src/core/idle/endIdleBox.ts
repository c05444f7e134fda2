import type { Box } from '../boxes/box';
import { FleetNotOursError } from '../boxes/terminateBox';
import { withEnded } from '../recovery/lineageEnded';
import type { Logger } from '../logging/logger';
import { isActive } from '../recovery/recoveryTypes';
import type { LineageStore } from '../recovery/lineageStore';
import type { IdleConfirmation } from './boxUseCheck';
import { samePeriod } from './idlePolicy';
import { lineageOfBox } from '../recovery/lineageOfBox';

export interface EndIdleBoxPorts {
  readonly lineages: LineageStore;
  /**
   * Terminate Box's own fleet-aware termination (terminateBox in src/core/boxes): a box kept by a
   * maintain fleet of this installation goes with its fleet, so that nothing relaunches it; one
   * kept by another's fleet is refused (FleetNotOursError).
   */
  readonly terminate: (box: Box) => Promise<unknown>;
  /** Its key pair, security group and launch template (releaseSessionResources in src/core/hygiene). */
  readonly release: (box: Box) => Promise<void>;
  /** The editor's own check, right before a policy termination (confirmBoxIdle in boxUseCheck.ts). */
  readonly confirmIdle: (box: Box) => Promise<IdleConfirmation>;
  readonly logger: Logger;
}

export type EndIdleBoxResult = 'terminated' | 'kept-running' | 'recovering' | 'in-use';

/**
 * Terminates an idle box the user was warned about, the way Terminate Box does but without its
 * modal. `period` (the idle period warned about) is passed when the policy decided: it is checked
 * against a Keep Running chosen in another window, and the box must pass the editor's own check,
 * since the journal's idle reports alone may be forged. Terminate Now is the user's decision and
 * passes none.
 */
export async function endIdleBox(box: Box, ports: EndIdleBoxPorts, period?: number): Promise<EndIdleBoxResult> {
  const record = await lineageOfBox(ports.lineages, box);
  if (record && period !== undefined && samePeriod(record.idleKeptRunningFrom, period)) {
    return 'kept-running';
  }
  if (record && isActive(record.recovery)) {
    // An interruption got there first: the recovery owns the lineage now.
    return 'recovering';
  }
  if (period !== undefined) {
    const checked = await ports.confirmIdle(box);
    if (!checked.idle) {
      ports.logger.warn(`${box.name} (${box.instanceId}): the box's journal reported it idle, but Spotbox's own check finds it in use (${checked.reasons.join('; ')}); not terminated`);
      return 'in-use';
    }
  }
  if (record) {
    // Before the terminate call: recovery sees the box vanish and must find it ended, not lost.
    await ports.lineages.update(record.lineage, (current) => ({ ...current, ended: true }));
  }
  try {
    await ports.terminate(box);
  } catch (error) {
    if (record && error instanceof FleetNotOursError) {
      // Refused before anything was touched: the box lives on, and so does its lineage.
      await ports.lineages.update(record.lineage, (current) => withEnded(current, record.ended));
    }
    throw error;
  }
  await ports.release(box);
  return 'terminated';
}
