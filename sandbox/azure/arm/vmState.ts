/** What the sandbox keeps about a VM beyond its ARM resource: its box, power state and Scheduled Events. */
import type { AzureScheduledEvent, BoxAddress } from '../../contract';
import type { AsyncOperation } from './asyncOperations';
import type { VmRequest } from './vmRequest';

export type PowerState = 'starting' | 'running' | 'stopping' | 'deallocated' | 'stopped';

export interface VmState {
  readonly resourceId: string;
  readonly vmId: string;
  readonly boxId: string;
  readonly request: VmRequest;
  readonly principalId?: string;
  readonly timeCreated: string;
  provisioning: 'Creating' | 'Succeeded' | 'Failed' | 'Deleting' | 'Updating';
  power: PowerState;
  address?: BoxAddress;
  operation?: AsyncOperation;
  documentIncarnation: number;
  scheduledEvents: AzureScheduledEvent[];
  timers: NodeJS.Timeout[];
  /** Set once the eviction started (soft off sent). */
  evicting: boolean;
}
