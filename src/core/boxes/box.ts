import type { CloudId } from '../cloud/clouds';

export type BoxState = 'pending' | 'running' | 'interrupting' | 'stopping' | 'stopped' | 'terminated';

/** A spot dev box as Spotbox shows it, reconciled from the cloud. */
export interface Box {
  /** Which cloud's word the box is read from; ids, regions and types are in its terms. */
  readonly cloud: CloudId;
  readonly instanceId: string;
  readonly name: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
  readonly lifecycle: 'spot' | 'on-demand';
  readonly state: BoxState;
  /** What the box costs per hour right now, in USD. */
  readonly hourlyPriceUsd?: number;
  /** Epoch milliseconds. */
  readonly launchTime?: number;
  readonly publicIp?: string;
  /** What attaching needs, read from the instance and its tags. */
  readonly keyName?: string;
  readonly sshUser?: string;
  readonly sshPort?: number;
  readonly workspaceDir?: string;
  /** The launch that created it (tag spotbox:session): its key pair, group and template carry the same tag. */
  readonly sessionId?: string;
  /** Shared by a box and its replacements after interruptions (tag spotbox:lineage). */
  readonly lineage?: string;
}

export function isBillable(box: Box): boolean {
  return box.state === 'running' || box.state === 'interrupting' || box.state === 'stopping';
}
