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
import { newId, type LaunchTemplateRecord } from '../state/store';
import { subnetIdFor } from './common';

/** One (template, instance type, zone) combination the fleet may launch into. */
interface Pool {
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

function readPools(ctx: ActionContext, configs: Params[]): Pool[] {
  const pools: Pool[] = [];
  for (const c of configs) {
    const spec = c.child('LaunchTemplateSpecification');
    if (!spec) throw Ec2Error.missing('LaunchTemplateConfigs.N.LaunchTemplateSpecification');
    const template = findTemplate(ctx, spec.str('LaunchTemplateId'), spec.str('LaunchTemplateName'));
    const version = spec.str('Version') ?? '$Default';
    const overrides = c.list('Overrides');
    for (const o of overrides.length ? overrides : [undefined]) {
      const subnetId = o?.str('SubnetId');
      const zoneArg = o?.str('AvailabilityZone');
      const zone = zoneArg ? findZone(ctx.region, zoneArg)?.zoneName ?? zoneArg : subnetId ? zoneOfSubnet(ctx, subnetId) : template.data.availabilityZone;
      const instanceType = o?.str('InstanceType') ?? template.data.instanceType;
      const maxPrice = o?.str('MaxPrice') ?? template.data.maxPrice;
      const priority = o?.num('Priority') ?? Number.MAX_SAFE_INTEGER;
      const zoneList = zone ? [zone] : zones(ctx.region).map((z) => z.zoneName).filter((z) => !instanceType || offeredInZone(ctx.region, z, instanceType));
      for (const z of zoneList.length ? zoneList : [undefined]) {
        pools.push({
          template, version, instanceType, zone: z, subnetId, maxPrice, priority,
          override: { instanceType, availabilityZone: z, subnetId, maxPrice, priority: o?.str('Priority') },
        });
      }
    }
  }
  return pools;
}

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
  const f = key[strategy];
  if (!f) throw Ec2Error.invalidValue('AllocationStrategy', strategy);
  return pools.map((p, i) => ({ p, i, k: f(p) })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.p);
}

const createFleet: ActionHandler = (ctx, p) => {
  const type = p.str('Type') ?? 'maintain';
  if (type !== 'instant') {
    throw new Ec2Error('InvalidParameterValue', `The sandbox supports only Type=instant fleets, not '${type}'.`);
  }
  const tcs = p.child('TargetCapacitySpecification');
  if (!tcs) throw Ec2Error.missing('TargetCapacitySpecification');
  const total = tcs.int('TotalTargetCapacity');
  if (total === undefined) throw Ec2Error.missing('TargetCapacitySpecification.TotalTargetCapacity');
  if (total < 1 || total > 1000) throw Ec2Error.invalidValue('TargetCapacitySpecification.TotalTargetCapacity', String(total));
  const defaultType = tcs.str('DefaultTargetCapacityType') ?? 'on-demand';
  if (defaultType !== 'spot' && defaultType !== 'on-demand') throw Ec2Error.invalidValue('DefaultTargetCapacityType', defaultType);
  const spotSet = tcs.int('SpotTargetCapacity');
  const odSet = tcs.int('OnDemandTargetCapacity');
  const spotTarget = spotSet ?? (defaultType === 'spot' ? total - (odSet ?? 0) : 0);
  const odTarget = odSet ?? total - spotTarget;
  const configs = p.list('LaunchTemplateConfigs');
  if (!configs.length) throw Ec2Error.missing('LaunchTemplateConfigs');
  const pools = readPools(ctx, configs);
  const fleetSpecs = parseTagSpecifications(p);
  const fleetInstanceTags = Object.assign({}, ...fleetSpecs.filter((s) => s.resourceType === 'instance').map((s) => s.tags));

  const errors = new Map<string, XmlValue>();
  const launched: XmlValue[] = [];
  const run = (lifecycle: InstanceLifecycle, target: number, strategy: string): void => {
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
        tags: { ...templateTags, ...fleetInstanceTags },
        blockDeviceMappings: d.blockDeviceMappings ?? [],
      };
      try {
        const v = validateLaunch(ctx, req);
        const zone = v.zone ?? pool.zone;
        if (!zone) throw Ec2Error.missing('AvailabilityZone');
        const maxPrice = checkPool(ctx, v.instanceType, zone, lifecycle, req.maxPrice);
        const records = startInstances(ctx, req, { ...v, zone, maxPrice }, remaining, newId('r'));
        remaining = 0;
        launched.push({ launchTemplateAndOverrides: ltao, lifecycle, instanceIds: records.map((r) => r.instanceId), instanceType: v.instanceType, platform: undefined });
      } catch (err) {
        if (!(err instanceof Ec2Error)) throw err;
        const key = `${lifecycle}|${pool.instanceType}|${pool.zone}|${err.code}`;
        if (!errors.has(key)) errors.set(key, { launchTemplateAndOverrides: ltao, lifecycle, errorCode: err.code, errorMessage: err.message });
      }
    }
  };
  if (spotTarget > 0) run('spot', spotTarget, p.str('SpotOptions.AllocationStrategy') ?? 'lowest-price');
  if (odTarget > 0) run('on-demand', odTarget, p.str('OnDemandOptions.AllocationStrategy') ?? 'lowest-price');
  ctx.store.save();
  return {
    fleetId: `fleet-${randomUUID()}`,
    errorSet: [...errors.values()],
    fleetInstanceSet: launched,
  };
};

export const fleetActions: Record<string, ActionHandler> = { CreateFleet: createFleet };
