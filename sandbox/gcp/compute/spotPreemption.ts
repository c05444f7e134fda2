/**
 * A Spot VM's preemption, in GCE's order: `instance/preempted` turns TRUE; at once (or after
 * `scheduling.preemptionNoticeDuration`) ACPI G2 soft off, which sends SIGTERM to the guest's
 * processes and is recorded as a `compute.instances.preempted` operation; 30 s later G3 off, after
 * which the instance is deleted (instanceTerminationAction DELETE) or TERMINATED with its disk (STOP).
 */
import type { EventSink, PowerControlledBoxHost } from '../../contract';
import type { InstanceRecord } from './instanceRecord';
import { instanceLink } from './links';
import type { Operations } from './operations';
import type { RecordTimers } from './recordTimers';

/** GCE's G2 -> G3 window for Spot VMs. */
export const SPOT_SHUTDOWN_GRACE_MS = 30_000;

export interface PreemptionSchedule {
  readonly name: string;
  readonly zone: string;
  /** Epoch milliseconds of each step. */
  readonly noticeAtMs: number;
  readonly softOffAtMs: number;
  readonly offAtMs: number;
}

export interface PreemptionContext {
  readonly project: string;
  readonly boxHost: PowerControlledBoxHost;
  readonly operations: Operations;
  readonly events: EventSink;
  readonly timers: RecordTimers;
  readonly graceMs: number;
  now(): number;
  boxId(record: InstanceRecord): string;
  /** Drops the instance record (DELETE). */
  forget(record: InstanceRecord): void;
}

export class SpotPreemptions {
  constructor(private readonly c: PreemptionContext) {}

  preempt(record: InstanceRecord): PreemptionSchedule {
    const name = record.name;
    if (record.scheduling.provisioningModel !== 'SPOT') {
      throw new Error(`invalid: ${name} is not a Spot VM`);
    }
    if (record.status !== 'RUNNING' || record.preempted) {
      throw new Error(`invalid: ${name} is ${record.preempted ? 'already preempted' : record.status}`);
    }
    const noticeMs = (record.scheduling.preemptionNoticeSeconds ?? 0) * 1000;
    const noticeAtMs = this.c.now();
    record.preempted = true;
    this.c.events.record('gce-preemption-notice', { name, zone: record.zone, softOffInMs: noticeMs });
    const softOff = (): void => {
      record.status = 'STOPPING';
      const operation = this.c.operations.start({
        project: this.c.project, zone: record.zone, operationType: 'compute.instances.preempted', targetLink: instanceLink(this.c.project, record.zone, name),
        targetId: record.id, user: 'system', status: 'RUNNING',
      });
      operation.statusMessage = 'Instance was preempted.';
      this.c.operations.done(operation);
      void this.c.boxHost.softOff(this.c.boxId(record));
      this.c.timers.later(record.id, this.c.graceMs, () => this.finish(record));
    };
    if (noticeMs > 0) {
      this.c.timers.later(record.id, noticeMs, softOff);
    } else {
      softOff();
    }
    return { name, zone: record.zone, noticeAtMs, softOffAtMs: noticeAtMs + noticeMs, offAtMs: noticeAtMs + noticeMs + this.c.graceMs };
  }

  /** G3 off: the box is killed, then the instance deleted or TERMINATED. */
  finish(record: InstanceRecord): void {
    const remove = record.scheduling.instanceTerminationAction === 'DELETE';
    const boxId = this.c.boxId(record);
    const done = (): void => {
      if (remove) {
        this.c.forget(record);
      } else {
        record.status = 'TERMINATED';
        record.lastStopMs = this.c.now();
      }
      this.c.events.record('gce-preempted', { name: record.name, zone: record.zone, id: record.id, action: remove ? 'DELETE' : 'STOP' });
    };
    void (remove ? this.c.boxHost.terminate(boxId) : this.c.boxHost.powerOff(boxId)).finally(done);
  }
}
