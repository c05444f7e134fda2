/**
 * global/instanceTemplates: the VM a managed instance group creates, described without a zone
 * (machine type, disk type and accelerators by bare name). Insert checks what instances.insert
 * checks short of the zone; a template a group still uses cannot be deleted.
 */
import { GoogleApiError } from '../http/googleError';
import type { SchedulingSettings } from './instanceRecord';
import { validateName, validateTemplateProperties } from './insertValidation';
import { computeTimestamp, instanceTemplateLink } from './links';
import type { OperationRecord, Operations } from './operations';
import { fingerprintOf, renderScheduling } from './renderInstance';
import { newResourceId } from './resourceId';

export interface InstanceTemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly creationMs: number;
  readonly description: string;
  /** The properties as the client sent them, checked. */
  readonly properties: Record<string, unknown>;
  /** The scheduling they amount to, defaults filled in (what get shows). */
  readonly scheduling: SchedulingSettings;
}

export interface InstanceTemplatesOptions {
  readonly project: string;
  readonly operations: Operations;
  /** The resource path of a group that uses the template (`projects/p/regions/r/instanceGroupManagers/m`), if any. */
  readonly usedBy: (templateName: string) => string | undefined;
  readonly now?: () => number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class InstanceTemplates {
  private readonly records = new Map<string, InstanceTemplateRecord>();

  constructor(private readonly o: InstanceTemplatesOptions) {}

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  insert(body: Record<string, unknown>, user: string): OperationRecord {
    const name = validateName(body.name);
    const properties = body.properties;
    if (!isObject(properties)) {
      throw GoogleApiError.required('resource.properties');
    }
    const id = newResourceId();
    // Templates take a machine type name only; Google documents that a URL there ends the request in INTERNAL_ERROR
    // (InstanceProperties.machineType in the Compute v1 reference).
    if (typeof properties.machineType === 'string' && properties.machineType.includes('/')) {
      const failed = this.operation('insert', name, id, user);
      this.o.operations.done(failed, {
        errors: [{ code: 'INTERNAL_ERROR', message: 'Internal error. Please try again or contact Google Support.' }],
        httpStatus: 500,
        httpMessage: 'INTERNAL SERVER ERROR',
      });
      return failed;
    }
    const checked = validateTemplateProperties(properties);
    if (this.records.has(name)) {
      throw GoogleApiError.alreadyExists(this.path(name));
    }
    this.records.set(name, {
      id,
      name,
      creationMs: this.now,
      description: typeof body.description === 'string' ? body.description : '',
      properties: structuredClone(properties),
      scheduling: checked.scheduling,
    });
    const operation = this.operation('insert', name, id, user);
    this.o.operations.done(operation);
    return operation;
  }

  get(name: string): InstanceTemplateRecord {
    const record = this.records.get(name);
    if (!record) {
      throw GoogleApiError.notFound(this.path(name));
    }
    return record;
  }

  list(): InstanceTemplateRecord[] {
    return [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  delete(name: string, user: string): OperationRecord {
    const record = this.get(name);
    const group = this.o.usedBy(name);
    if (group) {
      // Compute's wording for a resource another one refers to.
      throw new GoogleApiError(400, `The instance_template resource '${this.path(name)}' is already being used by '${group}'`, 'resourceInUseByAnotherResource');
    }
    this.records.delete(name);
    const operation = this.operation('delete', name, record.id, user);
    this.o.operations.done(operation);
    return operation;
  }

  render(record: InstanceTemplateRecord): Record<string, unknown> {
    return {
      kind: 'compute#instanceTemplate',
      id: record.id,
      creationTimestamp: computeTimestamp(record.creationMs),
      name: record.name,
      description: record.description,
      properties: renderProperties(record),
      selfLink: instanceTemplateLink(this.o.project, record.name),
    };
  }

  snapshot(): InstanceTemplateRecord[] {
    return this.list().map((record) => structuredClone(record));
  }

  restore(records: readonly InstanceTemplateRecord[]): void {
    for (const record of records) {
      this.records.set(record.name, structuredClone(record));
    }
  }

  private path(name: string): string {
    return `projects/${this.o.project}/global/instanceTemplates/${name}`;
  }

  /** Templates are global resources: their inserts and deletes are global operations, done at once. */
  private operation(operationType: string, name: string, id: string, user: string): OperationRecord {
    return this.o.operations.start({ project: this.o.project, operationType, targetLink: instanceTemplateLink(this.o.project, name), targetId: id, user, status: 'RUNNING' });
  }
}

/** The properties as get shows them: as sent, with the kinds, defaults and fingerprints Compute adds. */
function renderProperties(record: InstanceTemplateRecord): Record<string, unknown> {
  const p = record.properties;
  const list = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value.filter(isObject) : []);
  const metadata = isObject(p.metadata) ? p.metadata : {};
  const items = list(metadata.items);
  return {
    ...p,
    ...(typeof p.description === 'string' ? {} : { description: '' }),
    disks: list(p.disks).map((disk, index) => ({ kind: 'compute#attachedDisk', type: 'PERSISTENT', mode: 'READ_WRITE', index, ...disk })),
    networkInterfaces: list(p.networkInterfaces).map((nic) => ({
      kind: 'compute#networkInterface',
      ...nic,
      ...(Array.isArray(nic.accessConfigs) ? { accessConfigs: list(nic.accessConfigs).map((config) => ({ kind: 'compute#accessConfig', ...config })) } : {}),
    })),
    metadata: { kind: 'compute#metadata', fingerprint: fingerprintOf(items), ...(items.length ? { items } : {}) },
    scheduling: renderScheduling(record.scheduling),
  };
}
