import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { BoxHost, EventSink, MetadataView } from '../contract';
import { catalogActions } from './actions/catalogActions';
import type { ActionContext, ActionHandler } from './actions/common';
import { fleetActions } from './actions/fleet';
import { maintainFleetActions } from './actions/maintainFleet';
import { FleetEngine } from './fleets/engine';
import { instanceActions } from './actions/instances';
import { keyPairActions, publicKeyOf } from './actions/keyPairs';
import { launchTemplateActions } from './actions/launchTemplates';
import { priceActions } from './actions/prices';
import { securityGroupActions } from './actions/securityGroups';
import { spotRequestActions } from './actions/spotRequests';
import { tagActions } from './actions/tags';
import { volumeActions } from './actions/volumes';
import { isRegion } from './catalog/regions';
import { Faults } from './faults';
import { InstanceManager } from './instances/manager';
import { Ec2Error, errorXml } from './protocol/errors';
import { Params } from './protocol/queryParams';
import { credentialScope } from './protocol/sigv4Scope';
import { responseXml } from './protocol/xmlWriter';
import { SpotMarket } from './spotMarket';
import { Store, type FleetRecord, type InstanceRecord } from './state/store';
import { FaultApi, type FaultApiParts } from './faultApi';
import { closeServer, listen, readBody } from '../http/serverUtil';
// Seeded so boot delays repeat for a given seed; the estimator's simulator uses the same generator.
import { mulberry32 } from '../../src/core/estimate/random';

export interface Ec2EmulatorOptions {
  /** JSON file holding all EC2 state; a new emulator on the same file resumes it. */
  readonly stateFile: string;
  readonly boxHost: BoxHost;
  readonly events: EventSink;
  /** Milliseconds since the epoch; defaults to Date.now. */
  readonly clock?: () => number;
  /** Boot time handed to each box (uniform in [min, max]); default 2-6 s. */
  readonly bootDelayMs?: { min: number; max: number };
  /** GetConsoleOutput is empty until this long after the box is running; default 3 s. */
  readonly consoleDelayMs?: number;
  /** Environment for every process in every box (S3 endpoint, dummy credentials, ...). */
  readonly boxEnvironment?: Record<string, string>;
  /** Seed of the spot price series and placement scores; default 1. */
  readonly seed?: number;
  /** stop() also calls boxHost.stopAll(); default true. */
  readonly stopBoxesOnStop?: boolean;
  /** EC2 Fleet (maintain): delay before a replacement launch; default 1000 ms. */
  readonly fleetReplacementDelayMs?: number;
  /** EC2 Fleet: lower bound of CapacityRebalance.TerminationDelay; default 120 s as on AWS. */
  readonly fleetMinTerminationDelaySeconds?: number;
}

const ACTIONS: Record<string, ActionHandler> = {
  ...catalogActions, ...instanceActions, ...fleetActions, ...maintainFleetActions, ...launchTemplateActions, ...keyPairActions,
  ...securityGroupActions, ...priceActions, ...tagActions, ...spotRequestActions, ...volumeActions,
};

const MAX_BODY = 4 * 1024 * 1024;


function buildParts(options: Ec2EmulatorOptions): FaultApiParts {
  const clock = options.clock ?? Date.now;
  const store = new Store(options.stateFile);
  const seed = options.seed ?? 1;
  const rand = mulberry32(seed);
  const delay = options.bootDelayMs ?? { min: 2000, max: 6000 };
  const manager = new InstanceManager({
    store,
    boxHost: options.boxHost,
    events: options.events,
    clock,
    bootDelayMs: () => Math.round(delay.min + rand() * Math.max(0, delay.max - delay.min)),
    environment: options.boxEnvironment ?? {},
    publicKeyOf: (region, keyName) => publicKeyOf(store.state, region, keyName),
  });
  return { store, manager, market: new SpotMarket(seed, store), faults: new Faults(), events: options.events, clock };
}

/**
 * EC2 Query API on one loopback port for every region (region = SigV4 credential scope).
 * The fault methods (interruptSpot, spikePrice, ...) are inherited from FaultApi.
 */
export class Ec2Emulator extends FaultApi {
  private server?: http.Server;
  private readonly settings: { consoleDelayMs: number; seed: number; stopBoxes: boolean };
  private readonly fleets: FleetEngine;

  constructor(private readonly options: Ec2EmulatorOptions) {
    super(buildParts(options));
    this.settings = { consoleDelayMs: options.consoleDelayMs ?? 3000, seed: options.seed ?? 1, stopBoxes: options.stopBoxesOnStop ?? true };
    this.fleets = new FleetEngine({
      store: this.store,
      manager: this.manager,
      clock: this.clock,
      contextFor: (region) => this.context(region),
      replacementDelayMs: options.fleetReplacementDelayMs,
      minTerminationDelaySeconds: options.fleetMinTerminationDelaySeconds,
    });
  }

  private context(region: string): ActionContext {
    return {
      region, store: this.store, manager: this.manager, fleets: this.fleets, market: this.market, faults: this.faults,
      events: this.events, boxHost: this.options.boxHost, clock: this.clock,
      consoleDelayMs: this.settings.consoleDelayMs, seed: this.settings.seed,
    };
  }

  async start(port = 0, host = '127.0.0.1'): Promise<{ url: string }> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('clientError', (_err, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    const started = await listen(server, port, host);
    this.server = server;
    // Boxes boot again only once listening worked, so a retry on another port does not boot them twice.
    this.manager.restore();
    this.fleets.restore();
    return started;
  }

  async stop(): Promise<void> {
    this.fleets.dispose();
    this.manager.dispose();
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
    this.store.save();
    if (this.settings.stopBoxes) await this.options.boxHost.stopAll();
  }

  /** The live metadata of an instance (what its box's IMDS serves). */
  metadataView(instanceId: string): MetadataView {
    return this.manager.metadataView(instanceId);
  }

  /** Snapshot of every EC2 Fleet record (all regions), for the control API and tests. */
  listFleets(): FleetRecord[] {
    return this.store.state.fleets.map((f) => structuredClone(f));
  }

  /** Snapshot of every instance record (all regions), for the control API and tests. */
  listInstances(): InstanceRecord[] {
    return Object.values(this.store.state.instances).map((r) => structuredClone(r));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let action = 'Unknown';
    try {
      const body = await readBody(req, MAX_BODY, () => new Ec2Error('InvalidParameterValue', 'Request body too large.'));
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'POST' && req.method !== 'GET') {
        throw new Ec2Error('InvalidAction', `The HTTP method ${req.method} is not supported; use POST or GET.`);
      }
      const scope = credentialScope(req.headers.authorization, url.searchParams);
      if (!isRegion(scope.region)) {
        throw new Ec2Error('AuthFailure', `Credential should be scoped to a valid region, not '${scope.region}'.`);
      }
      const latency = this.faults.latencyFor(scope.region);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const entries: Array<[string, string]> = [...url.searchParams].filter(([k]) => !k.startsWith('X-Amz-'));
      const contentType = String(req.headers['content-type'] ?? '');
      if (req.method === 'POST' && body.length) {
        if (contentType && !/x-www-form-urlencoded/i.test(contentType)) {
          throw new Ec2Error('InvalidParameterValue', `Unsupported Content-Type '${contentType}'; expected application/x-www-form-urlencoded.`);
        }
        entries.push(...new URLSearchParams(body));
      }
      const params = Params.fromEntries(entries);
      action = params.required('Action');
      const handler = Object.prototype.hasOwnProperty.call(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!handler) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
      if (this.faults.takeThrottle()) {
        this.events.record('throttle-fault', { applied: true, action, region: scope.region, remaining: this.faults.throttleRemaining });
        throw new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
      }
      if (params.bool('DryRun')) throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
      const ctx = this.context(scope.region);
      const result = await handler(ctx, params);
      this.send(res, 200, responseXml(action, requestId, result), requestId);
    } catch (err) {
      const e = err instanceof Ec2Error ? err : new Ec2Error('InternalError', `An internal error has occurred (${action}).`);
      // An unexpected exception is an emulator bug: answer like EC2 would, and say so on stderr.
      if (!(err instanceof Ec2Error)) console.error(`[sandbox ec2] ${action} failed:`, err);
      this.send(res, e.status, errorXml(e.code, e.message, requestId), requestId);
    }
  }

  private send(res: http.ServerResponse, status: number, xml: string, requestId: string): void {
    if (res.headersSent) return;
    const body = Buffer.from(xml, 'utf8');
    res.writeHead(status, {
      'content-type': 'text/xml;charset=UTF-8',
      'content-length': body.length,
      'x-amzn-requestid': requestId,
      date: new Date().toUTCString(),
    });
    res.end(body);
  }
}
