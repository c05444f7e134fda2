import { randomUUID } from 'node:crypto';
import { SpotboxError } from '../errors';
import { GcpApiError } from './gcpApiError';
import type { GcpHttp, QueryValue } from './gcpHttp';
import { segment } from './gcpHttp';
import { GceOperationError } from './gceErrors';
import {
  lastSegment,
  type AggregatedPage,
  type FirewallRule,
  type GuestAttribute,
  type GuestAttributes,
  type Instance,
  type InstanceGroupManager,
  type InstanceInsert,
  type InstanceManagedByIgmError,
  type InstanceTemplate,
  type ManagedInstance,
  type ListPage,
  type MachineType,
  type Operation,
  type SerialPortOutput,
  type Zone,
} from './computeTypes';

export interface ComputeClientOptions {
  readonly http: GcpHttp;
  /** The compute root from gcloud's configuration, e.g. `https://compute.googleapis.com/compute/v1/`. */
  readonly endpoint: string;
  readonly project: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Request ids for inserts and deletes (a UUID each); injectable for tests. */
  readonly requestId?: () => string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface WaitOptions extends CallOptions {
  /** Epoch ms after which waiting gives up (the operation itself goes on at Google). */
  readonly deadline: number;
}

/** Guard against a page token that never ends. */
const MAX_PAGES = 100;
/** `wait` holds a call for at most 2 minutes; the per-call timeout leaves room for that. */
const WAIT_CALL_TIMEOUT_MS = 150_000;
/** A `wait` that returns at once with the operation still running is asked again after this long. */
const MIN_WAIT_INTERVAL_MS = 1_000;

/**
 * The Compute Engine v1 calls Spotbox makes, as Google documents them (paths, query names, bodies).
 * Reads and `wait` are retried on 429/5xx by GcpHttp; inserts and deletes carry a `requestId`, so
 * that a retried one runs once at Google.
 */
export class ComputeClient {
  constructor(private readonly options: ComputeClientOptions) {}

  get project(): string {
    return this.options.project;
  }

  insertInstance(zone: string, instance: InstanceInsert, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('POST', `zones/${segment(zone)}/instances`, { requestId: options.requestId ?? this.requestId() }, instance, options);
  }

  /** The instance, or undefined when there is none (a Spot VM without capacity may appear and then 404). */
  async getInstance(zone: string, name: string, options: CallOptions = {}): Promise<Instance | undefined> {
    return this.orUndefinedOn404(this.call<Instance>('GET', `zones/${segment(zone)}/instances/${segment(name)}`, {}, undefined, options));
  }

  /** Every instance of the zone matching `filter` (e.g. `(labels.spotbox-managed = "true") AND (status = RUNNING)`), all pages. */
  listInstances(zone: string, filter?: string, options: CallOptions & { maxResults?: number } = {}): Promise<Instance[]> {
    return this.allPages<Instance>(`zones/${segment(zone)}/instances`, { filter, maxResults: options.maxResults }, options);
  }

  /**
   * Every instance of the project matching `filter`, over all zones, with `returnPartialSuccess`:
   * zones Google could not reach come back in `unreachable` instead of failing the call.
   */
  async aggregatedListInstances(filter?: string, options: CallOptions & { maxResults?: number } = {}): Promise<{ instances: Instance[]; unreachable: string[] }> {
    const instances: Instance[] = [];
    const unreachable: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.call<AggregatedPage<'instances', Instance>>('GET', 'aggregated/instances', { filter, maxResults: options.maxResults, pageToken, returnPartialSuccess: true }, undefined, options);
      for (const scoped of Object.values(page.items ?? {})) instances.push(...(scoped.instances ?? []));
      unreachable.push(...(page.unreachables ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken && ++pages < MAX_PAGES);
    return { instances, unreachable };
  }

  deleteInstance(zone: string, name: string, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('DELETE', `zones/${segment(zone)}/instances/${segment(name)}`, { requestId: options.requestId ?? this.requestId() }, undefined, options);
  }

  /**
   * Guest attributes under `queryPath` (default `hostkeys/`, where the guest agent publishes the SSH
   * host keys); undefined while there are none yet (Google answers 404 until the agent writes them).
   */
  async getGuestAttributes(zone: string, name: string, queryPath = 'hostkeys/', options: CallOptions = {}): Promise<GuestAttribute[] | undefined> {
    const found = await this.orUndefinedOn404(this.call<GuestAttributes>('GET', `zones/${segment(zone)}/instances/${segment(name)}/getGuestAttributes`, { queryPath }, undefined, options));
    return found ? [...(found.queryValue?.items ?? [])] : undefined;
  }

  /** Serial port output from byte `start` (the fallback for host keys: cloud-init's `BEGIN SSH HOST KEY KEYS`). */
  getSerialPortOutput(zone: string, name: string, options: CallOptions & { port?: number; start?: number } = {}): Promise<SerialPortOutput> {
    return this.call<SerialPortOutput>('GET', `zones/${segment(zone)}/instances/${segment(name)}/serialPort`, { port: options.port ?? 1, start: options.start }, undefined, options);
  }

  getZoneOperation(zone: string, operation: string, options: CallOptions = {}): Promise<Operation> {
    return this.call<Operation>('GET', `zones/${segment(zone)}/operations/${segment(operation)}`, {}, undefined, options);
  }

  /** One `zoneOperations.wait`: returns when the operation is DONE or after up to 2 minutes, possibly at once. */
  waitZoneOperationOnce(zone: string, operation: string, options: CallOptions & { timeoutMs?: number } = {}): Promise<Operation> {
    return this.call<Operation>('POST', `zones/${segment(zone)}/operations/${segment(operation)}/wait`, {}, undefined, { ...options, timeoutMs: options.timeoutMs ?? WAIT_CALL_TIMEOUT_MS });
  }

  /** One `globalOperations.wait` (firewall rules). */
  waitGlobalOperationOnce(operation: string, options: CallOptions & { timeoutMs?: number } = {}): Promise<Operation> {
    return this.call<Operation>('POST', `global/operations/${segment(operation)}/wait`, {}, undefined, { ...options, timeoutMs: options.timeoutMs ?? WAIT_CALL_TIMEOUT_MS });
  }

  /** One `regionOperations.wait` (regional managed instance groups). */
  waitRegionOperationOnce(region: string, operation: string, options: CallOptions & { timeoutMs?: number } = {}): Promise<Operation> {
    return this.call<Operation>('POST', `regions/${segment(region)}/operations/${segment(operation)}/wait`, {}, undefined, { ...options, timeoutMs: options.timeoutMs ?? WAIT_CALL_TIMEOUT_MS });
  }

  /**
   * Waits until the operation is DONE, calling `wait` (zonal, regional or global, by the operation's `zone`/`region`)
   * again whenever it returns early; then throws a GceOperationError if the operation failed.
   * Bounded by `deadline` and `signal`.
   */
  async waitForOperation(operation: Operation, options: WaitOptions): Promise<Operation> {
    const now = this.options.now ?? Date.now;
    const zone = lastSegment(operation.zone);
    const region = zone ? undefined : lastSegment(operation.region);
    let current = operation;
    while (current.status !== 'DONE') {
      options.signal?.throwIfAborted();
      const remaining = options.deadline - now();
      if (remaining <= 0) {
        const scope = zone ? ` --zone ${zone}` : region ? ` --region ${region}` : ' --global';
        throw new SpotboxError(`Operation ${operation.name} (${operation.operationType ?? 'compute'}) was not done by the deadline; it may still finish at Google.`, `Look at it with \`gcloud compute operations describe ${operation.name}${scope} --project ${this.options.project}\`.`);
      }
      const started = now();
      const timeoutMs = Math.min(remaining, WAIT_CALL_TIMEOUT_MS);
      const call = { signal: options.signal, timeoutMs };
      current = zone ? await this.waitZoneOperationOnce(zone, operation.name, call) : region ? await this.waitRegionOperationOnce(region, operation.name, call) : await this.waitGlobalOperationOnce(operation.name, call);
      if (current.status !== 'DONE' && now() - started < MIN_WAIT_INTERVAL_MS) {
        await (this.options.sleep ?? defaultSleep)(MIN_WAIT_INTERVAL_MS, options.signal);
      }
    }
    const errors = current.error?.errors ?? [];
    if (errors.length > 0) throw new GceOperationError(current.name, current.operationType, errors, current.httpErrorStatusCode);
    return current;
  }

  insertFirewall(rule: FirewallRule, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('POST', 'global/firewalls', { requestId: options.requestId ?? this.requestId() }, rule, options);
  }

  deleteFirewall(name: string, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('DELETE', `global/firewalls/${segment(name)}`, { requestId: options.requestId ?? this.requestId() }, undefined, options);
  }

  listFirewalls(filter?: string, options: CallOptions = {}): Promise<FirewallRule[]> {
    return this.allPages<FirewallRule>('global/firewalls', { filter }, options);
  }

  insertInstanceTemplate(template: InstanceTemplate, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('POST', 'global/instanceTemplates', { requestId: options.requestId ?? this.requestId() }, template, options);
  }

  async getInstanceTemplate(name: string, options: CallOptions = {}): Promise<InstanceTemplate | undefined> {
    return this.orUndefinedOn404(this.call<InstanceTemplate>('GET', `global/instanceTemplates/${segment(name)}`, {}, undefined, options));
  }

  listInstanceTemplates(filter?: string, options: CallOptions = {}): Promise<InstanceTemplate[]> {
    return this.allPages<InstanceTemplate>('global/instanceTemplates', { filter }, options);
  }

  deleteInstanceTemplate(name: string, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('DELETE', `global/instanceTemplates/${segment(name)}`, { requestId: options.requestId ?? this.requestId() }, undefined, options);
  }

  /** A regional managed instance group; it creates its VMs itself, after the operation is DONE. */
  insertRegionInstanceGroupManager(region: string, manager: InstanceGroupManager, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('POST', `regions/${segment(region)}/instanceGroupManagers`, { requestId: options.requestId ?? this.requestId() }, manager, options);
  }

  async getRegionInstanceGroupManager(region: string, name: string, options: CallOptions = {}): Promise<InstanceGroupManager | undefined> {
    return this.orUndefinedOn404(this.call<InstanceGroupManager>('GET', `regions/${segment(region)}/instanceGroupManagers/${segment(name)}`, {}, undefined, options));
  }

  listRegionInstanceGroupManagers(region: string, filter?: string, options: CallOptions = {}): Promise<InstanceGroupManager[]> {
    return this.allPages<InstanceGroupManager>(`regions/${segment(region)}/instanceGroupManagers`, { filter }, options);
  }

  /** Deletes the group and every VM in it; the operation is DONE when they are gone. */
  deleteRegionInstanceGroupManager(region: string, name: string, options: CallOptions & { requestId?: string } = {}): Promise<Operation> {
    return this.call<Operation>('DELETE', `regions/${segment(region)}/instanceGroupManagers/${segment(name)}`, { requestId: options.requestId ?? this.requestId() }, undefined, options);
  }

  /** The group's VMs, with what the group is doing to each (CREATING, RECREATING, NONE, ...). */
  async listManagedInstances(region: string, name: string, options: CallOptions = {}): Promise<ManagedInstance[]> {
    const found: ManagedInstance[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.call<{ managedInstances?: ManagedInstance[]; nextPageToken?: string }>('POST', `regions/${segment(region)}/instanceGroupManagers/${segment(name)}/listManagedInstances`, { pageToken }, undefined, options);
      found.push(...(page.managedInstances ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken && ++pages < MAX_PAGES);
    return found;
  }

  /** The group's failed tries to create or recreate VMs (no capacity, quota, ...), newest last. */
  listManagedInstanceErrors(region: string, name: string, options: CallOptions = {}): Promise<InstanceManagedByIgmError[]> {
    return this.allPages<InstanceManagedByIgmError>(`regions/${segment(region)}/instanceGroupManagers/${segment(name)}/listErrors`, {}, options);
  }

  async getMachineType(zone: string, name: string, options: CallOptions = {}): Promise<MachineType | undefined> {
    return this.orUndefinedOn404(this.call<MachineType>('GET', `zones/${segment(zone)}/machineTypes/${segment(name)}`, {}, undefined, options));
  }

  /** The project's zones matching `filter` (e.g. `region = "https://.../regions/us-central1"`), all pages. */
  listZones(filter?: string, options: CallOptions = {}): Promise<Zone[]> {
    return this.allPages<Zone>('zones', { filter }, options);
  }

  listMachineTypes(zone: string, filter?: string, options: CallOptions = {}): Promise<MachineType[]> {
    return this.allPages<MachineType>(`zones/${segment(zone)}/machineTypes`, { filter }, options);
  }

  private async allPages<T>(path: string, query: Record<string, QueryValue>, options: CallOptions): Promise<T[]> {
    const items: T[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.call<ListPage<T>>('GET', path, { ...query, pageToken }, undefined, options);
      items.push(...(page.items ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken && ++pages < MAX_PAGES);
    return items;
  }

  private call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, query: Record<string, QueryValue>, json: unknown, options: CallOptions & { timeoutMs?: number }): Promise<T> {
    const url = `${this.options.endpoint}projects/${segment(this.options.project)}/${path}`;
    // Every call here may be retried: reads and waits change nothing, inserts and deletes carry a requestId.
    return this.options.http.json<T>({ method, url, query, ...(json !== undefined ? { json } : {}), retry: true, ...(options.signal ? { signal: options.signal } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  }

  private async orUndefinedOn404<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof GcpApiError && error.httpStatus === 404) return undefined;
      throw error;
    }
  }

  private requestId(): string {
    return (this.options.requestId ?? randomUUID)();
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}
