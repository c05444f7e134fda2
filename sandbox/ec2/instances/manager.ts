import type { BoxHost, BoxSpec, EventSink, InstanceAction, MetadataView } from '../../contract';
import type { InstanceRecord, Store } from '../state/store';
import { isoSeconds } from '../actions/common';
import { images } from '../catalog/images';

export interface ManagerOptions {
  readonly store: Store;
  readonly boxHost: BoxHost;
  readonly events: EventSink;
  readonly clock: () => number;
  readonly bootDelayMs: () => number;
  readonly environment: Readonly<Record<string, string>>;
  readonly publicKeyOf: (region: string, keyName: string) => string | undefined;
}

/** The image's own login user; an instance record always names a catalog image (RunInstances checks it). */
function loginUserOf(region: string, imageId: string): string {
  const image = images(region).find((candidate) => candidate.imageId === imageId);
  if (!image) throw new Error(`instance image ${imageId} is not in the ${region} catalog`);
  return image.loginUser;
}

/** Terminated instances stay listed this long, as on AWS. */
export const TERMINATED_RETENTION_MS = 3_600_000;

const SPOT_TERMINATION = { code: 'Server.SpotInstanceTermination', message: 'Server.SpotInstanceTermination: Spot instance termination' };

function gmt(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' GMT');
}

/**
 * Owns the running side of instances: booting boxes, state transitions, interruption timers.
 * Records are mutated in place and the store is saved after every transition.
 */
/** Told about transitions other parts of the emulator react to (EC2 Fleet's maintain loop). */
export interface InstanceWatcher {
  onTerminated?(rec: InstanceRecord): void;
  onRebalanceRecommendation?(rec: InstanceRecord): void;
}

export class InstanceManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly watchers: InstanceWatcher[] = [];
  private disposed = false;

  constructor(private readonly o: ManagerOptions) {}

  private get now(): number {
    return this.o.clock();
  }

  watch(watcher: InstanceWatcher): void {
    this.watchers.push(watcher);
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.o.store.state.instances[instanceId];
  }

  metadataView(instanceId: string): MetadataView {
    const rec = this.get(instanceId);
    if (!rec) return {};
    return { instanceAction: rec.instanceAction, rebalanceNoticeTime: rec.rebalanceNoticeTime };
  }

  /** Registers freshly built records and starts their boxes. */
  launch(records: InstanceRecord[]): void {
    for (const rec of records) this.o.store.state.instances[rec.instanceId] = rec;
    this.o.store.save();
    for (const rec of records) {
      this.o.events.record('instance-launched', {
        instanceId: rec.instanceId, region: rec.region, availabilityZone: rec.availabilityZone,
        instanceType: rec.instanceType, lifecycle: rec.lifecycle,
      });
      this.boot(rec);
    }
  }

  private boot(rec: InstanceRecord): void {
    const spec: BoxSpec = {
      instanceId: rec.instanceId,
      region: rec.region,
      availabilityZone: rec.availabilityZone,
      instanceType: rec.instanceType,
      lifecycle: rec.lifecycle,
      amiId: rec.imageId,
      loginUser: loginUserOf(rec.region, rec.imageId),
      authorizedKey: rec.keyName ? this.o.publicKeyOf(rec.region, rec.keyName) : undefined,
      userDataBase64: rec.userDataBase64,
      httpTokens: rec.httpTokens,
      bootDelayMs: this.o.bootDelayMs(),
      environment: this.o.environment,
      previousAddress: rec.address,
    };
    const listener = {
      onSshReady: (id: string) => this.onSshReady(id),
      onBoxExited: (id: string, reason: string) => this.onBoxExited(id, reason),
    };
    this.o.boxHost.boot(spec, () => this.metadataView(rec.instanceId), listener).then(
      (address) => {
        rec.address = address;
        if (this.o.boxHost.mode === 'per-box-port') rec.tags['spotbox:ssh-port'] = String(address.sshPort);
        this.o.store.save();
      },
      (err: unknown) => {
        if (rec.state === 'terminated') return;
        rec.stateReason = { code: 'Server.InternalError', message: `Server.InternalError: Internal error on launch (${String(err)})` };
        this.markTerminated(rec, 'boot-failed');
      },
    );
  }

  private onSshReady(instanceId: string): void {
    const rec = this.get(instanceId);
    if (!rec || rec.state !== 'pending' || this.disposed) return;
    rec.state = 'running';
    rec.runningAt = this.now;
    this.o.store.save();
    this.o.events.record('instance-running', { instanceId, ip: rec.address?.ip, sshPort: rec.address?.sshPort });
  }

  private onBoxExited(instanceId: string, reason: string): void {
    const rec = this.get(instanceId);
    if (!rec || rec.state === 'terminated' || rec.state === 'shutting-down' || this.disposed) return;
    rec.stateReason = { code: 'Client.InstanceInitiatedShutdown', message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' };
    rec.stateTransitionReason = `User initiated (${gmt(this.now)})`;
    this.closeSpotRequest(rec, 'instance-terminated-by-user', 'Spot Instance terminated due to user-initiated termination.');
    this.markTerminated(rec, reason);
  }

  /** Re-boots what was alive before a sandbox restart and re-arms pending interruptions. */
  restore(): void {
    for (const rec of Object.values(this.o.store.state.instances)) {
      if (rec.state === 'pending' || rec.state === 'running') {
        rec.state = 'pending';
        this.boot(rec);
        if (rec.instanceAction) this.armInterruption(rec);
      } else if (rec.state === 'shutting-down') {
        this.finishTermination(rec);
      }
    }
    this.o.store.save();
  }

  /** User termination; returns [previous, current] state per id, as TerminateInstances reports. */
  terminate(rec: InstanceRecord): { previous: string; current: string } {
    const previous = rec.state;
    if (rec.state === 'pending' || rec.state === 'running') {
      rec.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
      rec.stateTransitionReason = `User initiated (${gmt(this.now)})`;
      this.closeSpotRequest(rec, 'instance-terminated-by-user', 'Spot Instance terminated due to user-initiated termination.');
      this.beginShutdown(rec);
    }
    return { previous, current: rec.state };
  }

  interrupt(rec: InstanceRecord, leadSeconds: number, action: InstanceAction, cause: 'price' | 'capacity'): string {
    if (rec.lifecycle !== 'spot') throw new Error(`${rec.instanceId} is not a spot instance`);
    if (rec.state !== 'pending' && rec.state !== 'running') throw new Error(`${rec.instanceId} is ${rec.state}`);
    const time = isoSeconds(this.now + Math.max(0, leadSeconds) * 1000);
    if (!rec.instanceAction) {
      rec.instanceAction = { action, time };
      rec.interruptionCause = cause;
    }
    this.updateSpotRequest(rec, 'active', 'marked-for-termination', 'Your Spot Instance is marked for termination.');
    this.o.store.save();
    this.o.events.record('spot-interruption-notice', { instanceId: rec.instanceId, action, time: rec.instanceAction.time, cause });
    this.armInterruption(rec);
    return rec.instanceAction.time;
  }

  recommendRebalance(rec: InstanceRecord): string {
    rec.rebalanceNoticeTime = isoSeconds(this.now);
    this.o.store.save();
    this.o.events.record('rebalance-recommendation', { instanceId: rec.instanceId, noticeTime: rec.rebalanceNoticeTime });
    for (const w of this.watchers) w.onRebalanceRecommendation?.(rec);
    return rec.rebalanceNoticeTime;
  }

  hardTerminate(rec: InstanceRecord): void {
    if (rec.state !== 'pending' && rec.state !== 'running') throw new Error(`${rec.instanceId} is ${rec.state}`);
    rec.stateReason = rec.lifecycle === 'spot'
      ? SPOT_TERMINATION
      : { code: 'Server.InternalError', message: 'Server.InternalError: Internal error' };
    rec.stateTransitionReason = `Service initiated (${gmt(this.now)})`;
    this.closeSpotRequest(rec, 'instance-terminated-no-capacity', 'Spot Instance terminated due to no available capacity.');
    this.o.events.record('hard-termination', { instanceId: rec.instanceId });
    this.beginShutdown(rec);
  }

  private armInterruption(rec: InstanceRecord): void {
    if (!rec.instanceAction || this.disposed) return;
    clearTimeout(this.timers.get(rec.instanceId));
    const delay = Math.max(0, Date.parse(rec.instanceAction.time) - this.now);
    const timer = setTimeout(() => {
      this.timers.delete(rec.instanceId);
      this.executeInterruption(rec.instanceId);
    }, delay);
    timer.unref();
    this.timers.set(rec.instanceId, timer);
  }

  private executeInterruption(instanceId: string): void {
    const rec = this.get(instanceId);
    if (!rec || (rec.state !== 'pending' && rec.state !== 'running') || this.disposed) return;
    rec.stateReason = SPOT_TERMINATION;
    rec.stateTransitionReason = `Service initiated (${gmt(this.now)})`;
    if (rec.interruptionCause === 'price') {
      this.closeSpotRequest(rec, 'instance-terminated-by-price', 'Spot Instance terminated due to the Spot price exceeding your maximum price.');
    } else {
      this.closeSpotRequest(rec, 'instance-terminated-no-capacity', 'Spot Instance terminated due to no available capacity.');
    }
    this.beginShutdown(rec);
  }

  private beginShutdown(rec: InstanceRecord): void {
    rec.state = 'shutting-down';
    this.o.store.save();
    this.finishTermination(rec);
  }

  private finishTermination(rec: InstanceRecord): void {
    this.o.boxHost.terminate(rec.instanceId).then(
      () => this.markTerminated(rec, rec.stateReason?.code ?? 'terminated'),
      (err: unknown) => this.markTerminated(rec, `terminate failed: ${String(err)}`),
    );
  }

  private markTerminated(rec: InstanceRecord, reason: string): void {
    if (rec.state === 'terminated') return;
    clearTimeout(this.timers.get(rec.instanceId));
    this.timers.delete(rec.instanceId);
    rec.state = 'terminated';
    rec.terminatedAt = this.now;
    if (this.disposed) return;
    this.o.store.save();
    this.o.events.record('instance-terminated', { instanceId: rec.instanceId, reason, stateReason: rec.stateReason?.code });
    for (const w of this.watchers) w.onTerminated?.(rec);
  }

  private updateSpotRequest(rec: InstanceRecord, state: 'active' | 'closed', code: string, message: string): void {
    const req = this.o.store.state.spotRequests.find((r) => r.spotInstanceRequestId === rec.spotInstanceRequestId);
    if (!req) return;
    req.state = state;
    req.statusCode = code;
    req.statusMessage = message;
    req.updateTime = this.now;
  }

  private closeSpotRequest(rec: InstanceRecord, code: string, message: string): void {
    this.updateSpotRequest(rec, 'closed', code, message);
  }

  /** Drops terminated instances older than the retention, like AWS stops listing them. */
  sweep(): void {
    const cutoff = this.now - TERMINATED_RETENTION_MS;
    let changed = false;
    for (const [id, rec] of Object.entries(this.o.store.state.instances)) {
      if (rec.state === 'terminated' && (rec.terminatedAt ?? 0) < cutoff) {
        delete this.o.store.state.instances[id];
        changed = true;
      }
    }
    if (changed) this.o.store.save();
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
