/**
 * Resource groups: PUT (201/200; a different location is 409 InvalidResourceGroupLocation), PATCH
 * (tags), GET, HEAD (204/404), and DELETE — 202 with `Location: …/operationresults/{id}`; the
 * deletion stops its scale sets' restores, terminates every VM's box and removes every resource and
 * role assignment in the group, then the group.
 */
import type { EventSink } from '../../contract';
import { ArmError } from './armError';
import type { AsyncOperation, AsyncOperations } from './asyncOperations';
import { tagsOf } from './network';
import { renderGroup } from './renderResource';
import type { ResourceStore } from './resourceStore';
import type { RoleAssignments } from './roleAssignments';
import type { VirtualMachineScaleSets } from './virtualMachineScaleSets';
import type { VirtualMachines } from './virtualMachines';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResourceGroupsContext {
  readonly store: ResourceStore;
  readonly operations: AsyncOperations;
  readonly vms: VirtualMachines;
  readonly scaleSets: VirtualMachineScaleSets;
  readonly roleAssignments: RoleAssignments;
  readonly events: EventSink;
}

export class ResourceGroups {
  private readonly groupDeletions = new Map<string, AsyncOperation>();

  constructor(private readonly c: ResourceGroupsContext) {}

  handle(method: string, name: string, apiVersion: string, body: Record<string, unknown>): Reply {
    const existing = this.c.store.group(name);
    switch (method) {
      case 'HEAD':
        return { status: existing ? 204 : 404 };
      case 'GET':
        if (!existing) {
          throw ArmError.resourceGroupNotFound(name);
        }
        return { status: 200, body: renderGroup(this.c.store, existing) };
      case 'PUT':
      case 'PATCH': {
        if (!/^[-\w._()]{1,90}$/.test(name) || name.endsWith('.')) {
          throw new ArmError(400, 'InvalidResourceGroup', `The provided resource group name '${name}' has these invalid characters: '${name.replace(/[-\w._()]/g, '')}'. The name can only be a letter, digit, '-', '.', '_', '(', and ')'.`);
        }
        if (existing?.provisioningState === 'Deleting') {
          throw new ArmError(409, 'ResourceGroupBeingDeleted', `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`);
        }
        if (method === 'PATCH') {
          if (!existing) {
            throw ArmError.resourceGroupNotFound(name);
          }
          existing.tags = body.tags !== undefined ? tagsOf(body.tags) : existing.tags;
          return { status: 200, body: renderGroup(this.c.store, existing) };
        }
        const location = typeof body.location === 'string' ? body.location.toLowerCase() : '';
        if (!location) {
          throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
        }
        if (existing && existing.location !== location) {
          throw new ArmError(409, 'InvalidResourceGroupLocation', `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`);
        }
        const group = existing ?? { name, location, tags: {}, provisioningState: 'Succeeded' as const };
        group.tags = tagsOf(body.tags);
        this.c.store.putGroup(group);
        return { status: existing ? 200 : 201, body: renderGroup(this.c.store, group) };
      }
      case 'DELETE': {
        if (!existing) {
          throw ArmError.resourceGroupNotFound(name);
        }
        let operation = this.groupDeletions.get(name.toLowerCase());
        if (!operation) {
          operation = this.c.operations.start('Microsoft.Resources', existing.location, apiVersion);
          this.groupDeletions.set(name.toLowerCase(), operation);
          existing.provisioningState = 'Deleting';
          void this.deleteGroup(existing.name, operation);
        }
        return { status: 202, headers: { Location: this.c.operations.locationUrl(operation), 'Retry-After': '1' } };
      }
      default:
        throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported at this path.`);
    }
  }

  private async deleteGroup(name: string, operation: AsyncOperation): Promise<void> {
    this.c.scaleSets.deleteAllIn(name);
    await this.c.vms.deleteAllIn(name);
    const removed = this.c.store.list({ group: name });
    for (const resource of removed) {
      this.c.store.remove(resource.id);
    }
    this.c.roleAssignments.deleteAllIn(name);
    this.c.store.deleteGroup(name);
    this.groupDeletions.delete(name.toLowerCase());
    this.c.operations.succeed(operation);
    this.c.events.record('azure-resource-group-deleted', { resourceGroup: name, resources: removed.map((resource) => resource.id) });
  }

  /** `GET …/operationresults/{id}`: 202 while running, then 200 (or the error). */
  operationResult(id: string): Reply {
    const operation = this.c.operations.get(id);
    if (!operation) {
      throw new ArmError(404, 'NotFound', `The operation '${id}' was not found.`);
    }
    if (operation.status === 'InProgress') {
      return { status: 202, headers: { Location: this.c.operations.locationUrl(operation), 'Retry-After': '1' } };
    }
    if (operation.status === 'Failed') {
      return { status: 409, body: { error: operation.error } };
    }
    return { status: 200 };
  }
}
