/**
 * Compute Engine's REST API (compute/v1) on one loopback port:
 * `http://127.0.0.1:<port>/compute/v1/projects/{project}/...`, the root a client gets from gcloud's
 * `api_endpoint_overrides/compute`. Every call needs a bearer token the sandbox issued.
 */
import * as http from 'node:http';
import type { EventSink, PowerControlledBoxHost } from '../../contract';
import { closeServer, listen } from '../../http/serverUtil';
import type { AccessTokens } from '../auth/accessTokens';
import { GoogleApiError } from '../http/googleError';
import { readJsonObject, requireBearer, sendError, sendJson } from '../http/googleHttp';
import { acceleratorOffered, acceleratorsIn, machineType, REGIONS, ZONES } from './catalog';
import { machineTypesIn, renderAcceleratorType, renderMachineType, renderRegion, renderZone } from './catalogResources';
import type { Call, Handler, RouteTable } from './computeRoutes';
import { ComputeStateFile } from './computeState';
import { GceFaults } from './faults';
import { guestAttributes } from './gceBoxSpec';
import { Firewalls } from './firewalls';
import { defineInstanceGroupRoutes } from './instanceGroupRoutes';
import { InstanceGroupManagers } from './instanceGroupManagers';
import { InstanceService } from './instances';
import { InstanceTemplates } from './instanceTemplates';
import { instanceLink, projectLink } from './links';
import { listFilter } from './listFilter';
import { Operations, renderOperation, type OperationRecord } from './operations';
import { page } from './paging';
import { ProjectMetadata } from './projectMetadata';
import { isPublicImageProject, publicImage } from './publicImages';
import { renderInstance } from './renderInstance';
import { RequestIds } from './requestIds';

export interface ComputeEmulatorOptions {
  readonly project: string;
  readonly projectNumber: string;
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly tokens: AccessTokens;
  readonly bootDelayMs: () => number;
  readonly boxEnvironment: Readonly<Record<string, string>>;
  readonly projectAttributes?: Readonly<Record<string, string>>;
  /** JSON file with instances, firewalls, project metadata, instance templates and groups; a new emulator on the same file resumes them. */
  readonly stateFile?: string;
  /** Only the sandbox's own unit tests shorten these. */
  readonly preemptionGraceMs?: number;
  readonly operationWaitLimitMs?: number;
  /** A managed instance group's wait from losing a VM to recreating it (default 3 s; GCE's is longer). */
  readonly migRepairDelayMs?: number;
  /** A group's wait before trying its zones and machine types again after every one failed (default 5 s). */
  readonly migCreateRetryMs?: number;
}

const PREFIX = '/compute/v1/projects/';

export class ComputeEmulator {
  readonly faults = new GceFaults();
  readonly operations: Operations;
  readonly instances: InstanceService;
  readonly firewalls: Firewalls;
  readonly projectMetadata: ProjectMetadata;
  readonly templates: InstanceTemplates;
  readonly groups: InstanceGroupManagers;
  private server?: http.Server;
  private saver?: NodeJS.Timeout;
  private readonly stateFile?: ComputeStateFile;
  private readonly routes: Array<{ method: string; pattern: string[]; handler: Handler }> = [];
  private readonly requestIds = new RequestIds();

  constructor(private readonly options: ComputeEmulatorOptions) {
    this.operations = new Operations(Date.now, options.operationWaitLimitMs);
    const projectMetadata = new ProjectMetadata(options.project, options.projectNumber, options.projectAttributes ?? {}, this.operations);
    this.projectMetadata = projectMetadata;
    this.instances = new InstanceService({
      project: options.project,
      projectNumber: options.projectNumber,
      boxHost: options.boxHost,
      events: options.events,
      operations: this.operations,
      faults: this.faults,
      tokens: options.tokens,
      bootDelayMs: options.bootDelayMs,
      boxEnvironment: options.boxEnvironment,
      projectAttributes: () => projectMetadata.attributes(),
      preemptionGraceMs: options.preemptionGraceMs,
    });
    this.firewalls = new Firewalls(options.project, this.operations);
    const templates = new InstanceTemplates({ project: options.project, operations: this.operations, usedBy: (name) => this.groups.usedBy(name) });
    this.templates = templates;
    this.groups = new InstanceGroupManagers({
      project: options.project,
      projectNumber: options.projectNumber,
      operations: this.operations,
      instances: this.instances,
      templates,
      events: options.events,
      repairDelayMs: options.migRepairDelayMs,
      createRetryMs: options.migCreateRetryMs,
    });
    this.stateFile = options.stateFile ? new ComputeStateFile(options.stateFile, this) : undefined;
    this.defineRoutes();
  }

  async start(port = 0): Promise<{ url: string }> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    const { url } = await listen(server, port, '127.0.0.1');
    this.server = server;
    // Boxes boot again only once listening worked, so a retry on another port does not boot them twice.
    this.stateFile?.restore();
    this.groups.start();
    this.saver = setInterval(() => this.stateFile?.save(), 500);
    this.saver.unref();
    return { url: `${url}/compute/v1/` };
  }

  async stop(): Promise<void> {
    clearInterval(this.saver);
    this.groups.dispose();
    this.stateFile?.save();
    this.instances.dispose();
    this.operations.releaseAll();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private route(method: string, path: string, handler: Handler): void {
    this.routes.push({ method, pattern: path === '' ? [] : path.split('/'), handler });
  }

  private operationRoute(method: string, path: string, handler: (call: Call, params: string[]) => OperationRecord | Promise<OperationRecord>): void {
    this.route(method, path, async (call, params) => {
      const requestId = call.query.get('requestId');
      const earlier = requestId ? this.requestIds.earlier(requestId) : undefined;
      if (earlier) {
        return renderOperation(earlier);
      }
      const operation = await handler(call, params);
      if (requestId) {
        this.requestIds.remember(requestId, operation);
      }
      return renderOperation(operation);
    });
  }

  private defineRoutes(): void {
    const project = this.options.project;
    const zoned = (zone: string): string => {
      this.instances.assertZone(zone);
      return zone;
    };
    const list = (kind: string, id: string, items: unknown[], query: URLSearchParams): Record<string, unknown> => {
      const matching = items.filter(listFilter(query.get('filter')));
      const { items: shown, nextPageToken } = page(matching, query);
      return { kind, id, ...(shown.length ? { items: shown } : {}), ...(nextPageToken ? { nextPageToken } : {}), selfLink: `${projectLink(project)}/${id.split('/').slice(2).join('/')}` };
    };
    const table: RouteTable = {
      route: (method, path, handler) => this.route(method, path, handler),
      operation: (method, path, handler) => this.operationRoute(method, path, handler),
      list,
    };
    const regional = (region: string): string => {
      if (!REGIONS.includes(region)) {
        throw GoogleApiError.notFound(`projects/${project}/regions/${region}`);
      }
      return region;
    };

    this.route('GET', '', () => this.projectMetadata.render());
    this.operationRoute('POST', 'setCommonInstanceMetadata', async (call) => this.projectMetadata.set(await call.body(), call.user));
    this.route('GET', 'zones', (call) => list('compute#zoneList', `projects/${project}/zones`, ZONES.map((zone) => renderZone(project, zone)), call.query));
    this.route('GET', 'zones/*', (_call, [zone]) => renderZone(project, zoned(zone)));
    this.route('GET', 'regions', (call) => list('compute#regionList', `projects/${project}/regions`, REGIONS.map((region) => renderRegion(project, region)), call.query));
    this.route('GET', 'regions/*', (_call, [region]) => renderRegion(project, regional(region)));

    this.route('GET', 'zones/*/machineTypes', (call, [zone]) =>
      list('compute#machineTypeList', `projects/${project}/zones/${zoned(zone)}/machineTypes`, machineTypesIn(zone).map((type) => renderMachineType(project, zone, type)), call.query));
    this.route('GET', 'zones/*/machineTypes/*', (_call, [zone, name]) => {
      const type = machineType(zoned(zone), name);
      if (!type) {
        throw GoogleApiError.notFound(`projects/${project}/zones/${zone}/machineTypes/${name}`);
      }
      return renderMachineType(project, zone, type);
    });
    this.route('GET', 'zones/*/acceleratorTypes', (call, [zone]) =>
      list('compute#acceleratorTypeList', `projects/${project}/zones/${zoned(zone)}/acceleratorTypes`, acceleratorsIn(zone).map((a) => renderAcceleratorType(project, zone, a)), call.query));
    this.route('GET', 'zones/*/acceleratorTypes/*', (_call, [zone, name]) => {
      const accelerator = acceleratorOffered(zoned(zone), name);
      if (!accelerator) {
        throw GoogleApiError.notFound(`projects/${project}/zones/${zone}/acceleratorTypes/${name}`);
      }
      return renderAcceleratorType(project, zone, accelerator);
    });

    this.route('GET', 'aggregated/instances', (call) => {
      const matches = listFilter(call.query.get('filter'));
      const items: Record<string, unknown> = {};
      for (const zone of ZONES) {
        const instances = this.instances.list(zone).map(renderInstance).filter(matches);
        items[`zones/${zone}`] = instances.length
          ? { instances }
          : { warning: { code: 'NO_RESULTS_ON_PAGE', message: `There are no results for scope 'zones/${zone}' on this page.`, data: [{ key: 'scope', value: `zones/${zone}` }] } };
      }
      return { kind: 'compute#instanceAggregatedList', id: `projects/${project}/aggregated/instances`, items, selfLink: `${projectLink(project)}/aggregated/instances` };
    });
    this.route('GET', 'zones/*/instances', (call, [zone]) =>
      list('compute#instanceList', `projects/${project}/zones/${zoned(zone)}/instances`, this.instances.list(zone).map(renderInstance), call.query));
    this.operationRoute('POST', 'zones/*/instances', async (call, [zone]) => this.instances.insert(zone, await call.body(), call.user));
    this.route('GET', 'zones/*/instances/*', (_call, [zone, name]) => renderInstance(this.instances.get(zone, name)));
    this.operationRoute('DELETE', 'zones/*/instances/*', (call, [zone, name]) => this.instances.delete(zone, name, call.user));
    this.operationRoute('POST', 'zones/*/instances/*/stop', (call, [zone, name]) => this.instances.stop(zone, name, call.user));
    this.operationRoute('POST', 'zones/*/instances/*/start', (call, [zone, name]) => this.instances.start(zone, name, call.user));
    this.operationRoute('POST', 'zones/*/instances/*/setMetadata', async (call, [zone, name]) => this.instances.setMetadata(zone, name, await call.body(), call.user));
    this.route('GET', 'zones/*/instances/*/serialPort', (call, [zone, name]) => {
      const record = this.instances.get(zone, name);
      const port = Number(call.query.get('port') ?? 1);
      if (port < 1 || port > 4) {
        throw GoogleApiError.invalidField('port', port, 'Must be between 1 and 4.');
      }
      const text = Buffer.from(port === 1 ? this.options.boxHost.consoleOutput(this.instances.boxId(record)) : '');
      const start = Math.min(Math.max(0, Number(call.query.get('start') ?? 0) || 0), text.length);
      return {
        kind: 'compute#serialPortOutput',
        contents: text.subarray(start).toString('utf8'),
        start: String(start),
        next: String(text.length),
        selfLink: `${instanceLink(project, zone, name)}/serialPort?port=${port}`,
      };
    });
    this.route('GET', 'zones/*/instances/*/getGuestAttributes', (call, [zone, name]) => {
      const record = this.instances.get(zone, name);
      const queryPath = call.query.get('queryPath') ?? undefined;
      const variableKey = call.query.get('variableKey') ?? undefined;
      const items = guestAttributes(record, queryPath, variableKey);
      if (!items) {
        // Not published (yet), or guest attributes are off for the VM: the path does not exist.
        throw GoogleApiError.notFound(`projects/${project}/zones/${zone}/instances/${name}/guestAttributes/${variableKey ?? queryPath ?? ''}`);
      }
      const selfLink = `${instanceLink(project, zone, name)}/guestAttributes/${variableKey ?? queryPath ?? ''}`;
      return variableKey
        ? { kind: 'compute#guestAttributes', variableKey, variableValue: items[0].value, selfLink }
        : { kind: 'compute#guestAttributes', queryPath: queryPath ?? '', queryValue: { items }, selfLink };
    });

    this.route('GET', 'zones/*/operations', (call, [zone]) =>
      list('compute#operationList', `projects/${project}/zones/${zoned(zone)}/operations`, this.operations.list(project, { zone }).map(renderOperation), call.query));
    this.route('GET', 'zones/*/operations/*', (_call, [zone, name]) => renderOperation(this.operations.get(project, { zone: zoned(zone) }, name)));
    this.route('POST', 'zones/*/operations/*/wait', async (_call, [zone, name]) => renderOperation(await this.operations.wait(project, { zone: zoned(zone) }, name)));
    this.route('GET', 'global/operations', (call) => list('compute#operationList', `projects/${project}/global/operations`, this.operations.list(project, 'global').map(renderOperation), call.query));
    this.route('GET', 'global/operations/*', (_call, [name]) => renderOperation(this.operations.get(project, 'global', name)));
    this.route('POST', 'global/operations/*/wait', async (_call, [name]) => renderOperation(await this.operations.wait(project, 'global', name)));
    this.route('GET', 'regions/*/operations', (call, [region]) =>
      list('compute#operationList', `projects/${project}/regions/${regional(region)}/operations`, this.operations.list(project, { region }).map(renderOperation), call.query));
    this.route('GET', 'regions/*/operations/*', (_call, [region, name]) => renderOperation(this.operations.get(project, { region: regional(region) }, name)));
    this.route('POST', 'regions/*/operations/*/wait', async (_call, [region, name]) => renderOperation(await this.operations.wait(project, { region: regional(region) }, name)));

    defineInstanceGroupRoutes(table, { project, templates: this.templates, groups: this.groups, regional });

    this.route('GET', 'global/firewalls', (call) => list('compute#firewallList', `projects/${project}/global/firewalls`, this.firewalls.list(), call.query));
    this.operationRoute('POST', 'global/firewalls', async (call) => this.firewalls.insert(await call.body(), call.user));
    this.route('GET', 'global/firewalls/*', (_call, [name]) => this.firewalls.get(name));
    this.operationRoute('DELETE', 'global/firewalls/*', (call, [name]) => this.firewalls.delete(name, call.user));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://compute');
      if (!url.pathname.startsWith(PREFIX)) {
        throw new GoogleApiError(404, `No such API path ${url.pathname}; this is Compute Engine v1 at /compute/v1/.`, 'notFound');
      }
      const [project, ...parts] = url.pathname.slice(PREFIX.length).split('/').filter((part) => part !== '').map(decodeURIComponent);
      const token = requireBearer(req, this.options.tokens);
      const method = req.method ?? 'GET';
      if (project !== this.options.project) {
        // Another project's public images are the only thing outside the sandbox's project a client reads.
        if (method === 'GET' && isPublicImageProject(project) && parts[0] === 'global' && parts[1] === 'images') {
          sendJson(res, 200, publicImage(project, parts.slice(2)));
          return;
        }
        throw GoogleApiError.notFound(`projects/${project}`);
      }
      for (const route of this.routes) {
        if (route.method !== method || route.pattern.length !== parts.length) {
          continue;
        }
        const params: string[] = [];
        if (route.pattern.every((segment, index) => (segment === '*' ? (params.push(parts[index]), true) : segment === parts[index]))) {
          const call: Call = { method, parts, query: url.searchParams, user: token.principal, body: () => readJsonObject(req) };
          sendJson(res, 200, await route.handler(call, params));
          return;
        }
      }
      throw new GoogleApiError(404, `The requested URL ${url.pathname} was not found on this server (method ${method}).`, 'notFound');
    } catch (error) {
      sendError(res, error);
    }
  }
}

