import { randomUUID } from 'node:crypto';
import type { ArmHttp } from './armHttp';
import type { RoleAssignment } from './armTypes';

export const AUTHORIZATION_API_VERSION = '2022-04-01';

/** Azure's built-in "Storage Blob Data Contributor": read, write and delete blobs, nothing else. */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';

/**
 * Grants a managed identity a built-in role on one scope (a storage account), and takes it back.
 * An assignment outlives the identity it names (ARM leaves it orphaned), so whoever grants one
 * also deletes it.
 */
export class RoleAssignmentClient {
  constructor(private readonly http: ArmHttp, private readonly subscriptionId: string) {}

  async grant(scope: string, principalId: string, roleDefinitionGuid: string, signal?: AbortSignal): Promise<RoleAssignment> {
    const path = `${scope.replace(/^\/+/, '')}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
    const body = { properties: { roleDefinitionId: `/subscriptions/${this.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionGuid}`, principalId, principalType: 'ServicePrincipal' } };
    return (await this.http.call<RoleAssignment>({ method: 'PUT', path, apiVersion: AUTHORIZATION_API_VERSION, json: body, ...(signal ? { signal } : {}) })).body;
  }

  /** Deletes the assignment by its id; one already gone is fine. */
  async delete(assignmentId: string, signal?: AbortSignal): Promise<void> {
    await this.http.call({ method: 'DELETE', path: assignmentId.replace(/^\/+/, ''), apiVersion: AUTHORIZATION_API_VERSION, accept: [204, 404], ...(signal ? { signal } : {}) });
  }
}
