import { randomUUID } from 'node:crypto';
import type { InstanceLifecycle } from '../../contract';
import type { ActionContext, ActionHandler } from './common';
import { instanceTypeSpec, scarcity } from '../catalog/instanceTypes';
import { offeredInZone } from '../catalog/prices';
import { findZone, zones } from '../catalog/regions';
import { checkPool, findTemplate, startInstances, validateLaunch, type LaunchRequest } from '../instances/launch';
import { Ec2Error } from '../protocol/errors';
import { parseTagSpecifications, type Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { newId, type FleetConfigSpec, type InstanceRecord, type LaunchTemplateRecord } from '../state/store';
import { createMaintainFleet } from './maintainFleet';
import { subnetIdFor } from './common';

/** One (template, instance type, zone) combination the fleet may launch into. */
export interface Pool {
  readonly template: LaunchTemplateRecord;
  readonly version: string;
  readonly instanceType?: string;
  readonly zone?: string;
  readonly subnetId?: string;
  readonly maxPrice?: string;
  readonly priority: number;
  /** What the caller wrote in the override, echoed back in errorSet/fleetInstanceSet. */
  readonly override: Record<string, XmlValue>;
}

function zoneOfSubnet(ctx: ActionContext, subnetId: string): string {
  const z = zones(ctx.region).find((x) => subnetIdFor(x.zoneName) === subnetId);
  if (!z) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  return z.zoneName;
}

/** LaunchTemplateConfigs as given, with each template resolved to its id (what a fleet record keeps). */
export function parseConfigs(ctx: ActionContext, configs: Params[]): FleetConfigSpec[] {
  return configs.map((c) => {
    const spec = c.child('LaunchTemplateSpecification');
    if (!spec) throw Ec2Error.missing('LaunchTemplateConfigs.N.LaunchTemplateSpecification');
    const template = findTemplate(ctx, spec.str('LaunchTemplateId'), spec.str('LaunchTemplateName'));
    return {
      launchTemplateId: template.launchTemplateId,
      launchTemplateName: spec.str('LaunchTemplateId') ? undefined : template.launchTemplateName,
      version: spec.str('Version') ?? '$Default',
      overrides: c.list('Overrides').map((o) => ({
        instanceType: o.str('InstanceType'), availabilityZone: o.str('AvailabilityZone'), subnetId: o.str('SubnetId'),
        maxPrice: o.str('MaxPrice'), priority: o.str('Priority'),
      })),
    };
  });
}

/** Every (template, instance type, zone) pool the configs allow. */
export function poolsOf(ctx: ActionContext, configs: FleetConfigSpec[]): Pool[] {
  const pools: Pool[] = [];
  for (const c of configs) {
    const template = findTemplate(ctx, c.launchTemplateId, undefined);
    const version = c.version;
    for (const o of c.overrides.length ? c.overrides : [undefined]) {
      const subnetId = o?.subnetId;
      const zoneArg = o?.availabilityZone;
      const zone = zoneArg ? findZone(ctx.region, zoneArg)?.zoneName ?? zoneArg : subnetId ? zoneOfSubnet(ctx, subnetId) : template.data.availabilityZone;
      const instanceType = o?.instanceType ?? template.data.instanceType;
      const maxPrice = o?.maxPrice ?? template.data.maxPrice;
      const priority = o?.priority !== undefined && o.priority !== '' && Number.isFinite(Number(o.priority)) ? Number(o.priority) : Number.MAX_SAFE_INTEGER;
      const zoneList = zone ? [zone] : zones(ctx.region).map((z) => z.zoneName).filter((z) => !instanceType || offeredInZone(ctx.region, z, instanceType));
      for (const z of zoneList.length ? zoneList : [undefined]) {
        pools.push({
          template, version, instanceType, zone: z, subnetId, maxPrice, priority,
          override: { instanceType, availabilityZone: z, subnetId, maxPrice, priority: o?.priority },
        });
      }
    }
  }
  return pools;
}

/** The allocation strategies CreateFleet accepts (both spellings EC2 knows). */
export const ALLOCATION_STRATEGIES = [
  'lowest-price', 'lowestPrice', 'capacity-optimized', 'capacityOptimized', 'diversified',
  'price-capacity-optimized', 'prioritized', 'capacity-optimized-prioritized',
];

function ordered(ctx: ActionContext, pools: Pool[], strategy: string, lifecycle: InstanceLifecycle): Pool[] {
  const now = ctx.clock();
  const price = (p: Pool): number => {
    if (!p.instanceType || !p.zone) return Infinity;
    const v = lifecycle === 'spot' ? ctx.market.price(ctx.region, p.zone, p.instanceType, now) : ctx.market.onDemand(ctx.region, p.instanceType);
    return v ?? Infinity;
  };
  const scarce = (p: Pool): number => {
    const spec = p.instanceType ? instanceTypeSpec(p.instanceType) : undefined;
    const dry = p.instanceType && p.zone && ctx.faults.isDry(ctx.region, p.instanceType, p.zone) ? 100 : 0;
    return (spec ? scarcity(spec) : 50) + dry;
  };
  const key: Record<string, (p: Pool) => number> = {
    'lowest-price': price,
    lowestPrice: price,
    'capacity-optimized': scarce,
    capacityOptimized: scarce,
    diversified: price,
    'price-capacity-optimized': (p) => price(p) * (1 + 0.25 * scarce(p)),
    prioritized: (p) => p.priority,
    'capacity-optimized-prioritized': (p) => p.priority * 1000 + scarce(p),
  };
  const f = Object.prototype.hasOwnProperty.call(key, strategy) ? key[strategy] : undefined;
  if (!f) throw Ec2Error.invalidValue('AllocationStrategy', strategy);
  return pools.map((p, i) => ({ p, i, k: f(p) })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.p);
}

/** A pool that refused a launch, with what EC2 echoes about it (launchTemplateAndOverrides). */
export interface PoolFailure {
  readonly ltao: { launchTemplateSpecification: { launchTemplateId: string; version: string }; overrides: Record<string, XmlValue> };
  readonly pool: Pool;
  readonly lifecycle: InstanceLifecycle;
  readonly code: string;
  readonly message: string;
}

export interface PoolLaunch {
  readonly launched: XmlValue[];
  readonly records: InstanceRecord[];
  /** One entry per (lifecycle, type, zone, code), as EC2 reports them. */
  readonly errors: Map<string, PoolFailure>;
}

/**
 * Launches `target` instances of one lifecycle from the pools in the strategy's order: the first
 * pool that accepts takes them all; the pools that refuse are reported.
 */
export function launchFromPools(ctx: ActionContext, pools: Pool[], lifecycle: InstanceLifecycle, target: number, strategy: string, extraTags: Record<string, string>, out?: PoolLaunch): PoolLaunch {
  const result: PoolLaunch = out ?? { launched: [], records: [], errors: new Map() };
  let remaining = target;
  for (const pool of ordered(ctx, pools, strategy, lifecycle)) {
    if (remaining <= 0) break;
    const d = pool.template.data;
    const ltao = {
      launchTemplateSpecification: { launchTemplateId: pool.template.launchTemplateId, version: pool.version },
      overrides: pool.override,
    };
    const templateTags = Object.assign({}, ...d.tagSpecifications.filter((s) => s.resourceType === 'instance').map((s) => s.tags));
    const req: LaunchRequest = {
      instanceType: pool.instanceType,
      imageId: d.imageId,
      keyName: d.keyName,
      securityGroupIds: d.securityGroupIds,
      securityGroupNames: d.securityGroupNames,
      userDataBase64: d.userData,
      httpTokens: d.httpTokens ?? 'optional',
      lifecycle,
      maxPrice: pool.maxPrice,
      availabilityZone: pool.zone,
      tags: { ...templateTags, ...extraTags },
      blockDeviceMappings: d.blockDeviceMappings ?? [],
    };
    try {
      const v = validateLaunch(ctx, req);
      const zone = v.zone ?? pool.zone;
      if (!zone) throw Ec2Error.missing('AvailabilityZone');
      const maxPrice = checkPool(ctx, v.instanceType, zone, lifecycle, req.maxPrice);
      const records = startInstances(ctx, req, { ...v, zone, maxPrice }, remaining, newId('r'));
      remaining = 0;
      result.records.push(...records);
      result.launched.push({ launchTemplateAndOverrides: ltao, lifecycle, instanceIds: records.map((r) => r.instanceId), instanceType: v.instanceType, platform: undefined });
    } catch (err) {
      if (!(err instanceof Ec2Error)) throw err;
      const key = `${lifecycle}|${pool.instanceType}|${pool.zone}|${err.code}`;
      if (!result.errors.has(key)) result.errors.set(key, { ltao, pool, lifecycle, code: err.code, message: err.message });
    }
  }
  return result;
}

export function errorXmlOf(e: PoolFailure): XmlValue {
  return { launchTemplateAndOverrides: e.ltao, lifecycle: e.lifecycle, errorCode: e.code, errorMessage: e.message };
}

const createFleet: ActionHandler = (ctx, p) => {
  const type = p.str('Type') ?? 'maintain';
  if (type !== 'instant' && type !== 'maintain') {
    throw new Ec2Error('InvalidParameterValue', `The sandbox supports only Type=instant and Type=maintain fleets, not '${type}'.`);
  }
  const tcs = p.child('TargetCapacitySpecification');
  if (!tcs) throw Ec2Error.missing('TargetCapacitySpecification');
  const total = tcs.int('TotalTargetCapacity');
  if (total === undefined) throw Ec2Error.missing('TargetCapacitySpecification.TotalTargetCapacity');
  if (total < (type === 'instant' ? 1 : 0) || total > 1000) throw Ec2Error.invalidValue('TargetCapacitySpecification.TotalTargetCapacity', String(total));
  const defaultType = tcs.str('DefaultTargetCapacityType') ?? 'on-demand';
  if (defaultType !== 'spot' && defaultType !== 'on-demand') throw Ec2Error.invalidValue('DefaultTargetCapacityType', defaultType);
  const spotSet = tcs.int('SpotTargetCapacity');
  const odSet = tcs.int('OnDemandTargetCapacity');
  const spotTarget = spotSet ?? (defaultType === 'spot' ? total - (odSet ?? 0) : 0);
  const odTarget = odSet ?? total - spotTarget;
  if (spotTarget < 0 || odTarget < 0 || spotTarget + odTarget > total) {
    throw new Ec2Error('InvalidParameterValue', `The sum of SpotTargetCapacity (${spotTarget}) and OnDemandTargetCapacity (${odTarget}) must not exceed TotalTargetCapacity (${total}).`);
  }
  const configList = p.list('LaunchTemplateConfigs');
  if (!configList.length) throw Ec2Error.missing('LaunchTemplateConfigs');
  const configs = parseConfigs(ctx, configList);
  if (type === 'maintain') {
    return createMaintainFleet(ctx, p, { total, spot: spotTarget, onDemand: odTarget, defaultType }, configs);
  }
  const pools = poolsOf(ctx, configs);
  const fleetSpecs = parseTagSpecifications(p);
  const fleetInstanceTags: Record<string, string> = Object.assign({}, ...fleetSpecs.filter((s) => s.resourceType === 'instance').map((s) => s.tags));
  const result: PoolLaunch = { launched: [], records: [], errors: new Map() };
  if (spotTarget > 0) launchFromPools(ctx, pools, 'spot', spotTarget, p.str('SpotOptions.AllocationStrategy') ?? 'lowest-price', fleetInstanceTags, result);
  if (odTarget > 0) launchFromPools(ctx, pools, 'on-demand', odTarget, p.str('OnDemandOptions.AllocationStrategy') ?? 'lowest-price', fleetInstanceTags, result);
  ctx.store.save();
  return {
    fleetId: `fleet-${randomUUID()}`,
    errorSet: [...result.errors.values()].map(errorXmlOf),
    fleetInstanceSet: result.launched,
  };
};

export const fleetActions: Record<string, ActionHandler> = { CreateFleet: createFleet };
