/**
 * The project resource (projects.get) and its common instance metadata, which every VM reads as
 * `project/attributes/` (project-wide ssh-keys, enable-guest-attributes, ...).
 * gcloud compute ssh reads it to decide where a key must go.
 */
import { GoogleApiError } from '../http/googleError';
import { scalarText } from '../http/googleHttp';
import type { MetadataItem } from './instanceRecord';
import { computeTimestamp, projectLink } from './links';
import type { OperationRecord, Operations } from './operations';
import { fingerprintOf } from './renderInstance';

export class ProjectMetadata {
  private items: MetadataItem[];
  private fingerprint: string;

  constructor(private readonly project: string, private readonly projectNumber: string, initial: Readonly<Record<string, string>>, private readonly operations: Operations) {
    this.items = Object.entries(initial).map(([key, value]) => ({ key, value }));
    this.fingerprint = fingerprintOf(this.items);
  }

  snapshot(): MetadataItem[] {
    return this.items.map((item) => ({ ...item }));
  }

  restore(items: readonly MetadataItem[]): void {
    this.items = items.map((item) => ({ ...item }));
    this.fingerprint = fingerprintOf(this.items);
  }

  attributes(): Record<string, string> {
    return Object.fromEntries(this.items.map((item) => [item.key, item.value]));
  }

  render(): Record<string, unknown> {
    return {
      kind: 'compute#project',
      id: this.projectNumber,
      creationTimestamp: computeTimestamp(Date.UTC(2024, 0, 1)),
      name: this.project,
      commonInstanceMetadata: { kind: 'compute#metadata', fingerprint: this.fingerprint, ...(this.items.length ? { items: this.items.map((item) => ({ ...item })) } : {}) },
      selfLink: projectLink(this.project),
      defaultServiceAccount: `${this.projectNumber}-compute@developer.gserviceaccount.com`,
      xpnProjectStatus: 'UNSPECIFIED_XPN_PROJECT_STATUS',
      defaultNetworkTier: 'PREMIUM',
      vmDnsSetting: 'ZONAL_ONLY',
    };
  }

  set(body: Record<string, unknown>, user: string): OperationRecord {
    if (body.fingerprint !== undefined && body.fingerprint !== this.fingerprint) {
      throw new GoogleApiError(412, 'Supplied fingerprint does not match current metadata fingerprint.', 'conditionNotMet', { location: 'If-Match', locationType: 'header' });
    }
    this.items = (Array.isArray(body.items) ? body.items : [])
      .filter((item): item is { key: string; value?: unknown } => typeof item === 'object' && item !== null && typeof (item as { key?: unknown }).key === 'string')
      .map((item) => ({ key: item.key, value: scalarText(item.value) }));
    this.fingerprint = fingerprintOf([this.items, Date.now()]);
    const operation = this.operations.start({ project: this.project, operationType: 'compute.projects.setCommonInstanceMetadata', targetLink: projectLink(this.project), targetId: this.projectNumber, user, status: 'RUNNING' });
    this.operations.done(operation);
    return operation;
  }
}
