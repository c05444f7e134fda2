import { randomUUID } from 'node:crypto';
import type { ActionContext, ActionHandler, ActionResult } from './common';
import { matchesFilters, paginate, tagFilterValues, tagSet } from './common';
import { ALLOCATION_STRATEGIES } from './fleet';
import { Ec2Error } from '../protocol/errors';
import { parseFilters, parseTagSpecifications, type Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import type { FleetConfigSpec, FleetRecord } from '../state/store';

const FLEET_ID = /^fleet-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function strategyOf(p: Params, path: string): string {
  const s = p.str(path) ?? 'lowest-price';
  if (!ALLOCATION_STRATEGIES.includes(s)) throw Ec2Error.invalidValue(path, s);
  return s;
}

function excessPolicy(value: string | undefined): FleetRecord['excessCapacityTerminationPolicy'] | undefined {
  if (value === undefined) return undefined;
  if (value !== 'termination' && value !== 'no-termination') throw Ec2Error.invalidValue('ExcessCapacityTerminationPolicy', value);
  return value;
}

/** CreateFleet Type=maintain: records the fleet and launches to its target (AWS answers only the id). */
export function createMaintainFleet(ctx: ActionContext, p: Params, target: FleetRecord['target'], configs: FleetConfigSpec[]): ActionResult {
  const specs = parseTagSpecifications(p);
  for (const s of specs) {
    if (s.resourceType !== 'fleet') {
      throw new Ec2Error('InvalidParameterValue', `The resource type '${s.resourceType}' is not supported for a fleet of type maintain; specify 'fleet', and tag instances in the launch template.`);
    }
  }
  const rebalance = p.child('SpotOptions.MaintenanceStrategies.CapacityRebalance');
  let capacityRebalance: FleetRecord['capacityRebalance'];
  if (rebalance) {
    const strategy = rebalance.str('ReplacementStrategy');
    if (strategy !== 'launch' && strategy !== 'launch-before-terminate') {
      throw Ec2Error.invalidValue('SpotOptions.MaintenanceStrategies.CapacityRebalance.ReplacementStrategy', String(strategy));
    }
    const delay = rebalance.int('TerminationDelay');
    if (delay !== undefined && strategy !== 'launch-before-terminate') {
      throw new Ec2Error('InvalidParameterValue', 'TerminationDelay is valid only when ReplacementStrategy is launch-before-terminate.');
    }
    const min = ctx.fleets.minTerminationDelaySeconds;
    if (delay !== undefined && (delay < min || delay > 7200)) {
      throw Ec2Error.invalidValue('SpotOptions.MaintenanceStrategies.CapacityRebalance.TerminationDelay', String(delay), `Expecting a value between ${min} and 7200.`);
    }
    capacityRebalance = { replacementStrategy: strategy, terminationDelay: strategy === 'launch-before-terminate' ? delay ?? 120 : undefined };
  }
  const clientToken = p.str('ClientToken');
  if (clientToken) {
    const same = ctx.store.state.fleets.find((f) => f.region === ctx.region && f.clientToken === clientToken);
    if (same) return { fleetId: same.fleetId };
  }
  const fleet: FleetRecord = {
    fleetId: `fleet-${randomUUID()}`,
    region: ctx.region,
    type: 'maintain',
    state: 'submitted',
    activityStatus: 'pending_fulfillment',
    createTime: ctx.clock(),
    target,
    spotAllocationStrategy: strategyOf(p, 'SpotOptions.AllocationStrategy'),
    onDemandAllocationStrategy: strategyOf(p, 'OnDemandOptions.AllocationStrategy'),
    capacityRebalance,
    excessCapacityTerminationPolicy: excessPolicy(p.str('ExcessCapacityTerminationPolicy')) ?? 'termination',
    replaceUnhealthyInstances: p.bool('ReplaceUnhealthyInstances') ?? false,
    clientToken,
    configs,
    tags: Object.assign({}, ...specs.map((s) => s.tags)),
    instanceIds: [],
    retiring: {},
    errors: [],
  };
  ctx.store.state.fleets.push(fleet);
  ctx.fleets.note(fleet, 'fleet-change', 'submitted');
  ctx.events.record('fleet-created', { fleetId: fleet.fleetId, region: ctx.region, target: fleet.target });
  ctx.fleets.reconcile(fleet);
  return { fleetId: fleet.fleetId };
}

function lookupFleets(ctx: ActionContext, ids: string[]): FleetRecord[] {
  return ids.map((id) => {
    if (!FLEET_ID.test(id)) throw new Ec2Error('InvalidFleetId.Malformed', `Invalid id: "${id}" (expecting "fleet-...")`);
    const f = ctx.fleets.find(ctx.region, id);
    if (!f) throw new Ec2Error('InvalidFleetId.NotFound', `The fleet ID '${id}' does not exist`);
    return f;
  });
}

function fleetFilterValues(f: FleetRecord, name: string): string[] | undefined {
  switch (name) {
    case 'fleet-state': return [f.state];
    case 'activity-status': return [f.activityStatus];
    case 'type': return [f.type];
    case 'excess-capacity-termination-policy': return [f.excessCapacityTerminationPolicy];
    case 'replace-unhealthy-instances': return [String(f.replaceUnhealthyInstances)];
    default: return tagFilterValues(f.tags, name);
  }
}

function fleetXml(ctx: ActionContext, f: FleetRecord): XmlValue {
  const counted = ctx.fleets.counted(f);
  return {
    activityStatus: f.state.startsWith('deleted') ? undefined : f.activityStatus,
    createTime: new Date(f.createTime),
    fleetId: f.fleetId,
    fleetState: f.state,
    clientToken: f.clientToken,
    excessCapacityTerminationPolicy: f.excessCapacityTerminationPolicy,
    fulfilledCapacity: counted.length,
    fulfilledOnDemandCapacity: counted.filter((r) => r.lifecycle === 'on-demand').length,
    launchTemplateConfigs: f.configs.map((c) => ({
      launchTemplateSpecification: c.launchTemplateName
        ? { launchTemplateName: c.launchTemplateName, version: c.version }
        : { launchTemplateId: c.launchTemplateId, version: c.version },
      overrides: c.overrides.length ? c.overrides.map((o) => ({ ...o })) : undefined,
    })),
    targetCapacitySpecification: {
      totalTargetCapacity: f.target.total,
      onDemandTargetCapacity: f.target.onDemand,
      spotTargetCapacity: f.target.spot,
      defaultTargetCapacityType: f.target.defaultType,
    },
    terminateInstancesWithExpiration: false,
    type: f.type,
    replaceUnhealthyInstances: f.replaceUnhealthyInstances,
    spotOptions: {
      allocationStrategy: f.spotAllocationStrategy,
      maintenanceStrategies: f.capacityRebalance
        ? { capacityRebalance: { replacementStrategy: f.capacityRebalance.replacementStrategy, terminationDelay: f.capacityRebalance.terminationDelay } }
        : undefined,
    },
    onDemandOptions: { allocationStrategy: f.onDemandAllocationStrategy },
    tagSet: tagSet(f.tags),
    errorSet: f.errors.map((e) => ({
      launchTemplateAndOverrides: {
        launchTemplateSpecification: { launchTemplateId: e.launchTemplateId, version: e.version },
        overrides: { instanceType: e.instanceType, availabilityZone: e.availabilityZone },
      },
      lifecycle: e.lifecycle,
      errorCode: e.errorCode,
      errorMessage: e.errorMessage,
    })),
  };
}

const describeFleets: ActionHandler = (ctx, p) => {
  const ids = p.strList('FleetId');
  const filters = parseFilters(p);
  const base = ids.length ? lookupFleets(ctx, ids) : ctx.store.state.fleets.filter((f) => f.region === ctx.region);
  const selected = base.filter((f) => matchesFilters(filters, (n) => fleetFilterValues(f, n)));
  const { page, nextToken } = paginate(selected, p, { min: 1, max: 1000 });
  return { fleetSet: page.map((f) => fleetXml(ctx, f)), nextToken };
};

const describeFleetInstances: ActionHandler = (ctx, p) => {
  const [f] = lookupFleets(ctx, [p.required('FleetId')]);
  const filters = parseFilters(p);
  const live = ctx.fleets.live(f).filter((r) => matchesFilters(filters, (n) => (n === 'instance-type' ? [r.instanceType] : undefined)));
  const { page, nextToken } = paginate(live, p, { min: 1, max: 1000 });
  return {
    fleetId: f.fleetId,
    activeInstanceSet: page.map((r) => ({
      instanceId: r.instanceId,
      instanceType: r.instanceType,
      spotInstanceRequestId: r.spotInstanceRequestId,
      instanceHealth: 'healthy',
    })),
    nextToken,
  };
};

const modifyFleet: ActionHandler = (ctx, p) => {
  const [f] = lookupFleets(ctx, [p.required('FleetId')]);
  if (f.state !== 'active' && f.state !== 'submitted' && f.state !== 'modifying') {
    throw new Ec2Error('IncorrectState', `The fleet '${f.fleetId}' is in the ${f.state} state and cannot be modified.`);
  }
  const tcs = p.child('TargetCapacitySpecification');
  const policy = excessPolicy(p.str('ExcessCapacityTerminationPolicy'));
  if (!tcs && !policy) throw Ec2Error.missing('TargetCapacitySpecification');
  if (tcs) {
    const total = tcs.int('TotalTargetCapacity');
    if (total === undefined) throw Ec2Error.missing('TargetCapacitySpecification.TotalTargetCapacity');
    if (total < 0 || total > 1000) throw Ec2Error.invalidValue('TargetCapacitySpecification.TotalTargetCapacity', String(total));
    const spotSet = tcs.int('SpotTargetCapacity');
    const odSet = tcs.int('OnDemandTargetCapacity');
    let spot: number;
    let onDemand: number;
    if (f.target.defaultType === 'spot') {
      onDemand = Math.min(odSet ?? f.target.onDemand, total);
      spot = spotSet ?? total - onDemand;
    } else {
      spot = Math.min(spotSet ?? f.target.spot, total);
      onDemand = odSet ?? total - spot;
    }
    if (spot < 0 || onDemand < 0 || spot + onDemand > total) {
      throw new Ec2Error('InvalidParameterValue', `The sum of SpotTargetCapacity (${spot}) and OnDemandTargetCapacity (${onDemand}) must not exceed TotalTargetCapacity (${total}).`);
    }
    f.target = { ...f.target, total, spot, onDemand };
  }
  if (policy) f.excessCapacityTerminationPolicy = policy;
  f.state = 'modifying';
  ctx.fleets.note(f, 'fleet-change', 'modify_in_progress');
  ctx.store.save();
  ctx.events.record('fleet-modified', { fleetId: f.fleetId, target: f.target });
  ctx.fleets.schedule(f, 0);
  return { return: true };
};

const deleteFleets: ActionHandler = (ctx, p) => {
  const ids = p.strList('FleetId');
  if (!ids.length) throw Ec2Error.missing('FleetId');
  const terminate = p.bool('TerminateInstances');
  if (terminate === undefined) throw Ec2Error.missing('TerminateInstances');
  const ok: XmlValue[] = [];
  const failed: XmlValue[] = [];
  for (const id of ids) {
    const f = FLEET_ID.test(id) ? ctx.fleets.find(ctx.region, id) : undefined;
    if (!f) {
      const code = FLEET_ID.test(id) ? 'fleetIdDoesNotExist' : 'fleetIdMalformed';
      failed.push({ error: { code, message: code === 'fleetIdDoesNotExist' ? `The fleet ID '${id}' does not exist` : `Invalid id: "${id}"` }, fleetId: id });
      continue;
    }
    if (f.state.startsWith('deleted')) {
      failed.push({ error: { code: 'fleetNotInDeletableState', message: `The fleet '${id}' is already ${f.state}.` }, fleetId: id });
      continue;
    }
    const previous = f.state;
    ctx.fleets.stop(f, terminate);
    ctx.events.record('fleet-deleted', { fleetId: id, terminateInstances: terminate, state: f.state });
    ok.push({ currentFleetState: f.state, previousFleetState: previous, fleetId: id });
  }
  return { successfulFleetDeletionSet: ok, unsuccessfulFleetDeletionSet: failed };
};

const EVENT_TYPES = ['fleet-change', 'instance-change', 'service-error'];

const describeFleetHistory: ActionHandler = (ctx, p) => {
  const [f] = lookupFleets(ctx, [p.required('FleetId')]);
  const start = p.date('StartTime');
  if (start === undefined) throw Ec2Error.missing('StartTime');
  const type = p.str('EventType');
  if (type !== undefined && !EVENT_TYPES.includes(type)) throw Ec2Error.invalidValue('EventType', type);
  const records = (f.history ?? []).filter((h) => h.timestamp >= start && (!type || h.eventType === type));
  const { page, nextToken } = paginate(records, p, { min: 1, max: 1000 });
  return {
    historyRecordSet: page.map((h) => ({
      eventInformation: { eventDescription: h.eventDescription, eventSubType: h.eventSubType, instanceId: h.instanceId },
      eventType: h.eventType,
      timestamp: new Date(h.timestamp),
    })),
    lastEvaluatedTime: new Date(page.length ? page[page.length - 1].timestamp : ctx.clock()),
    nextToken,
    fleetId: f.fleetId,
    startTime: new Date(start),
  };
};

export const maintainFleetActions: Record<string, ActionHandler> = {
  DescribeFleetHistory: describeFleetHistory,
  DescribeFleets: describeFleets,
  DescribeFleetInstances: describeFleetInstances,
  ModifyFleet: modifyFleet,
  DeleteFleets: deleteFleets,
};
