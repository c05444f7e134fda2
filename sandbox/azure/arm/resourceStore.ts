/**
 * The subscription's resource groups and the resources in them, keyed case-insensitively as ARM
 * keys them (names keep the casing they were created with).
 */
import { ArmError } from './armError';

export interface ResourceGroup {
  readonly name: string;
  location: string;
  tags: Record<string, string>;
  provisioningState: 'Succeeded' | 'Deleting';
}

export interface ArmResource {
  readonly id: string;
  readonly name: string;
  /** e.g. Microsoft.Network/networkInterfaces */
  readonly type: string;
  readonly resourceGroup: string;
  readonly location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  zones?: string[];
  etag: string;
  /** What the resource keeps but ARM never answers (a scale set's VM profile with its customData); saved with it. */
  model?: Record<string, unknown>;
}

export class ResourceStore {
  private readonly groups = new Map<string, ResourceGroup>();
  private readonly resources = new Map<string, ArmResource>();

  constructor(readonly subscriptionId: string) {}

  groupId(group: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${group}`;
  }

  resourceId(group: string, type: string, name: string): string {
    return `${this.groupId(group)}/providers/${type}/${name}`;
  }

  group(name: string): ResourceGroup | undefined {
    return this.groups.get(name.toLowerCase());
  }

  requireGroup(name: string): ResourceGroup {
    const group = this.group(name);
    if (!group) {
      throw ArmError.resourceGroupNotFound(name);
    }
    return group;
  }

  putGroup(group: ResourceGroup): void {
    this.groups.set(group.name.toLowerCase(), group);
  }

  deleteGroup(name: string): void {
    this.groups.delete(name.toLowerCase());
  }

  listGroups(): ResourceGroup[] {
    return [...this.groups.values()];
  }

  get(id: string): ArmResource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  find(group: string, type: string, name: string): ArmResource | undefined {
    return this.get(this.resourceId(group, type, name));
  }

  require(group: string, type: string, name: string): ArmResource {
    this.requireGroup(group);
    const resource = this.find(group, type, name);
    if (!resource) {
      throw ArmError.resourceNotFound(type, name, group);
    }
    return resource;
  }

  put(resource: ArmResource): void {
    this.resources.set(resource.id.toLowerCase(), resource);
  }

  remove(id: string): void {
    this.resources.delete(id.toLowerCase());
  }

  list(filter: { group?: string; type?: string } = {}): ArmResource[] {
    return [...this.resources.values()].filter((resource) =>
      (!filter.group || resource.resourceGroup.toLowerCase() === filter.group.toLowerCase())
      && (!filter.type || resource.type.toLowerCase() === filter.type.toLowerCase()));
  }

  /** Resources whose properties mention `id` (a NIC naming a public IP, a VM naming a NIC …). */
  referrers(id: string): ArmResource[] {
    const needle = `"${id.toLowerCase()}"`;
    return [...this.resources.values()].filter((resource) => resource.id.toLowerCase() !== id.toLowerCase() && JSON.stringify(resource.properties).toLowerCase().includes(needle));
  }
}

/** `{id: …}` reference fields as ARM bodies carry them. */
export function idOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
}
