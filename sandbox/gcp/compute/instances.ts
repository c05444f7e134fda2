/**
 * The running side of Compute Engine instances: insert boots a real box through the box host,
 * delete/stop/start drive it, and a Spot preemption runs as GCE runs it: `instance/preempted`
 * turns TRUE (after `preemptionNoticeDuration` the VM gets ACPI G2 soft off: SIGTERM to its
 * processes), 30 s later G3 off, then the instance is TERMINATED, or deleted when
 * `instanceTerminationAction` is DELETE; a `compute.instances.preempted` operation records it.
 */
import { randomBytes } from 'node:crypto';
import type { BoxSpec, EventSink, GceMetadataView, MetadataView, PowerControlledBoxHost, SshHostPublicKey } from '../../contract';
import type { AccessTokens, IssuedToken } from '../auth/accessTokens';
import { GoogleApiError } from '../http/googleError';
import { scalarText } from '../http/googleHttp';
import { acceleratorOffered, regionOf, ZONES } from './catalog';
import type { GceFaults } from './faults';
import { validateInsert } from './insertValidation';
import { metadataValue, type InstanceRecord, type MetadataItem } from './instanceRecord';
import { instanceLink } from './links';
import type { OperationRecord, Operations } from './operations';
import { fingerprintOf } from './renderInstance';
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

/** GCE's G2 -> G3 window for Spot VMs. */
export const SPOT_SHUTDOWN_GRACE_MS = 30_000;

/** A box needs an account for its disk; with no ssh-keys item this one exists and no key opens it. */
const KEYLESS_LOGIN_USER = 'gce-no-ssh-keys';

export class InstanceService {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private readonly boxTokens = new Map<string, IssuedToken>();
  private disposed = false;

  constructor(private readonly o: InstanceServiceOptions) {}

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
    const projectAttributes = this.o.projectAttributes();
    const instanceSshKeys = insert.metadataItems.find((item) => item.key === 'ssh-keys')?.value;
    const blockProjectKeys = /^true$/i.test(insert.metadataItems.find((item) => item.key === 'block-project-ssh-keys')?.value ?? '');
    const sshKeys = parseSshKeys([instanceSshKeys, blockProjectKeys ? undefined : projectAttributes['ssh-keys']].filter(Boolean).join('\n'), this.now);
    const guestAttributesFlag = insert.metadataItems.find((item) => item.key === 'enable-guest-attributes')?.value ?? projectAttributes['enable-guest-attributes'];
    const record: InstanceRecord = {
      // Google's instance ids are 19-digit decimal numbers.
      id: (10n ** 18n + (BigInt('0x' + randomBytes(8).toString('hex')) % (9n * 10n ** 18n))).toString(),
      project: this.o.project,
      zone,
      name: insert.name,
      machineType: insert.machineType.name,
      creationMs: this.now,
      description: insert.description,
      labels: insert.labels,
      tags: insert.tags,
      metadataItems: insert.metadataItems,
      metadataFingerprint: fingerprintOf(insert.metadataItems),
      scheduling: insert.scheduling,
      guestAccelerators: insert.guestAccelerators,
      disks: insert.disks,
      sourceImage: insert.sourceImage,
      // As on GCE, 'default' names the project's Compute Engine default service account.
      serviceAccount: insert.serviceAccount && {
        ...insert.serviceAccount,
        email: insert.serviceAccount.email === 'default' ? `${this.o.projectNumber}-compute@developer.gserviceaccount.com` : insert.serviceAccount.email,
      },
      loginUser: sshKeys[0]?.user,
      enableGuestAttributes: /^true$/i.test(guestAttributesFlag ?? ''),
      status: 'PROVISIONING',
      preempted: false,
    };
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
      this.later(record, this.o.failedInsertVisibleMs ?? 1500, () => {
        this.records.delete(`${zone}/${record.name}`);
        this.o.operations.done(operation, failure);
        this.o.events.record('gce-fault', { name: record.name, zone, error: failure.errors[0].code });
      });
      return operation;
    }
    const keys = sshKeys.filter((key) => key.user === record.loginUser).map((key) => key.publicKey);
    this.later(record, 300, () => this.boot(record, operation, keys));
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
      this.finishPreemption(record);
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
    const spec: BoxSpec = {
      instanceId: this.boxId(record),
      region: regionOf(record.zone),
      availabilityZone: record.zone,
      instanceType: record.machineType,
      lifecycle: record.scheduling.provisioningModel === 'SPOT' ? 'spot' : 'on-demand',
      amiId: record.sourceImage,
      loginUser: record.loginUser ?? KEYLESS_LOGIN_USER,
      authorizedKey: authorizedKeys.length ? authorizedKeys.join('\n') : undefined,
      httpTokens: 'optional',
      bootDelayMs: this.o.bootDelayMs(),
      environment: this.o.boxEnvironment,
      previousAddress: record.address,
      gce: {
        project: this.o.project,
        projectNumber: this.o.projectNumber,
        zone: record.zone,
        instanceName: record.name,
        numericId: record.id,
        machineType: record.machineType,
        startupScript: metadataValue(record, 'startup-script'),
        serviceAccount: record.serviceAccount,
      },
    };
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
      maintenanceEvent: 'NONE',
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
    this.cancelTimers(record);
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
    this.cancelTimers(record);
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
    this.later(record, 300, () => this.boot(record, operation, keys));
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
   * A Spot preemption of a RUNNING instance (found by name, in `zone` or any zone). Answers when
   * each step happens, as epoch milliseconds.
   */
  preempt(name: string, zone?: string): { name: string; zone: string; noticeAtMs: number; softOffAtMs: number; offAtMs: number } {
    const matches = this.list(zone).filter((record) => record.name === name);
    if (matches.length !== 1) {
      throw new Error(matches.length === 0 ? `unknown instance ${name}` : `instance name ${name} is in several zones; give the zone`);
    }
    const record = matches[0];
    if (record.scheduling.provisioningModel !== 'SPOT') {
      throw new Error(`invalid: ${name} is not a Spot VM`);
    }
    if (record.status !== 'RUNNING' || record.preempted) {
      throw new Error(`invalid: ${name} is ${record.preempted ? 'already preempted' : record.status}`);
    }
    const noticeMs = (record.scheduling.preemptionNoticeSeconds ?? 0) * 1000;
    const graceMs = this.o.preemptionGraceMs ?? SPOT_SHUTDOWN_GRACE_MS;
    const noticeAtMs = this.now;
    record.preempted = true;
    this.o.events.record('gce-preemption-notice', { name, zone: record.zone, softOffInMs: noticeMs });
    const softOff = (): void => {
      record.status = 'STOPPING';
      const operation = this.o.operations.start({
        project: this.o.project, zone: record.zone, operationType: 'compute.instances.preempted', targetLink: instanceLink(this.o.project, record.zone, name),
        targetId: record.id, user: 'system', status: 'RUNNING',
      });
      operation.statusMessage = 'Instance was preempted.';
      this.o.operations.done(operation);
      void this.o.boxHost.softOff(this.boxId(record));
      this.later(record, graceMs, () => this.finishPreemption(record));
    };
    if (noticeMs > 0) {
      this.later(record, noticeMs, softOff);
    } else {
      softOff();
    }
    return { name, zone: record.zone, noticeAtMs, softOffAtMs: noticeAtMs + noticeMs, offAtMs: noticeAtMs + noticeMs + graceMs };
  }

  private finishPreemption(record: InstanceRecord): void {
    const remove = record.scheduling.instanceTerminationAction === 'DELETE';
    const boxId = this.boxId(record);
    const done = (): void => {
      if (remove) {
        this.forget(record);
      } else {
        record.status = 'TERMINATED';
        record.lastStopMs = this.now;
      }
      this.o.events.record('gce-preempted', { name: record.name, zone: record.zone, id: record.id, action: remove ? 'DELETE' : 'STOP' });
    };
    void (remove ? this.o.boxHost.terminate(boxId) : this.o.boxHost.powerOff(boxId)).finally(done);
  }

  /** Guest attributes published by the guest agent; only `hostkeys/` exists in the sandbox. */
  guestAttributes(record: InstanceRecord, queryPath: string | undefined, variableKey: string | undefined): Array<{ namespace: string; key: string; value: string }> | undefined {
    if (!record.enableGuestAttributes || !record.hostKeys || record.status !== 'RUNNING') {
      return undefined;
    }
    const all = record.hostKeys.map((key) => ({ namespace: 'hostkeys', key: key.algorithm, value: key.blobBase64 }));
    const path = variableKey ?? queryPath ?? '';
    const [namespace, key] = path.split('/');
    const found = all.filter((item) => (!namespace || item.namespace === namespace) && (!key || item.key === key));
    return found.length ? found : undefined;
  }

  private forget(record: InstanceRecord): void {
    this.cancelTimers(record);
    this.boxTokens.delete(record.id);
    if (this.records.get(`${record.zone}/${record.name}`) === record) {
      this.records.delete(`${record.zone}/${record.name}`);
    }
  }

  private later(record: InstanceRecord, ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      const list = this.timers.get(record.id) ?? [];
      this.timers.set(record.id, list.filter((other) => other !== timer));
      if (!this.disposed) {
        action();
      }
    }, ms);
    this.timers.set(record.id, [...(this.timers.get(record.id) ?? []), timer]);
  }

  private cancelTimers(record: InstanceRecord): void {
    for (const timer of this.timers.get(record.id) ?? []) {
      clearTimeout(timer);
    }
    this.timers.delete(record.id);
  }

  dispose(): void {
    this.disposed = true;
    for (const timers of this.timers.values()) {
      timers.forEach(clearTimeout);
    }
    this.timers.clear();
  }
}
