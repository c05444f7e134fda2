/**
 * A Spot VM's eviction as Azure carries it out: a `Preempt` Scheduled Event (EventStatus
 * Scheduled, NotBefore = now + 30 s, DocumentIncarnation + 1); at NotBefore, or as soon as the box
 * acknowledges it (POST StartRequests), the event goes Started, the guest gets an ACPI soft off,
 * and a few seconds later the VM is gone: deleted (evictionPolicy Delete; its NIC, IP and NSG stay)
 * or deallocated.
 */
import { randomUUID } from 'node:crypto';
import type { EventSink, PowerControlledBoxHost } from '../../contract';
import type { VmState } from './vmState';

/** Azure gives at least 30 s between a Preempt event and the eviction. */
export const PREEMPT_NOTICE_MS = 30_000;
/** From the soft off to the VM being off. */
export const SOFT_OFF_GRACE_MS = 3_000;

export interface EvictionContext {
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly noticeMs: number;
  readonly now: () => number;
  /** The VM is off: delete it or mark it deallocated, per its eviction policy. */
  evicted(vm: VmState): void;
  describe(vm: VmState): Record<string, unknown>;
}

export class SpotEvictions {
  constructor(private readonly c: EvictionContext) {}

  schedule(vm: VmState): { eventId: string; notBefore: string } {
    if (vm.request.priority === 'Regular') {
      throw new Error(`invalid: ${vm.resourceId} is not a Spot VM`);
    }
    if (vm.power !== 'running' || vm.evicting || vm.scheduledEvents.some((event) => event.EventType === 'Preempt')) {
      throw new Error(`invalid: ${vm.resourceId} is ${vm.evicting ? 'already being evicted' : vm.power}`);
    }
    const eventId = randomUUID().toUpperCase();
    const notBefore = new Date(this.c.now() + this.c.noticeMs).toUTCString();
    vm.scheduledEvents.push({
      EventId: eventId, EventType: 'Preempt', ResourceType: 'VirtualMachine', Resources: [vm.resourceId.split('/').pop()!],
      EventStatus: 'Scheduled', NotBefore: notBefore, Description: 'Virtual machine is being evicted.', EventSource: 'Platform', DurationInSeconds: -1,
    });
    vm.documentIncarnation += 1;
    this.c.events.record('azure-eviction-scheduled', { ...this.c.describe(vm), eventId, notBefore });
    vm.timers.push(setTimeout(() => this.start(vm, eventId, 'notBefore'), this.c.noticeMs));
    return { eventId, notBefore };
  }

  /** The box POSTed StartRequests for these events. */
  acknowledge(vm: VmState, eventIds: readonly string[]): void {
    for (const eventId of eventIds) {
      const event = vm.scheduledEvents.find((item) => item.EventId.toLowerCase() === eventId.toLowerCase());
      if (event && event.EventStatus === 'Scheduled') {
        this.c.events.record('azure-eviction-acknowledged', { ...this.c.describe(vm), eventId: event.EventId });
        this.start(vm, event.EventId, 'acknowledged');
      }
    }
  }

  private start(vm: VmState, eventId: string, cause: 'notBefore' | 'acknowledged'): void {
    const index = vm.scheduledEvents.findIndex((event) => event.EventId === eventId);
    if (index < 0 || vm.scheduledEvents[index].EventStatus === 'Started' || vm.evicting) {
      return;
    }
    vm.scheduledEvents[index] = { ...vm.scheduledEvents[index], EventStatus: 'Started', NotBefore: '' };
    vm.documentIncarnation += 1;
    vm.evicting = true;
    vm.power = 'stopping';
    void this.c.boxHost.softOff(vm.boxId).catch(() => 0);
    vm.timers.push(setTimeout(() => {
      void this.c.boxHost.terminate(vm.boxId).catch(() => undefined).finally(() => {
        this.c.events.record('azure-evicted', { ...this.c.describe(vm), eventId, cause, evictionPolicy: vm.request.evictionPolicy });
        this.c.evicted(vm);
      });
    }, SOFT_OFF_GRACE_MS));
  }
}
