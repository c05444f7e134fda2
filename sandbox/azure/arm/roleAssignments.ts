/**
 * Microsoft.Authorization/roleAssignments at any scope (subscription, group, resource), as
 * api-version 2022-04-01 answers them: PUT `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`
 * (201; 409 `RoleAssignmentExists` for the same principal, role and scope under another name; 400
 * `PrincipalNotFound` for a principal the directory does not have, `RoleDefinitionDoesNotExist`),
 * GET (404 `RoleAssignmentNotFound`), DELETE (200 with the assignment, 204 when absent), and the
 * list of a scope (assignments at, above and below it) with `$filter=principalId eq '…'` or
 * `atScope()`. Assignments are not resources of a group's list and outlive what their principal
 * belonged to (a deleted scale set's assignment stays, orphaned, as on Azure); a resource group's
 * deletion removes those scoped inside it.
 */
import { ArmError, textOf } from './armError';
import type { Reply } from './resourceGroups';
import type { ResourceStore } from './resourceStore';
import { object } from './vmRequest';

/** The built-in roles the sandbox knows, by their (global) ids. */
export const BUILT_IN_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
};

export interface RoleAssignment {
  readonly name: string;
  readonly scope: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType: string;
  readonly createdOn: string;
  readonly createdBy: string;
}

export interface RoleAssignmentsContext {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly store: ResourceStore;
  /** The directory's principals: the sandbox's service principal and every managed identity. */
  knownPrincipal(principalId: string): boolean;
  /** `createdBy`: the sandbox's service principal, ARM's only caller. */
  readonly callerObjectId: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class RoleAssignments {
  private readonly assignments = new Map<string, RoleAssignment>();
  /**
   * The caller is neither Owner nor User Access Administrator on the scope: Azure answers a grant
   * with 403 AuthorizationFailed (it lacks Microsoft.Authorization/roleAssignments/write). Reads still work.
   */
  denyGrants = false;

  constructor(private readonly c: RoleAssignmentsContext) {}

  handle(method: string, scope: string, name: string | undefined, body: Record<string, unknown>, filter: string | null): Reply {
    this.requireScope(scope);
    if (name === undefined) {
      if (method !== 'GET') {
        throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported at this path.`);
      }
      return { status: 200, body: { value: this.list(scope, filter).map((assignment) => this.render(assignment)) } };
    }
    const existing = this.assignments.get(name.toLowerCase());
    switch (method) {
      case 'GET':
        if (!existing || !sameScope(existing.scope, scope)) {
          throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
        }
        return { status: 200, body: this.render(existing) };
      case 'DELETE':
        if (!existing || !sameScope(existing.scope, scope)) {
          return { status: 204 };
        }
        this.assignments.delete(name.toLowerCase());
        return { status: 200, body: this.render(existing) };
      case 'PUT':
        return this.put(scope, name, body, existing);
      default:
        throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported at this path.`);
    }
  }

  /** The role names `principalId` holds on `scope` through assignments at it or above it. */
  rolesOn(principalId: string, scope: string): string[] {
    return [...this.assignments.values()]
      .filter((assignment) => assignment.principalId.toLowerCase() === principalId.toLowerCase() && isAtOrAbove(assignment.scope, scope))
      .map((assignment) => BUILT_IN_ROLES[roleGuid(assignment.roleDefinitionId)] ?? '');
  }

  /** A resource group's deletion takes the assignments scoped inside it. */
  deleteAllIn(group: string): void {
    const groupScope = this.c.store.groupId(group);
    for (const [key, assignment] of this.assignments) {
      if (isAtOrAbove(groupScope, assignment.scope)) {
        this.assignments.delete(key);
      }
    }
  }

  saved(): RoleAssignment[] {
    return [...this.assignments.values()];
  }

  restore(saved: readonly RoleAssignment[]): void {
    for (const assignment of saved) {
      this.assignments.set(assignment.name.toLowerCase(), assignment);
    }
  }

  private put(scope: string, name: string, body: Record<string, unknown>, existing: RoleAssignment | undefined): Reply {
    if (this.denyGrants) {
      const caller = this.c.callerObjectId;
      throw new ArmError(403, 'AuthorizationFailed', `The client '${caller}' with object id '${caller}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${scope}/providers/Microsoft.Authorization/roleAssignments/${name}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    }
    if (!GUID.test(name)) {
      throw new ArmError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
    }
    const properties = object(body.properties);
    const roleDefinitionId = textOf(properties.roleDefinitionId);
    const principalId = textOf(properties.principalId);
    if (!roleDefinitionId || !principalId) {
      throw new ArmError(400, 'InvalidRequestContent', "The request content was invalid: properties.roleDefinitionId and properties.principalId are required.");
    }
    const roleDefinitionPrefix = `/subscriptions/${this.c.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/`.toLowerCase();
    if (!roleDefinitionId.toLowerCase().startsWith(roleDefinitionPrefix) || !BUILT_IN_ROLES[roleGuid(roleDefinitionId)]) {
      throw new ArmError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${roleGuid(roleDefinitionId)}' does not exist.`);
    }
    if (existing) {
      if (sameScope(existing.scope, scope) && existing.principalId.toLowerCase() === principalId.toLowerCase() && roleGuid(existing.roleDefinitionId) === roleGuid(roleDefinitionId)) {
        throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
      }
      throw new ArmError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
    }
    if (!this.c.knownPrincipal(principalId)) {
      throw new ArmError(400, 'PrincipalNotFound', `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${this.c.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`);
    }
    const duplicate = [...this.assignments.values()].find((item) => sameScope(item.scope, scope) && item.principalId.toLowerCase() === principalId.toLowerCase() && roleGuid(item.roleDefinitionId) === roleGuid(roleDefinitionId));
    if (duplicate) {
      throw new ArmError(409, 'RoleAssignmentExists', `The role assignment already exists. The ID of the existing role assignment is ${duplicate.name.replace(/-/g, '')}.`);
    }
    const assignment: RoleAssignment = {
      name: name.toLowerCase(), scope, roleDefinitionId, principalId, principalType: textOf(properties.principalType) || 'ServicePrincipal',
      createdOn: new Date().toISOString(), createdBy: this.c.callerObjectId,
    };
    this.assignments.set(assignment.name, assignment);
    return { status: 201, body: this.render(assignment) };
  }

  private list(scope: string, filter: string | null): RoleAssignment[] {
    const text = (filter ?? '').trim();
    const principal = /^principalId\s+eq\s+'([^']+)'$/i.exec(text)?.[1];
    const atScope = /^atScope\(\)$/i.test(text);
    if (text && !principal && !atScope) {
      throw new ArmError(400, 'UnsupportedQuery', `The filter '${text}' is not supported. Supported filters are principalId eq '{value}' and atScope().`);
    }
    return [...this.assignments.values()].filter((assignment) =>
      (isAtOrAbove(assignment.scope, scope) || (!atScope && isAtOrAbove(scope, assignment.scope)))
      && (!principal || assignment.principalId.toLowerCase() === principal.toLowerCase()));
  }

  private requireScope(scope: string): void {
    const parts = scope.split('/').filter(Boolean);
    if (parts.length >= 4 && parts[2].toLowerCase() === 'resourcegroups') {
      this.c.store.requireGroup(parts[3]);
      if (parts.length > 4 && !this.c.store.get(scope)) {
        throw new ArmError(404, 'ResourceNotFound', `The Resource '${parts.slice(5).join('/')}' under resource group '${parts[3]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
      }
    }
  }

  private render(assignment: RoleAssignment): Record<string, unknown> {
    return {
      properties: {
        roleDefinitionId: assignment.roleDefinitionId, principalId: assignment.principalId, principalType: assignment.principalType, scope: assignment.scope,
        condition: null, conditionVersion: null, createdOn: assignment.createdOn, updatedOn: assignment.createdOn, createdBy: assignment.createdBy, updatedBy: assignment.createdBy,
        delegatedManagedIdentityResourceId: null, description: null,
      },
      id: `${assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`,
      type: 'Microsoft.Authorization/roleAssignments',
      name: assignment.name,
    };
  }
}

function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split('/').pop() ?? '').toLowerCase();
}

function sameScope(a: string, b: string): boolean {
  return a.replace(/\/$/, '').toLowerCase() === b.replace(/\/$/, '').toLowerCase();
}

/** `outer` is `inner` or one of its parents (subscription ⊃ group ⊃ resource). */
export function isAtOrAbove(outer: string, inner: string): boolean {
  const a = outer.replace(/\/$/, '').toLowerCase();
  const b = inner.replace(/\/$/, '').toLowerCase();
  return a === b || b.startsWith(`${a}/`);
}
