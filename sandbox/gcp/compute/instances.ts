/**
 * The running side of Compute Engine instances: insert boots a real box through the box host,
 * delete/stop/start drive it, the metadata view feeds the box's metadata server, and a Spot
 * preemption is handed to spotPreemption.ts.
 */
import type { EventSink, GceMetadataView, MetadataView, PowerControlledBoxHost, SshHostPublicKey } from '../../contract';
import type { AccessTokens, IssuedToken } from '../auth/accessTokens';
import { GoogleApiError } from '../http/googleError';
import { scalarText } from '../http/googleHttp';
import { acceleratorOffered, ZONES } from './catalog';
import { gceBoxSpec } from './gceBoxSpec';
import type { GceFaults } from './faults';
import { validateInsert } from './insertValidation';
import { metadataValue, type InstanceRecord, type MaintenanceEvent, type MetadataItem } from './instanceRecord';
import { instanceLink } from './links';
import { newInstanceRecord } from './newInstance';
import type { OperationRecord, Operations } from './operations';
import { fingerprintOf } from './renderInstance';
import { RecordTimers } from './recordTimers';
import { SPOT_SHUTDOWN_GRACE_MS, SpotPreemptions, type PreemptionSchedule } from './spotPreemption';
import { parseSshKeys } from './sshKeys';

export interface InstanceServiceOptions {
  readonly project: string;
  readonly projectNumber: string;
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly operations: Operations;
  readonly faults: GceFaults;
  readonly tokens: AccessTokens;
  /** Time from insert to sshd up, handed to each box. */
  readonly bootDelayMs: () => number;
  /** Environment of every process in every box (STORAGE_EMULATOR_HOST, ...). */
  readonly boxEnvironment: Readonly<Record<string, string>>;
  /** Project-wide metadata (project/attributes/; project-level ssh-keys reach every VM). */
  readonly projectAttributes: () => Readonly<Record<string, string>>;
  /** G2 soft off to G3 off on a Spot VM: 30 s on GCE. Only the sandbox's own unit tests shorten it. */
  readonly preemptionGraceMs?: number;
  /** How long an insert that meets a capacity or quota fault shows the instance before it 404s. */
  readonly failedInsertVisibleMs?: number;
  readonly now?: () => number;
}


/** A box needs an account for its disk; with no ssh-keys item this one exists and no key opens it. */
const KEYLESS_LOGIN_USER = 'gce-no-ssh-keys';

export class InstanceService {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly timers = new RecordTimers();
  private readonly preemptions: SpotPreemptions;
  private readonly boxTokens = new Map<string, IssuedToken>();
  private disposed = false;

  constructor(private readonly o: InstanceServiceOptions) {
    this.preemptions = new SpotPreemptions({
      project: o.project,
      boxHost: o.boxHost,
      operations: o.operations,
      events: o.events,
      timers: this.timers,
      graceMs: o.preemptionGraceMs ?? SPOT_SHUTDOWN_GRACE_MS,
      now: () => this.now,
      boxId: (record) => this.boxId(record),
      forget: (record) => this.forget(record),
    });
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  assertZone(zone: string): void {
    if (!ZONES.includes(zone)) {
      throw GoogleApiError.notFound(`projects/${this.o.project}/zones/${zone}`);
    }
  }

  get(zone: string, name: string): InstanceRecord {
    this.assertZone(zone);
    const record = this.records.get(`${zone}/${name}`);
    if (!record) {
      throw GoogleApiError.notFound(`projects/${this.o.project}/zones/${zone}/instances/${name}`);
    }
    return record;
  }

  /** The instance of that name in the zone, if there is one (get without the 404). */
  find(zone: string, name: string): InstanceRecord | undefined {
    return this.records.get(`${zone}/${name}`);
  }

  list(zone?: string): InstanceRecord[] {
    return [...this.records.values()].filter((record) => zone === undefined || record.zone === zone).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The box host's id for an instance's box (numeric ids are unique across zones, unlike names). */
  boxId(record: InstanceRecord): string {
    return `gce-${record.id}`;
  }

  insert(zone: string, body: Record<string, unknown>, user: string): OperationRecord {
    this.assertZone(zone);
    const insert = validateInsert(body, zone);
    if (this.records.has(`${zone}/${insert.name}`)) {
      throw GoogleApiError.alreadyExists(`projects/${this.o.project}/zones/${zone}/instances/${insert.name}`);
    }
    const { record, sshKeys } = newInstanceRecord(insert, { project: this.o.project, projectNumber: this.o.projectNumber, zone, nowMs: this.now, projectAttributes: this.o.projectAttributes() });
    this.records.set(`${zone}/${record.name}`, record);
    const operation = this.o.operations.start({
      project: this.o.project, zone, operationType: 'insert', targetLink: instanceLink(this.o.project, zone, record.name), targetId: record.id, user, status: 'RUNNING',
    });
    this.o.events.record('gce-instance-inserted', { name: record.name, zone, id: record.id, machineType: record.machineType, provisioningModel: record.scheduling.provisioningModel });
    const failure = this.o.faults.insertFailure({
      project: this.o.project,
      zone,
      machineType: record.machineType,
      spot: record.scheduling.provisioningModel === 'SPOT',
      gpus: insert.gpus.flatMap((gpu) => {
        const accelerator = acceleratorOffered(zone, gpu.type);
        return accelerator ? [{ accelerator, count: gpu.count }] : [];
      }),
    });
    if (failure) {
      // As on GCE: the instance shows up while the insert runs, then the operation fails and it is gone.
      this.timers.later(record.id, this.o.failedInsertVisibleMs ?? 1500, () => {
        this.records.delete(`${zone}/${record.name}`);
        this.o.operations.done(operation, failure);
        this.o.events.record('gce-fault', { name: record.name, zone, error: failure.errors[0].code });
      });
      return operation;
    }
    const keys = sshKeys.filter((key) => key.user === record.loginUser).map((key) => key.publicKey);
    this.timers.later(record.id, 300, () => this.boot(record, operation, keys));
    return operation;
  }

  /** Every instance record, for the state file. */
  snapshot(): InstanceRecord[] {
    return [...this.records.values()].map((record) => structuredClone(record));
  }

  /**
   * After a sandbox restart: instances that were up boot again (same address, same disk, same host
   * keys); one stopping or preempted ends as GCE would have ended it; TERMINATED ones stay listed.
   */
  restore(records: readonly InstanceRecord[]): void {
    for (const saved of records) {
      const record: InstanceRecord = structuredClone(saved);
      this.records.set(`${record.zone}/${record.name}`, record);
      if (record.preempted || record.status === 'STOPPING') {
        record.status = 'STOPPING';
        this.finishPreemptionOrStop(record);
      } else if (record.status !== 'TERMINATED') {
        record.status = 'PROVISIONING';
        const keys = parseSshKeys(metadataValue(record, 'ssh-keys'), this.now).filter((key) => key.user === record.loginUser).map((key) => key.publicKey);
        this.boot(record, undefined, keys);
      }
    }
  }

  private finishPreemptionOrStop(record: InstanceRecord): void {
    if (record.preempted) {
      this.preemptions.finish(record);
      return;
    }
    void this.o.boxHost.powerOff(this.boxId(record)).finally(() => {
      record.status = 'TERMINATED';
      record.lastStopMs = this.now;
    });
  }

  private boot(record: InstanceRecord, operation: OperationRecord | undefined, authorizedKeys: readonly string[]): void {
    if (this.records.get(`${record.zone}/${record.name}`) !== record) {
      return;
    }
    record.status = 'STAGING';
    // The guest agent publishes the host keys again once this boot's sshd is up.
    record.hostKeys = undefined;
    const spec = gceBoxSpec(record, {
      boxId: this.boxId(record),
      projectNumber: this.o.projectNumber,
      bootDelayMs: this.o.bootDelayMs(),
      environment: this.o.boxEnvironment,
      authorizedKeys,
      keylessLoginUser: KEYLESS_LOGIN_USER,
    });
    this.o.boxHost.boot(spec, () => this.metadataView(record), {
      onSshReady: (_id, hostKeys) => this.onSshReady(record, hostKeys),
      onBoxExited: (_id, reason) => this.onBoxExited(record, reason),
    }).then(
      (address) => {
        record.address = address;
        if (record.status === 'STAGING') {
          record.status = 'RUNNING';
          record.lastStartMs = this.now;
        }
        if (operation) {
          this.o.operations.done(operation);
        }
      },
      (error: unknown) => {
        record.status = 'TERMINATED';
        record.statusMessage = `The instance failed to start: ${String(error)}`;
        if (!operation) {
          return;
        }
        this.o.operations.done(operation, { errors: [{ code: 'INTERNAL_ERROR', message: record.statusMessage }], httpStatus: 500, httpMessage: 'INTERNAL SERVER ERROR' });
      },
    );
  }

  private onSshReady(record: InstanceRecord, hostKeys: readonly SshHostPublicKey[] | undefined): void {
    // The guest agent publishes host keys once sshd has them, and only where guest attributes are on.
    record.hostKeys = hostKeys;
    this.o.events.record('gce-instance-running', { name: record.name, zone: record.zone, ip: record.address?.ip, sshPort: record.address?.sshPort });
  }

  private onBoxExited(record: InstanceRecord, reason: string): void {
    if (this.disposed || record.status !== 'RUNNING') {
      return;
    }
    // The guest powered itself off (its init ended): GCE shows a stopped VM.
    record.status = 'TERMINATED';
    record.lastStopMs = this.now;
    void this.o.boxHost.powerOff(this.boxId(record));
    this.o.events.record('gce-instance-deleted', { name: record.name, zone: record.zone, reason, kept: true });
  }

  metadataView(record: InstanceRecord): MetadataView {
    const gce: GceMetadataView = {
      preempted: record.preempted,
      maintenanceEvent: record.maintenanceEvent ?? 'NONE',
      attributes: Object.fromEntries(record.metadataItems.map((item) => [item.key, item.value])),
      projectAttributes: this.o.projectAttributes(),
      accessToken: record.serviceAccount ? this.boxToken(record) : undefined,
    };
    return { gce };
  }

  /** The VM's service account token; renewed when less than 5 minutes are left, as the metadata server does. */
  private boxToken(record: InstanceRecord): { token: string; expiresAtMs: number } {
    let token = this.boxTokens.get(record.id);
    if (!token || token.expiresAtMs - this.now < 300_000) {
      token = this.o.tokens.issue(record.serviceAccount!.email, record.serviceAccount!.scopes);
      this.boxTokens.set(record.id, token);
    }
    return { token: token.token, expiresAtMs: token.expiresAtMs };
  }

  delete(zone: string, name: string, user: string): OperationRecord {
    const record = this.get(zone, name);
    const operation = this.o.operations.start({ project: this.o.project, zone, operationType: 'delete', targetLink: instanceLink(this.o.project, zone, name), targetId: record.id, user, status: 'RUNNING' });
    this.timers.cancel(record.id);
    record.status = 'STOPPING';
    void this.o.boxHost.terminate(this.boxId(record)).finally(() => {
      this.forget(record);
      this.o.operations.done(operation);
      this.o.events.record('gce-instance-deleted', { name, zone, id: record.id, reason: 'deleted' });
    });
    return operation;
  }

  stop(zone: string, name: string, user: string): OperationRecord {
    const record = this.get(zone, name);
    const operation = this.o.operations.start({ project: this.o.project, zone, operationType: 'stop', targetLink: instanceLink(this.o.project, zone, name), targetId: record.id, user, status: 'RUNNING' });
    if (record.status === 'TERMINATED') {
      this.o.operations.done(operation);
      return operation;
    }
    this.timers.cancel(record.id);
    record.status = 'STOPPING';
    void this.o.boxHost.softOff(this.boxId(record))
      .then(() => this.o.boxHost.powerOff(this.boxId(record)))
      .finally(() => {
        record.status = 'TERMINATED';
        record.lastStopMs = this.now;
        this.o.operations.done(operation);
      });
    return operation;
  }

  start(zone: string, name: string, user: string): OperationRecord {
    const record = this.get(zone, name);
    const operation = this.o.operations.start({ project: this.o.project, zone, operationType: 'start', targetLink: instanceLink(this.o.project, zone, name), targetId: record.id, user, status: 'RUNNING' });
    if (record.status !== 'TERMINATED') {
      this.o.operations.done(operation);
      return operation;
    }
    record.preempted = false;
    record.status = 'PROVISIONING';
    const keys = parseSshKeys(metadataValue(record, 'ssh-keys'), this.now).filter((key) => key.user === record.loginUser).map((key) => key.publicKey);
    this.timers.later(record.id, 300, () => this.boot(record, operation, keys));
    return operation;
  }

  setMetadata(zone: string, name: string, body: Record<string, unknown>, user: string): OperationRecord {
    const record = this.get(zone, name);
    if (body.fingerprint !== record.metadataFingerprint) {
      throw new GoogleApiError(412, "Supplied fingerprint does not match current metadata fingerprint.", 'conditionNotMet', { location: 'If-Match', locationType: 'header' });
    }
    const items: MetadataItem[] = (Array.isArray(body.items) ? body.items : [])
      .filter((item): item is { key: string; value?: unknown } => typeof item === 'object' && item !== null && typeof (item as { key?: unknown }).key === 'string')
      .map((item) => ({ key: item.key, value: scalarText(item.value) }));
    record.metadataItems = items;
    record.metadataFingerprint = fingerprintOf([items, this.now]);
    const operation = this.o.operations.start({ project: this.o.project, zone, operationType: 'setMetadata', targetLink: instanceLink(this.o.project, zone, name), targetId: record.id, user, status: 'RUNNING' });
    this.o.operations.done(operation);
    return operation;
  }

  /**
   * Announces a host maintenance event in the VM's metadata (what the guest sees before it); the
   * maintenance itself (migration or termination) is not carried out. NONE ends the announcement.
   */
  announceMaintenance(name: string, zone: string | undefined, event: MaintenanceEvent): { name: string; zone: string; maintenanceEvent: MaintenanceEvent } {
    const matches = this.list(zone).filter((record) => record.name === name);
    if (matches.length !== 1) {
      throw new Error(matches.length === 0 ? `unknown instance ${name}` : `instance name ${name} is in several zones; give the zone`);
    }
    const record = matches[0];
    if (record.status !== 'RUNNING') {
      throw new Error(`invalid: ${name} is ${record.status}`);
    }
    record.maintenanceEvent = event;
    this.o.events.record('gce-fault', { name, zone: record.zone, maintenanceEvent: event });
    return { name, zone: record.zone, maintenanceEvent: event };
  }

  /** A Spot preemption of a RUNNING instance (by name, in `zone` or the only zone it is in); see spotPreemption.ts. */
  preempt(name: string, zone?: string): PreemptionSchedule {
    const matches = this.list(zone).filter((record) => record.name === name);
    if (matches.length !== 1) {
      throw new Error(matches.length === 0 ? `unknown instance ${name}` : `instance name ${name} is in several zones; give the zone`);
    }
    return this.preemptions.preempt(matches[0]);
  }

  private forget(record: InstanceRecord): void {
    this.timers.cancel(record.id);
    this.boxTokens.delete(record.id);
    if (this.records.get(`${record.zone}/${record.name}`) === record) {
      this.records.delete(`${record.zone}/${record.name}`);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.timers.dispose();
  }
}
