/**
 * The sandbox's Azure Resource Manager over HTTPS, for one subscription: bearer tokens from the
 * sandbox's Entra ID (401 `InvalidAuthenticationToken` otherwise), `api-version` required (400
 * `MissingApiVersionParameter`), resource groups, the generic resource list, Microsoft.Network,
 * Microsoft.Compute (network.ts, virtualMachines.ts, virtualMachineScaleSets.ts), the sandbox's
 * storage account (storageAccounts.ts), role assignments at any scope (roleAssignments.ts), and the
 * operations they start.
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { EventSink, PowerControlledBoxHost } from '../../contract';
import { ARM_AUDIENCE, type EntraTokens } from '../auth/entraTokens';
import { HttpsServer, readText, sendJson } from '../http/httpsServer';
import type { TestCertificates } from '../tls/testCertificates';
import { ArmError, textOf } from './armError';
import { ArmStateFile } from './armStateFile';
import { ResourceGroups, type Reply } from './resourceGroups';
import { AsyncOperations } from './asyncOperations';
import { AzureFaults } from './faults';
import { Network, NETWORK_TYPES } from './network';
import { renderGenericResource, renderGroup } from './renderResource';
import { matchesFilter, parseFilter } from './resourceFilter';
import { ResourceStore } from './resourceStore';
import { RoleAssignments } from './roleAssignments';
import { ensureSandboxStorageAccount, refuseStorageAccountChange, renderStorageAccount, STORAGE_ACCOUNT_TYPE, type SandboxStorageAccount } from './storageAccounts';
import { VirtualMachineScaleSets } from './virtualMachineScaleSets';
import { VirtualMachines } from './virtualMachines';
import { renderSkus, renderVmSizes } from './vmSizes';

export interface ArmEmulatorOptions {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly tokens: EntraTokens;
  readonly certificates: TestCertificates;
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly bootDelayMs: () => number;
  readonly boxEnvironment: Readonly<Record<string, string>>;
  /** Only the emulator's own tests shorten the 30 s of a Preempt event. */
  readonly evictionNoticeMs?: number;
  /** The sandbox's service principal (`createdBy` of role assignments; a principal the directory has). */
  readonly servicePrincipalObjectId: string;
  /** Azurite's account, served as a Microsoft.Storage resource. */
  readonly storageAccount?: SandboxStorageAccount;
  /** Try & Restore's delay after an eviction (virtualMachineScaleSets.ts gives the default). */
  readonly spotRestoreDelayMs?: number;
  /** Where groups, resources and VMs are kept across restarts; absent: in memory only. */
  readonly stateFile?: string;
}

/** The audiences ARM accepts: the Azure CLI still asks for the classic one. */
const ARM_AUDIENCES = [ARM_AUDIENCE, 'https://management.core.windows.net/'];
const SUBSCRIPTION_NAME = 'Spotbox Sandbox';

export class ArmEmulator {
  readonly store: ResourceStore;
  readonly operations: AsyncOperations;
  readonly faults = new AzureFaults();
  readonly network: Network;
  readonly vms: VirtualMachines;
  readonly scaleSets: VirtualMachineScaleSets;
  readonly roleAssignments: RoleAssignments;
  private readonly server: HttpsServer;
  private readonly groups: ResourceGroups;
  private readonly state?: ArmStateFile;
  private saveTimer?: NodeJS.Timeout;
  private url = '';

  constructor(private readonly o: ArmEmulatorOptions) {
    this.store = new ResourceStore(o.subscriptionId);
    this.operations = new AsyncOperations(o.subscriptionId);
    this.vms = new VirtualMachines({
      subscriptionId: o.subscriptionId, tenantId: o.tenantId, store: this.store, operations: this.operations, faults: this.faults, boxHost: o.boxHost, events: o.events,
      tokens: o.tokens, bootDelayMs: o.bootDelayMs, boxEnvironment: o.boxEnvironment, evictionNoticeMs: o.evictionNoticeMs ?? 30_000, retryAfterSeconds: 10,
    });
    this.network = new Network({ store: this.store, operations: this.operations, publicAddressOf: (id) => this.vms.publicAddressOf(id), vmOfNic: (id) => this.vms.vmOfNic(id) });
    this.scaleSets = new VirtualMachineScaleSets({
      tenantId: o.tenantId, store: this.store, operations: this.operations, faults: this.faults, vms: this.vms, network: this.network, events: o.events, retryAfterSeconds: 10,
      restoreDelayMs: o.spotRestoreDelayMs,
    });
    this.roleAssignments = new RoleAssignments({
      subscriptionId: o.subscriptionId, tenantId: o.tenantId, store: this.store, callerObjectId: o.servicePrincipalObjectId,
      knownPrincipal: (id) => this.principalIds().has(id.toLowerCase()),
    });
    this.groups = new ResourceGroups({ store: this.store, operations: this.operations, vms: this.vms, scaleSets: this.scaleSets, roleAssignments: this.roleAssignments, events: o.events });
    this.server = new HttpsServer(o.certificates, (req, res) => this.handle(req, res));
    this.state = o.stateFile ? new ArmStateFile(o.stateFile, this.store, this.vms, this.scaleSets, this.roleAssignments) : undefined;
  }

  async start(port = 0): Promise<{ url: string }> {
    const { url } = await this.server.start(port);
    this.url = url;
    this.operations.baseUrl = url;
    this.vms.baseUrl = url;
    this.state?.restore();
    if (this.o.storageAccount) {
      ensureSandboxStorageAccount(this.store, this.o.storageAccount);
    }
    if (this.state) {
      // State changes in requests and in timers (boots, evictions): a cheap snapshot compare catches both.
      this.saveTimer = setInterval(() => this.state?.save(), 500);
      this.saveTimer.unref();
    }
    return { url };
  }

  async stop(): Promise<void> {
    clearInterval(this.saveTimer);
    this.state?.save();
    this.scaleSets.stop();
    this.vms.stop();
    await this.server.stop();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const common = { 'x-ms-request-id': requestId, 'x-ms-correlation-request-id': req.headers['x-ms-correlation-request-id']?.toString() ?? requestId, 'x-ms-routing-request-id': `SANDBOX:${requestId}` };
    const url = new URL(req.url ?? '/', this.url);
    let reply: Reply;
    try {
      if (req.method === 'GET' && url.pathname.startsWith('/bootdiagnostics/')) {
        this.serveConsole(url, res);
        return;
      }
      this.authenticate(req);
      this.faults.checkThrottle();
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) {
        throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
      }
      const body = req.method === 'PUT' || req.method === 'PATCH' || req.method === 'POST' ? parseBody(await readText(req)) : {};
      reply = await this.route(req.method ?? 'GET', url, apiVersion, body);
    } catch (error) {
      const armError = error instanceof ArmError ? error : new ArmError(500, 'InternalServerError', String(error));
      reply = { status: armError.status, body: armError.body(), headers: {
        ...armError.headers,
        ...(armError.status === 401 ? { 'WWW-Authenticate': `Bearer authorization_uri="${this.url}/${this.o.tenantId}", error="invalid_token", error_description="${armError.message}"` } : {}),
      } };
    }
    const rateLimit: Record<string, string> = req.method === 'GET' || req.method === 'HEAD' ? { 'x-ms-ratelimit-remaining-subscription-reads': '11999' } : { 'x-ms-ratelimit-remaining-subscription-writes': '1199' };
    if (req.method === 'HEAD') {
      res.writeHead(reply.status, { ...rateLimit, ...common, ...reply.headers });
      res.end();
      return;
    }
    sendJson(res, reply.status, reply.body, { ...rateLimit, ...common, ...reply.headers });
  }

  private authenticate(req: http.IncomingMessage): void {
    const header = req.headers.authorization;
    if (!header) {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
    }
    if (!this.o.tokens.verify(match[1], ARM_AUDIENCES)) {
      throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    }
  }

  private async route(method: string, url: URL, apiVersion: string, body: Record<string, unknown>): Promise<Reply> {
    const parts = url.pathname.split('/').filter((part) => part !== '').map(decodeURIComponent);
    const lower = parts.map((part) => part.toLowerCase());
    const query = url.searchParams;
    if (lower[0] === 'tenants' && parts.length === 1 && method === 'GET') {
      return { status: 200, body: { value: [{ id: `/tenants/${this.o.tenantId}`, tenantId: this.o.tenantId, tenantCategory: 'Home', displayName: 'Spotbox Sandbox', defaultDomain: 'spotboxsandbox.onmicrosoft.com' }] } };
    }
    if (lower[0] !== 'subscriptions') {
      throw new ArmError(404, 'InvalidResourceType', `The resource type '${parts[0] ?? ''}' could not be found.`);
    }
    if (parts.length === 1 && method === 'GET') {
      return { status: 200, body: { value: [this.subscription()], count: { type: 'Total', value: 1 } } };
    }
    if (lower[1] !== this.o.subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${parts[1]}' could not be found.`);
    }
    const authorization = lower.findIndex((part, index) => part === 'providers' && lower[index + 1] === 'microsoft.authorization' && lower[index + 2] === 'roleassignments');
    if (authorization >= 2 && parts.length <= authorization + 4) {
      return this.roleAssignments.handle(method, `/${parts.slice(0, authorization).join('/')}`, parts[authorization + 3], body, query.get('$filter'));
    }
    const rest = lower.slice(2);
    if (rest.length === 0 && method === 'GET') {
      return { status: 200, body: this.subscription() };
    }
    if (rest[0] === 'resourcegroups') {
      return this.resourceGroupRoute(method, parts.slice(3), rest.slice(1), query, apiVersion, body);
    }
    if (rest[0] === 'resources' && rest.length === 1 && method === 'GET') {
      const filter = parseFilter(query.get('$filter'));
      return { status: 200, body: { value: this.store.list().filter((item) => matchesFilter(item, filter)).map(renderGenericResource) } };
    }
    if (rest[0] === 'operationresults' && rest.length === 2 && method === 'GET') {
      return this.groups.operationResult(parts[3]);
    }
    if (rest[0] === 'providers' && rest.length >= 2) {
      return this.subscriptionProviderRoute(method, rest.slice(1), parts.slice(3), query);
    }
    throw new ArmError(404, 'InvalidResourceType', `The resource type '${parts.slice(2).join('/')}' could not be found in the namespace.`);
  }

  /** The directory's principals: the service principal and every system-assigned identity (VMs', scale sets'). */
  principalIds(): Set<string> {
    const ids = this.store.list().map((resource) => textOf(resource.identity?.principalId).toLowerCase()).filter(Boolean);
    return new Set([this.o.servicePrincipalObjectId.toLowerCase(), ...ids]);
  }

  private subscription(): Record<string, unknown> {
    return {
      id: `/subscriptions/${this.o.subscriptionId}`, authorizationSource: 'RoleBased', managedByTenants: [], subscriptionId: this.o.subscriptionId, tenantId: this.o.tenantId,
      displayName: SUBSCRIPTION_NAME, state: 'Enabled', subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
    };
  }

  private subscriptionProviderRoute(method: string, rest: string[], original: string[], query: URLSearchParams): Reply {
    const [namespace, ...tail] = rest;
    if (method !== 'GET') {
      throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported at this path.`);
    }
    if (tail[0] === 'locations' && tail[2] === 'operations' && tail.length === 4) {
      const operation = this.operations.get(original[4]);
      if (!operation) {
        throw new ArmError(404, 'NotFound', `The operation '${original[4]}' was not found.`);
      }
      return { status: 200, body: this.operations.render(operation), headers: operation.status === 'InProgress' ? { 'Retry-After': String(operation.retryAfterSeconds) } : {} };
    }
    if (namespace === 'microsoft.compute') {
      if (tail[0] === 'locations' && tail[2] === 'vmsizes' && tail.length === 3) {
        return { status: 200, body: renderVmSizes() };
      }
      if (tail[0] === 'skus' && tail.length === 1) {
        const location = /location\s+eq\s+'([^']+)'/i.exec(query.get('$filter') ?? '')?.[1];
        return { status: 200, body: renderSkus(location) };
      }
      if (tail[0] === 'virtualmachines' && tail.length === 1) {
        // `statusOnly=true` (List All): each VM with its instance view, as the portal's list reads power states.
        return { status: 200, body: { value: this.vms.list(undefined, /^true$/i.test(query.get('statusOnly') ?? '')) } };
      }
      if (tail[0] === 'virtualmachinescalesets' && tail.length === 1) {
        return { status: 200, body: { value: this.scaleSets.list() } };
      }
    }
    if (namespace === 'microsoft.storage' && tail[0] === 'storageaccounts' && tail.length === 1) {
      return { status: 200, body: { value: this.store.list({ type: STORAGE_ACCOUNT_TYPE }).map(renderStorageAccount) } };
    }
    if (namespace === 'microsoft.network' && tail.length === 1 && NETWORK_TYPES[tail[0]]) {
      return { status: 200, body: { value: this.store.list({ type: NETWORK_TYPES[tail[0]] }).map((item) => this.network.render(item)) } };
    }
    throw new ArmError(404, 'InvalidResourceType', `The resource type '${original.slice(1).join('/')}' could not be found in the namespace '${original[0]}'.`);
  }

  private resourceGroupRoute(method: string, original: string[], rest: string[], query: URLSearchParams, apiVersion: string, body: Record<string, unknown>): Reply {
    if (rest.length === 0) {
      if (method !== 'GET') {
        throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported at this path.`);
      }
      const filter = parseFilter(query.get('$filter'));
      return { status: 200, body: { value: this.store.listGroups().filter((group) => matchesFilter({ ...group, type: 'Microsoft.Resources/resourceGroups' }, filter)).map((group) => renderGroup(this.store, group)) } };
    }
    const groupName = original[0];
    if (rest.length === 1) {
      return this.groups.handle(method, groupName, apiVersion, body);
    }
    if (rest[1] === 'resources' && rest.length === 2 && method === 'GET') {
      this.store.requireGroup(groupName);
      const filter = parseFilter(query.get('$filter'));
      return { status: 200, body: { value: this.store.list({ group: groupName }).filter((item) => matchesFilter(item, filter)).map(renderGenericResource) } };
    }
    if (rest[1] !== 'providers' || rest.length < 4) {
      throw new ArmError(404, 'InvalidResourceType', `The resource type '${original.slice(1).join('/')}' could not be found.`);
    }
    const namespace = rest[2];
    const typeKey = rest[3];
    const name = original[4];
    if (namespace === 'microsoft.network' && NETWORK_TYPES[typeKey]) {
      const type = NETWORK_TYPES[typeKey];
      if (rest.length === 4 && method === 'GET') {
        this.store.requireGroup(groupName);
        return { status: 200, body: { value: this.store.list({ group: groupName, type }).map((item) => this.network.render(item)) } };
      }
      if (rest.length === 5) {
        switch (method) {
          case 'PUT': return this.network.put(groupName, type, name, body, apiVersion);
          case 'GET': return { status: 200, body: this.network.render(this.store.require(groupName, type, name)) };
          case 'DELETE': return this.network.delete(groupName, type, name, apiVersion);
          default: break;
        }
      }
      if (rest.length === 7 && typeKey === 'virtualnetworks' && rest[5] === 'subnets' && method === 'GET') {
        const vnet = this.store.require(groupName, type, name);
        const subnet = (vnet.properties.subnets as Array<{ name: string }>).find((item) => item.name.toLowerCase() === rest[6]);
        if (!subnet) {
          throw new ArmError(404, 'NotFound', `Resource ${vnet.id}/subnets/${original[6]} not found.`);
        }
        return { status: 200, body: subnet };
      }
    }
    if (namespace === 'microsoft.storage' && typeKey === 'storageaccounts') {
      if (rest.length === 4 && method === 'GET') {
        this.store.requireGroup(groupName);
        return { status: 200, body: { value: this.store.list({ group: groupName, type: STORAGE_ACCOUNT_TYPE }).map(renderStorageAccount) } };
      }
      if (rest.length === 5) {
        return method === 'GET' ? { status: 200, body: renderStorageAccount(this.store.require(groupName, STORAGE_ACCOUNT_TYPE, name)) } : refuseStorageAccountChange(method);
      }
    }
    if (namespace === 'microsoft.compute' && typeKey === 'virtualmachinescalesets') {
      if (rest.length === 4 && method === 'GET') {
        return { status: 200, body: { value: this.scaleSets.list(groupName) } };
      }
      if (rest.length === 5) {
        switch (method) {
          case 'PUT': return this.scaleSets.put(groupName, name, body, apiVersion);
          case 'PATCH': return this.scaleSets.patch(groupName, name, body, apiVersion);
          case 'GET': return { status: 200, body: this.scaleSets.get(groupName, name) };
          case 'DELETE': return this.scaleSets.delete(groupName, name, apiVersion);
          default: break;
        }
      }
    }
    if (namespace === 'microsoft.compute' && typeKey === 'virtualmachines') {
      if (rest.length === 4 && method === 'GET') {
        return { status: 200, body: { value: this.vms.list(groupName, /^true$/i.test(query.get('statusOnly') ?? '')) } };
      }
      if (rest.length === 5) {
        switch (method) {
          case 'PUT': return this.vms.put(groupName, name, body, apiVersion);
          case 'GET': return { status: 200, body: this.vms.get(groupName, name, /instanceView/i.test(query.get('$expand') ?? '')) };
          case 'DELETE': return this.vms.delete(groupName, name, apiVersion);
          default: break;
        }
      }
      if (rest.length === 6) {
        const action = `${method} ${rest[5]}`;
        if (action === 'GET instanceview') {
          return { status: 200, body: this.vms.instanceView(groupName, name) };
        }
        if (action === 'POST simulateeviction') {
          this.vms.simulateEviction(groupName, name);
          return { status: 204 };
        }
        if (action === 'POST retrievebootdiagnosticsdata') {
          const minutes = Number(query.get('sasUriExpirationTimeInMinutes') ?? '120');
          if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
            throw ArmError.invalidParameter('sasUriExpirationTimeInMinutes must be between 1 and 1440.', 'sasUriExpirationTimeInMinutes');
          }
          return { status: 200, body: this.vms.retrieveBootDiagnosticsData(groupName, name, minutes) };
        }
      }
    }
    throw new ArmError(404, 'InvalidResourceType', `The resource type '${original.slice(2, 4).join('/')}' could not be found in the namespace '${original[2] ?? ''}' for api version '${apiVersion}'.`);
  }

  private serveConsole(url: URL, res: http.ServerResponse): void {
    const vmId = url.pathname.split('/')[2] ?? '';
    const text = this.vms.serialConsole(vmId, url.searchParams);
    if (text === undefined) {
      res.writeHead(403, { 'Content-Type': 'application/xml', 'x-ms-error-code': 'AuthenticationFailed' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(text)), 'x-ms-blob-type': 'AppendBlob' });
    res.end(text);
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (!text.trim()) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  return parsed as Record<string, unknown>;
}

