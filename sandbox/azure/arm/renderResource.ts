/** A resource as ARM's GET answers it. */
import type { ArmResource, ResourceGroup, ResourceStore } from './resourceStore';

export function renderResource(resource: ArmResource, extraProperties: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: resource.name,
    id: resource.id,
    etag: resource.etag,
    type: resource.type,
    location: resource.location,
    ...(Object.keys(resource.tags).length ? { tags: resource.tags } : {}),
    ...(resource.zones ? { zones: resource.zones } : {}),
    ...(resource.sku ? { sku: resource.sku } : {}),
    ...(resource.identity ? { identity: resource.identity } : {}),
    properties: { ...resource.properties, ...extraProperties },
  };
}

/** The short form of the generic `resources` list (no properties). */
export function renderGenericResource(resource: ArmResource): Record<string, unknown> {
  return {
    id: resource.id, name: resource.name, type: resource.type, location: resource.location,
    ...(Object.keys(resource.tags).length ? { tags: resource.tags } : {}),
    ...(resource.sku ? { sku: resource.sku } : {}),
    ...(resource.identity ? { identity: resource.identity } : {}),
  };
}

export function renderGroup(store: ResourceStore, group: ResourceGroup): Record<string, unknown> {
  return {
    id: store.groupId(group.name),
    name: group.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: group.location,
    ...(Object.keys(group.tags).length ? { tags: group.tags } : {}),
    properties: { provisioningState: group.provisioningState },
  };
}

export function newEtag(): string {
  return `W/"${crypto.randomUUID()}"`;
}
