import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxEvent } from '../contract';
import { closeServer, readBody } from '../http/serverUtil';
import type { CapacityFaultSpec, InterruptOptions, PriceSpike } from '../ec2/faultApi';
import type { GceFault } from '../gcp/compute/faults';
import type { MaintenanceEvent } from '../gcp/compute/instanceRecord';
import type { AzureCapacityCode, AzureFault } from '../azure/arm/faults';

/** What the control API drives; the sandbox composition wires the real parts in. */
export interface ControlTargets {
  interruptSpot(instanceId: string, options: InterruptOptions): unknown;
  recommendRebalance(instanceId: string): unknown;
  hardTerminate(instanceId: string): void;
  spikePrice(spike: PriceSpike): unknown;
  failCapacity(fault: CapacityFaultSpec): void;
  throttle(count: number): void;
  addLatency(ms: number, region?: string): void;
  clearFaults(): void;
  failS3(count: number, status?: number): void;
  failPricing(count: number, status?: number): void;
  dropSsh(instanceId: string): Promise<number>;
  /** Compute Engine: a Spot preemption of the instance with that name (in `zone`, or the only zone it is in). */
  preemptGce(name: string, zone?: string): unknown;
  failGce(fault: GceFault): void;
  /** Compute Engine: `instance/maintenance-event` of that instance. */
  announceGceMaintenance(name: string, zone: string | undefined, event: MaintenanceEvent): unknown;
  failGcs(count: number, status?: number): void;
  /** Azure: a Spot eviction of that VM (Preempt Scheduled Event, 30 s, evicted). */
  evictAzure(vm: string, resourceGroup: string | undefined): unknown;
  failAzure(fault: AzureFault): void;
  /** Azure: Try & Restore's delay from a scale set instance's eviction to its replacement. */
  setAzureSpotRestoreDelay(ms: number): void;
  events(filter: { kind?: string; since?: string }): SandboxEvent[];
  describe(): unknown;
}

type Route = (body: Record<string, unknown>, query: URLSearchParams) => unknown;

class BadRequest extends Error {}

const str = (body: Record<string, unknown>, key: string): string => {
  const value = body[key];
  if (typeof value !== 'string' || value === '') {
    throw new BadRequest(`"${key}" is required (a string)`);
  }
  return value;
};
const optStr = (body: Record<string, unknown>, key: string): string | undefined => (body[key] === undefined ? undefined : str(body, key));
const num = (body: Record<string, unknown>, key: string, fallback?: number): number => {
  const value = body[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new BadRequest(`"${key}" must be a non-negative number`);
  }
  return value;
};
const optNum = (body: Record<string, unknown>, key: string): number | undefined => (body[key] === undefined ? undefined : num(body, key));

/**
 * Small JSON-over-HTTP control API on loopback: inject faults and read the event log.
 * Bad input answers 400 with {"error": ...}; an unknown instance answers 404.
 */
export class ControlServer {
  private server: http.Server | undefined;
  private readonly routes: Record<string, Route>;

  constructor(targets: ControlTargets) {
    this.routes = {
      'GET /health': () => ({ ok: true }),
      'GET /state': () => targets.describe(),
      'GET /events': (_body, query) => targets.events({ kind: query.get('kind') ?? undefined, since: query.get('since') ?? undefined }),
      'POST /faults/interrupt': (body) => {
        const action = optStr(body, 'action');
        if (action !== undefined && !['terminate', 'stop', 'hibernate'].includes(action)) {
          throw new BadRequest('"action" must be terminate, stop or hibernate');
        }
        const cause = optStr(body, 'cause');
        if (cause !== undefined && cause !== 'price' && cause !== 'capacity') {
          throw new BadRequest('"cause" must be price or capacity');
        }
        return targets.interruptSpot(str(body, 'instanceId'), {
          leadSeconds: optNum(body, 'leadSeconds'),
          action: action as InterruptOptions['action'],
          cause,
        });
      },
      'POST /faults/rebalance': (body) => targets.recommendRebalance(str(body, 'instanceId')),
      'POST /faults/terminate': (body) => (targets.hardTerminate(str(body, 'instanceId')), { terminated: body.instanceId }),
      'POST /faults/price-spike': (body) =>
        targets.spikePrice({
          region: str(body, 'region'),
          availabilityZone: optStr(body, 'availabilityZone'),
          instanceType: str(body, 'instanceType'),
          price: num(body, 'price'),
          durationSeconds: optNum(body, 'durationSeconds'),
          leadSeconds: optNum(body, 'leadSeconds'),
        }),
      'POST /faults/capacity': (body) => (
        targets.failCapacity({ region: str(body, 'region'), instanceType: str(body, 'instanceType'), availabilityZone: optStr(body, 'availabilityZone'), count: optNum(body, 'count') }),
        { ok: true }
      ),
      'POST /faults/throttle': (body) => (targets.throttle(num(body, 'count')), { ok: true }),
      'POST /faults/latency': (body) => (targets.addLatency(num(body, 'ms'), optStr(body, 'region')), { ok: true }),
      'POST /faults/s3-errors': (body) => (targets.failS3(num(body, 'count'), optNum(body, 'status')), { ok: true }),
      'POST /faults/pricing-errors': (body) => (targets.failPricing(num(body, 'count'), optNum(body, 'status')), { ok: true }),
      'POST /faults/drop-ssh': async (body) => ({ dropped: await targets.dropSsh(str(body, 'instanceId')) }),
      'POST /faults/clear': () => (targets.clearFaults(), { ok: true }),
      'POST /gcp/faults/preempt': (body) => targets.preemptGce(str(body, 'instance'), optStr(body, 'zone')),
      'POST /gcp/faults/maintenance': (body) => {
        const event = optStr(body, 'event') ?? 'TERMINATE_ON_HOST_MAINTENANCE';
        if (!['NONE', 'MIGRATE_ON_HOST_MAINTENANCE', 'TERMINATE_ON_HOST_MAINTENANCE'].includes(event)) {
          throw new BadRequest('"event" must be NONE, MIGRATE_ON_HOST_MAINTENANCE or TERMINATE_ON_HOST_MAINTENANCE');
        }
        return targets.announceGceMaintenance(str(body, 'instance'), optStr(body, 'zone'), event as MaintenanceEvent);
      },
      'POST /gcp/faults/capacity': (body) => (
        targets.failGce({ kind: 'capacity', zone: str(body, 'zone'), machineType: optStr(body, 'machineType'), withDetails: body.withDetails === true, count: optNum(body, 'count') }),
        { ok: true }
      ),
      'POST /gcp/faults/quota': (body) => (targets.failGce({ kind: 'quota', metric: str(body, 'metric'), region: optStr(body, 'region'), count: optNum(body, 'count') }), { ok: true }),
      'POST /azure/evict': (body) => targets.evictAzure(str(body, 'vm'), optStr(body, 'resourceGroup')),
      'POST /azure/scale-sets/restore-delay': (body) => {
        const ms = num(body, 'ms');
        if (!Number.isInteger(ms) || ms < 0) {
          throw new BadRequest('"ms" must be a whole number of milliseconds, 0 or more');
        }
        targets.setAzureSpotRestoreDelay(ms);
        return { ok: true, ms };
      },
      'POST /azure/faults/capacity': (body) => {
        const code = optStr(body, 'code') ?? 'AllocationFailed';
        if (!['SkuNotAvailable', 'AllocationFailed', 'OverconstrainedAllocationRequest'].includes(code)) {
          throw new BadRequest('"code" must be SkuNotAvailable, AllocationFailed or OverconstrainedAllocationRequest');
        }
        targets.failAzure({ kind: 'capacity', vmSize: optStr(body, 'vmSize'), location: optStr(body, 'location'), code: code as AzureCapacityCode, count: optNum(body, 'count') });
        return { ok: true };
      },
      'POST /azure/faults/quota': (body) => (targets.failAzure({ kind: 'quota', family: optStr(body, 'family'), vmSize: optStr(body, 'vmSize'), count: optNum(body, 'count') }), { ok: true }),
      'POST /azure/faults/throttle': (body) => (targets.failAzure({ kind: 'throttle', count: num(body, 'count'), retryAfterSeconds: optNum(body, 'retryAfterSeconds') }), { ok: true }),
      'POST /azure/faults/spot-price': (body) => (targets.failAzure({ kind: 'spot-price', vmSize: str(body, 'vmSize'), pricePerHour: num(body, 'pricePerHour') }), { ok: true }),
      'POST /gcp/faults/gcs-errors': (body) => (targets.failGcs(num(body, 'count'), optNum(body, 'status')), { ok: true }),
    };
  }

  async start(port = 0): Promise<{ url: string }> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    return { url: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}` };
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://control');
    // Stands in for checkip.amazonaws.com: the caller's address as plain text, not JSON.
    if (request.method === 'GET' && url.pathname === '/checkip') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`${(request.socket.remoteAddress ?? '').replace(/^::ffff:/, '')}\n`);
      return;
    }
    const route = this.routes[`${request.method ?? 'GET'} ${url.pathname}`];
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!route) {
      reply(404, { error: `no such endpoint: ${request.method} ${url.pathname}`, endpoints: Object.keys(this.routes) });
      return;
    }
    try {
      const raw = await readBody(request, 1_000_000, () => new BadRequest('body too large'));
      let body: Record<string, unknown> = {};
      if (raw.trim()) {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new BadRequest('the body must be a JSON object');
        }
        body = parsed as Record<string, unknown>;
      }
      reply(200, (await route(body, url.searchParams)) ?? { ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const status = error instanceof BadRequest || error instanceof SyntaxError ? 400 : /unknown instance/i.test(message) ? 404 : /unknown|not a spot|invalid/i.test(message) ? 400 : 500;
      reply(status, { error: message });
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}

