/**
 * Faults the control API injects into ARM, each with a count of uses (absent: until cleared):
 * - capacity: no room for a size (optionally in one location), answered as ARM does — 409
 *   `SkuNotAvailable` at PUT, or the VM's async operation failing with `AllocationFailed` or
 *   `OverconstrainedAllocationRequest`;
 * - quota: 409 `OperationNotAllowed` at PUT naming the size's quota family;
 * - throttle: the next requests answer 429 `TooManyRequests` with `Retry-After`;
 * - spot price: the sandbox's Spot price of a size changes (maxPrice below it: 409
 *   `SpotPriceGreaterThanProvidedMaxPrice`).
 */
import { ArmError } from './armError';
import type { VmSize } from './vmSizes';

export type AzureCapacityCode = 'SkuNotAvailable' | 'AllocationFailed' | 'OverconstrainedAllocationRequest';

export type AzureFault =
  | { readonly kind: 'capacity'; readonly vmSize?: string; readonly location?: string; readonly code: AzureCapacityCode; count?: number }
  | { readonly kind: 'quota'; readonly family?: string; readonly vmSize?: string; count?: number }
  | { readonly kind: 'throttle'; count: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'spot-price'; readonly vmSize: string; readonly pricePerHour: number };

export class AzureFaults {
  private faults: AzureFault[] = [];

  add(fault: AzureFault): void {
    if (fault.kind === 'spot-price') {
      this.faults = this.faults.filter((item) => !(item.kind === 'spot-price' && item.vmSize.toLowerCase() === fault.vmSize.toLowerCase()));
    }
    this.faults.push({ ...fault });
  }

  clear(): void {
    this.faults = [];
  }

  /** Throws 429 while a throttle fault has uses left. */
  checkThrottle(): void {
    const fault = this.take((item) => item.kind === 'throttle');
    if (fault?.kind === 'throttle') {
      const retryAfter = String(fault.retryAfterSeconds ?? 2);
      throw new ArmError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:03:00. For more information, see - https://aka.ms/throttling', undefined, {
        'Retry-After': retryAfter,
        'x-ms-ratelimit-remaining-subscription-writes': '0',
        'x-ms-ratelimit-remaining-subscription-reads': '0',
      });
    }
  }

  /** Sync checks of a VM PUT: quota, SkuNotAvailable. */
  checkCreate(size: VmSize, location: string, vCpusInUse: number): void {
    const quota = this.take((item) => item.kind === 'quota' && (!item.family || item.family.toLowerCase() === size.family.toLowerCase()) && (!item.vmSize || item.vmSize.toLowerCase() === size.name.toLowerCase()));
    if (quota) {
      throw new ArmError(409, 'OperationNotAllowed', `Operation could not be completed as it results in exceeding approved ${size.family} Cores quota. Additional details - Deployment Model: Resource Manager, Location: ${location}, Current Limit: ${vCpusInUse}, Current Usage: ${vCpusInUse}, Additional Required: ${size.vCpus}, (Minimum) New Limit Required: ${vCpusInUse + size.vCpus}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView. Please read more about quota limits at https://docs.microsoft.com/en-us/azure/azure-supportability/per-vm-quota-requests`);
    }
    const capacity = this.take((item) => item.kind === 'capacity' && item.code === 'SkuNotAvailable' && matches(item, size, location));
    if (capacity) {
      throw new ArmError(409, 'SkuNotAvailable', `The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: ${size.name}' is currently not available in location '${location}'. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details.`);
    }
  }

  /** The allocation failure the VM's async operation ends with, if any. */
  allocationFailure(size: VmSize, location: string): ArmError | undefined {
    const fault = this.take((item) => item.kind === 'capacity' && item.code !== 'SkuNotAvailable' && matches(item, size, location));
    if (fault?.kind !== 'capacity') {
      return undefined;
    }
    return fault.code === 'AllocationFailed'
      ? new ArmError(200, 'AllocationFailed', 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance')
      : new ArmError(200, 'OverconstrainedAllocationRequest', 'Allocation failed. VM(s) with the following constraints cannot be allocated, because the condition is too restrictive. Please remove some constraints and try again. Constraints applied are: - Priority (Spot) - VM Size. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance');
  }

  spotPrice(size: VmSize): number {
    const fault = this.faults.find((item) => item.kind === 'spot-price' && item.vmSize.toLowerCase() === size.name.toLowerCase());
    return fault?.kind === 'spot-price' ? fault.pricePerHour : size.spotPerHour;
  }

  private take(predicate: (fault: AzureFault) => boolean): AzureFault | undefined {
    const fault = this.faults.find(predicate);
    if (fault && 'count' in fault && fault.count !== undefined) {
      fault.count -= 1;
      if (fault.count <= 0) {
        this.faults = this.faults.filter((item) => item !== fault);
      }
    }
    return fault;
  }
}

function matches(fault: { vmSize?: string; location?: string }, size: VmSize, location: string): boolean {
  return (!fault.vmSize || fault.vmSize.toLowerCase() === size.name.toLowerCase()) && (!fault.location || fault.location.toLowerCase() === location.toLowerCase());
}
