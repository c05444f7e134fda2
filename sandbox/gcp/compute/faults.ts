/**
 * Faults of the sandbox's Compute Engine, set through the control API: a zone without capacity
 * for a machine type, or a quota at zero. Each fault fails the insert operations it matches
 * (`count` of them, or until cleared), the way Compute reports them: the operation ends DONE
 * with `error.errors[]`.
 */
import { regionOf, type AcceleratorSpec } from './catalog';
import type { OperationError } from './operations';

export interface GceCapacityFault {
  readonly kind: 'capacity';
  readonly zone: string;
  /** Only this machine type; every type when absent. */
  readonly machineType?: string;
  /** ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS instead of ZONE_RESOURCE_POOL_EXHAUSTED. */
  readonly withDetails?: boolean;
  count?: number;
}

export interface GceQuotaFault {
  readonly kind: 'quota';
  /** e.g. PREEMPTIBLE_NVIDIA_A100_GPUS (regional) or GPUS_ALL_REGIONS (project-wide). */
  readonly metric: string;
  /** The region the quota is in; all regions when absent. */
  readonly region?: string;
  count?: number;
}

export type GceFault = GceCapacityFault | GceQuotaFault;

export interface InsertFailure {
  readonly errors: OperationError[];
  readonly httpStatus: number;
  readonly httpMessage: string;
}

export class GceFaults {
  private faults: GceFault[] = [];

  add(fault: GceFault): void {
    this.faults.push(fault);
  }

  clear(): void {
    this.faults = [];
  }

  list(): readonly GceFault[] {
    return this.faults;
  }

  /** The failure an insert meets, using up one count of the fault; undefined when none matches. */
  insertFailure(insert: { project: string; zone: string; machineType: string; spot: boolean; gpus: ReadonlyArray<{ accelerator: AcceleratorSpec; count: number }> }): InsertFailure | undefined {
    for (const fault of this.faults) {
      const failure = fault.kind === 'capacity' ? capacityFailure(fault, insert) : quotaFailure(fault, insert);
      if (failure) {
        if (fault.count !== undefined && --fault.count <= 0) {
          this.faults = this.faults.filter((other) => other !== fault);
        }
        return failure;
      }
    }
    return undefined;
  }
}

function capacityFailure(fault: GceCapacityFault, insert: { project: string; zone: string; machineType: string }): InsertFailure | undefined {
  if (fault.zone !== insert.zone || (fault.machineType !== undefined && fault.machineType !== insert.machineType)) {
    return undefined;
  }
  const zone = `projects/${insert.project}/zones/${insert.zone}`;
  const error: OperationError = fault.withDetails
    ? {
      code: 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
      message: `The zone '${zone}' does not have enough resources available to fulfill the request.  '(resource type:compute)'.`,
      errorDetails: [{ errorInfo: { reason: 'resource_availability', domain: 'compute.googleapis.com', metadatas: { zone: insert.zone, vmType: insert.machineType } } }],
    }
    : {
      code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
      message: `The zone '${zone}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.`,
    };
  return { errors: [error], httpStatus: 503, httpMessage: 'SERVICE UNAVAILABLE' };
}

function quotaFailure(fault: GceQuotaFault, insert: { zone: string; spot: boolean; gpus: ReadonlyArray<{ accelerator: AcceleratorSpec; count: number }> }): InsertFailure | undefined {
  const region = regionOf(insert.zone);
  if (fault.region !== undefined && fault.region !== region) {
    return undefined;
  }
  const counted = fault.metric === 'GPUS_ALL_REGIONS'
    ? insert.gpus.length > 0
    : insert.gpus.some((gpu) => (insert.spot ? gpu.accelerator.spotQuotaMetric : gpu.accelerator.spotQuotaMetric.replace(/^PREEMPTIBLE_/, '')) === fault.metric);
  if (!counted) {
    return undefined;
  }
  const where = fault.metric === 'GPUS_ALL_REGIONS' ? 'globally' : `in region ${region}`;
  return {
    errors: [{
      code: 'QUOTA_EXCEEDED',
      message: `Quota '${fault.metric}' exceeded.  Limit: 0.0 ${where}.`,
      errorDetails: [
        { quotaInfo: { metricName: `compute.googleapis.com/${fault.metric.toLowerCase()}`, limitName: `${fault.metric}-per-project-region`, dimensions: fault.metric === 'GPUS_ALL_REGIONS' ? {} : { region }, limit: 0 } },
      ],
    }],
    httpStatus: 403,
    httpMessage: 'FORBIDDEN',
  };
}
