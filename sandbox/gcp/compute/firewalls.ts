/** global/firewalls: the rules Spotbox opens for SSH (targetTags, sourceRanges, allowed ports). */
import { GoogleApiError } from '../http/googleError';
import { computeTimestamp, firewallLink, networkLink } from './links';
import type { OperationRecord, Operations } from './operations';
import { newResourceId } from './resourceId';

interface FirewallRecord {
  readonly id: string;
  readonly creationMs: number;
  readonly resource: Record<string, unknown>;
}

const NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export class Firewalls {
  private readonly records = new Map<string, FirewallRecord>();

  constructor(private readonly project: string, private readonly operations: Operations, private readonly now: () => number = Date.now) {}

  insert(body: Record<string, unknown>, user: string): OperationRecord {
    const name = body.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw GoogleApiError.invalidField('resource.name', name, "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'");
    }
    if (this.records.has(name)) {
      throw GoogleApiError.alreadyExists(`projects/${this.project}/global/firewalls/${name}`);
    }
    const direction = body.direction ?? 'INGRESS';
    if (direction !== 'INGRESS' && direction !== 'EGRESS') {
      throw GoogleApiError.invalidField('resource.direction', direction, 'Must be INGRESS or EGRESS.');
    }
    const allowed = Array.isArray(body.allowed) ? body.allowed : [];
    const denied = Array.isArray(body.denied) ? body.denied : [];
    if (allowed.length === 0 && denied.length === 0) {
      throw GoogleApiError.invalidField('resource.allowed', '', 'Either allowed or denied must be specified.');
    }
    for (const [index, rule] of [...allowed, ...denied].entries()) {
      const protocol = (rule as { IPProtocol?: unknown }).IPProtocol;
      if (typeof protocol !== 'string' || protocol === '') {
        throw GoogleApiError.required(`resource.allowed[${index}].IPProtocol`);
      }
    }
    const sourceRanges = Array.isArray(body.sourceRanges) ? body.sourceRanges : [];
    for (const range of sourceRanges) {
      if (typeof range !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(range)) {
        throw GoogleApiError.invalidField('resource.sourceRanges', range, 'Must be an IPv4 CIDR range.');
      }
    }
    const id = newResourceId();
    const record: FirewallRecord = {
      id,
      creationMs: this.now(),
      resource: {
        kind: 'compute#firewall',
        id,
        creationTimestamp: computeTimestamp(this.now()),
        name,
        description: typeof body.description === 'string' ? body.description : '',
        network: typeof body.network === 'string' ? body.network : networkLink(this.project),
        priority: typeof body.priority === 'number' ? body.priority : 1000,
        ...(direction === 'INGRESS' ? { sourceRanges: sourceRanges.length ? sourceRanges : ['0.0.0.0/0'] } : { destinationRanges: body.destinationRanges ?? ['0.0.0.0/0'] }),
        ...(Array.isArray(body.targetTags) ? { targetTags: body.targetTags } : {}),
        ...(Array.isArray(body.sourceTags) ? { sourceTags: body.sourceTags } : {}),
        ...(allowed.length ? { allowed } : {}),
        ...(denied.length ? { denied } : {}),
        direction,
        logConfig: { enable: false },
        disabled: body.disabled === true,
        selfLink: firewallLink(this.project, name),
      },
    };
    this.records.set(name, record);
    return this.finished('insert', name, id, user);
  }

  snapshot(): Array<{ id: string; creationMs: number; resource: Record<string, unknown> }> {
    return [...this.records.values()].map((record) => structuredClone(record));
  }

  restore(records: ReadonlyArray<{ id: string; creationMs: number; resource: Record<string, unknown> }>): void {
    for (const record of records) {
      this.records.set(String(record.resource.name), structuredClone(record));
    }
  }

  get(name: string): Record<string, unknown> {
    const record = this.records.get(name);
    if (!record) {
      throw GoogleApiError.notFound(`projects/${this.project}/global/firewalls/${name}`);
    }
    return record.resource;
  }

  list(): Array<Record<string, unknown>> {
    return [...this.records.values()].sort((a, b) => a.creationMs - b.creationMs).map((record) => record.resource);
  }

  delete(name: string, user: string): OperationRecord {
    const record = this.records.get(name);
    if (!record) {
      throw GoogleApiError.notFound(`projects/${this.project}/global/firewalls/${name}`);
    }
    this.records.delete(name);
    return this.finished('delete', name, record.id, user);
  }

  /** Firewall changes take effect in seconds on GCE; the sandbox has no packet filter, so the operation is done at once. */
  private finished(operationType: string, name: string, id: string, user: string): OperationRecord {
    const operation = this.operations.start({ project: this.project, operationType, targetLink: firewallLink(this.project, name), targetId: id, user, status: 'RUNNING' });
    this.operations.done(operation);
    return operation;
  }
}
