/**
 * regions/{region}/instanceGroupManagers: regional managed instance groups. The API side lives
 * here (insert, get, list, delete, resize, listManagedInstances, listErrors); what the group does
 * with its VMs is migReconciler.ts. As on GCE, insert and resize are DONE once the group has its
 * new target (the VMs follow; clients watch currentActions or listManagedInstances), and delete is
 * DONE when the group's VMs are gone and the group with them.
 */
import type { EventSink } from '../../contract';
import { GoogleApiError } from '../http/googleError';
import type { InstanceService } from './instances';
import type { InstanceTemplates } from './instanceTemplates';
import { instanceGroupManagerLink } from './links';
import { MigReconciler } from './migReconciler';
import type { MigRecord } from './migRecord';
import { MAX_REGIONAL_GROUP_SIZE, validateMigInsert } from './migValidation';
import type { OperationRecord, Operations } from './operations';
import { page } from './paging';
import { fingerprintOf } from './renderInstance';
import { renderGroup, renderGroupError, renderManagedInstance } from './renderInstanceGroupManager';
import { newResourceId } from './resourceId';

export interface InstanceGroupManagersOptions {
  readonly project: string;
  readonly projectNumber: string;
  readonly operations: Operations;
  readonly instances: InstanceService;
  readonly templates: InstanceTemplates;
  readonly events: EventSink;
  /** From a group VM's loss to its recreation (sandbox default 3 s). */
  readonly repairDelayMs?: number;
  /** Before a group tries its zones and machine types again after all failed (sandbox default 5 s). */
  readonly createRetryMs?: number;
  readonly now?: () => number;
}

export class InstanceGroupManagers {
  private readonly groups = new Map<string, MigRecord>();
  /** Delete operations waiting for their group's VMs to go (not kept across restarts, like all operations). */
  private readonly deletions = new Map<string, OperationRecord>();
  private readonly reconciler: MigReconciler;

  constructor(private readonly o: InstanceGroupManagersOptions) {
    this.reconciler = new MigReconciler({
      project: o.project,
      projectNumber: o.projectNumber,
      instances: o.instances,
      templates: o.templates,
      events: o.events,
      groups: () => [...this.groups.values()],
      deleted: (group) => this.deleted(group),
      repairDelayMs: o.repairDelayMs,
      createRetryMs: o.createRetryMs,
      now: o.now,
    });
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Starts reconciling (after restore, once the server listens). */
  start(): void {
    this.reconciler.start();
  }

  dispose(): void {
    this.reconciler.dispose();
  }

  insert(region: string, body: Record<string, unknown>, user: string): OperationRecord {
    const spec = validateMigInsert(body, { project: this.o.project, region, template: (name) => this.o.templates.get(name) });
    if (this.groups.has(this.key(region, spec.name))) {
      throw GoogleApiError.alreadyExists(this.path(region, spec.name));
    }
    const id = newResourceId();
    const group: MigRecord = {
      id,
      name: spec.name,
      region,
      creationMs: this.now,
      description: spec.description,
      baseInstanceName: spec.baseInstanceName,
      templateName: spec.template.name,
      targetSize: spec.targetSize,
      zones: spec.zones,
      targetShape: spec.targetShape,
      ...(spec.instanceSelections ? { instanceSelections: spec.instanceSelections } : {}),
      updatePolicy: spec.updatePolicy,
      listManagedInstancesResults: spec.listManagedInstancesResults,
      fingerprint: fingerprintOf([id, spec.targetSize]),
      managed: [],
      errors: [],
      deleting: false,
    };
    this.groups.set(this.key(region, spec.name), group);
    this.o.events.record('gce-mig-inserted', { group: group.name, region, template: group.templateName, targetSize: group.targetSize, zones: group.zones, targetShape: group.targetShape });
    return this.finished(this.operation(group, 'insert', user));
  }

  get(region: string, name: string): MigRecord {
    const group = this.groups.get(this.key(region, name));
    if (!group) {
      throw GoogleApiError.notFound(this.path(region, name));
    }
    return group;
  }

  list(region: string): MigRecord[] {
    return [...this.groups.values()].filter((group) => group.region === region).sort((a, b) => a.name.localeCompare(b.name));
  }

  resize(region: string, name: string, size: string | null, user: string): OperationRecord {
    const group = this.get(region, name);
    if (size === null || size === '') {
      throw GoogleApiError.required('size');
    }
    const target = Number(size);
    if (!Number.isInteger(target) || target < 0 || target > MAX_REGIONAL_GROUP_SIZE) {
      throw GoogleApiError.invalidField('size', size, `Must be between 0 and ${MAX_REGIONAL_GROUP_SIZE}.`);
    }
    group.targetSize = target;
    group.fingerprint = fingerprintOf([group.id, target, this.now]);
    this.o.events.record('gce-mig-resized', { group: name, region, targetSize: target });
    return this.finished(this.operation(group, 'compute.regionInstanceGroupManagers.resize', user));
  }

  delete(region: string, name: string, user: string): OperationRecord {
    const group = this.get(region, name);
    const operation = this.operation(group, 'delete', user);
    group.deleting = true;
    group.managed.forEach((managed) => (managed.currentAction = 'DELETING'));
    this.deletions.set(this.key(region, name), operation);
    return operation;
  }

  render(group: MigRecord): Record<string, unknown> {
    return renderGroup(this.o.project, group);
  }

  /** listManagedInstances: every managed instance, paged only when the group's listManagedInstancesResults is PAGINATED. */
  managedInstances(region: string, name: string, query: URLSearchParams): Record<string, unknown> {
    const group = this.get(region, name);
    const all = group.managed.map((managed) => {
      const vm = managed.zone ? this.o.instances.find(managed.zone, managed.name) : undefined;
      return renderManagedInstance(this.o.project, group, managed, vm);
    });
    if (group.listManagedInstancesResults === 'PAGELESS') {
      return { managedInstances: all };
    }
    const { items, nextPageToken } = page(all, query);
    return { managedInstances: items, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  /** listErrors: newest first (filter and orderBy are not supported there, as on GCE). */
  errors(region: string, name: string, query: URLSearchParams): Record<string, unknown> {
    const group = this.get(region, name);
    const { items, nextPageToken } = page([...group.errors].reverse().map((error) => renderGroupError(this.o.project, group, error)), query);
    return { ...(items.length ? { items } : {}), ...(nextPageToken ? { nextPageToken } : {}) };
  }

  /** The group that uses the template (its resource path), for templates' delete. */
  usedBy(templateName: string): string | undefined {
    const group = [...this.groups.values()].find((candidate) => candidate.templateName === templateName);
    return group && this.path(group.region, group.name);
  }

  snapshot(): MigRecord[] {
    return [...this.groups.values()].map((group) => structuredClone(group));
  }

  /** Groups from the state file; reconciling resumes with start() (a group being deleted goes on deleting). */
  restore(groups: readonly MigRecord[]): void {
    for (const group of groups) {
      this.groups.set(this.key(group.region, group.name), structuredClone(group));
    }
  }

  private deleted(group: MigRecord): void {
    const key = this.key(group.region, group.name);
    this.groups.delete(key);
    const operation = this.deletions.get(key);
    this.deletions.delete(key);
    if (operation) {
      this.o.operations.done(operation);
    }
    this.o.events.record('gce-mig-deleted', { group: group.name, region: group.region });
  }

  private operation(group: MigRecord, operationType: string, user: string): OperationRecord {
    return this.o.operations.start({
      project: this.o.project, region: group.region, operationType, targetLink: instanceGroupManagerLink(this.o.project, group.region, group.name), targetId: group.id, user, status: 'RUNNING',
    });
  }

  private finished(operation: OperationRecord): OperationRecord {
    this.o.operations.done(operation);
    return operation;
  }

  private key(region: string, name: string): string {
    return `${region}/${name}`;
  }

  private path(region: string, name: string): string {
    return `projects/${this.o.project}/regions/${region}/instanceGroupManagers/${name}`;
  }
}
