import type { InstanceLifecycle } from '../../contract';
import type { ActionContext } from '../actions/common';
import { images } from '../catalog/images';
import { volumesFor, withVolumeIds, type BlockDeviceMappingSpec } from './blockDevices';
import { instanceTypeSpec } from '../catalog/instanceTypes';
import { offeredInZone, formatPrice } from '../catalog/prices';
import { findZone, zones } from '../catalog/regions';
import { Ec2Error } from '../protocol/errors';
import { newId, type InstanceRecord, type LaunchTemplateRecord } from '../state/store';

/** What RunInstances and CreateFleet both need to start instances in one pool. */
export interface LaunchRequest {
  readonly instanceType?: string;
  readonly imageId?: string;
  readonly keyName?: string;
  readonly securityGroupIds: string[];
  readonly securityGroupNames: string[];
  readonly userDataBase64?: string;
  readonly httpTokens: 'required' | 'optional';
  readonly lifecycle: InstanceLifecycle;
  readonly maxPrice?: string;
  readonly availabilityZone?: string;
  readonly tags: Record<string, string>;
  readonly blockDeviceMappings: readonly BlockDeviceMappingSpec[];
}

export interface ValidatedLaunch {
  readonly instanceType: string;
  readonly imageId: string;
  readonly securityGroupIds: string[];
  readonly zone: string;
  readonly maxPrice?: number;
  readonly volumes: ReturnType<typeof volumesFor>;
}

export function findTemplate(ctx: ActionContext, id: string | undefined, name: string | undefined): LaunchTemplateRecord {
  const all = ctx.store.state.launchTemplates.filter((t) => t.region === ctx.region);
  if (id) {
    const t = all.find((x) => x.launchTemplateId === id);
    if (!t) throw new Ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
    return t;
  }
  if (name) {
    const t = all.find((x) => x.launchTemplateName === name);
    if (!t) throw new Ec2Error('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);
    return t;
  }
  throw new Ec2Error('MissingParameter', 'The request must contain the parameter LaunchTemplateId or LaunchTemplateName');
}

/** Static checks (type, image, key, groups, zone); throws the error EC2 would answer. */
export function validateLaunch(ctx: ActionContext, req: LaunchRequest): Omit<ValidatedLaunch, 'zone' | 'maxPrice'> & { zone?: string } {
  const instanceType = req.instanceType;
  if (!instanceType) throw Ec2Error.missing('InstanceType');
  if (!instanceTypeSpec(instanceType)) {
    throw new Ec2Error('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType. The sandbox offers the GPU families g4dn, g5, g6, g6e, p3, p4d, p5, p5e.`);
  }
  if (ctx.market.onDemand(ctx.region, instanceType) === undefined) {
    throw new Ec2Error('Unsupported', `The requested configuration is currently not supported: ${instanceType} is not offered in ${ctx.region}.`);
  }
  const imageId = req.imageId;
  if (!imageId) throw Ec2Error.missing('ImageId');
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new Ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  const image = images(ctx.region).find((i) => i.imageId === imageId);
  if (!image) {
    throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  }
  const volumes = volumesFor(image, req.blockDeviceMappings);
  if (req.keyName && !ctx.store.state.keyPairs.some((k) => k.region === ctx.region && k.keyName === req.keyName)) {
    throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${req.keyName}' does not exist`);
  }
  const groups = ctx.store.state.securityGroups.filter((g) => g.region === ctx.region);
  const securityGroupIds: string[] = [];
  for (const id of req.securityGroupIds) {
    if (!groups.some((g) => g.groupId === id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    securityGroupIds.push(id);
  }
  for (const name of req.securityGroupNames) {
    const g = groups.find((x) => x.groupName === name);
    if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC`);
    securityGroupIds.push(g.groupId);
  }
  let zone: string | undefined;
  if (req.availabilityZone) {
    const z = findZone(ctx.region, req.availabilityZone);
    if (!z) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${req.availabilityZone}]`);
    if (!offeredInZone(ctx.region, z.zoneName, instanceType)) {
      const ok = zones(ctx.region).filter((x) => offeredInZone(ctx.region, x.zoneName, instanceType)).map((x) => x.zoneName);
      throw new Ec2Error('Unsupported', `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${z.zoneName}). Please retry your request by not specifying an Availability Zone or choosing ${ok.join(', ')}.`);
    }
    zone = z.zoneName;
  }
  return { instanceType, imageId, securityGroupIds, zone, volumes };
}

/** Picks a zone when none was asked for: a random offered zone whose pool is not dry. */
export function pickZone(ctx: ActionContext, instanceType: string): string {
  const offered = zones(ctx.region).filter((z) => offeredInZone(ctx.region, z.zoneName, instanceType)).map((z) => z.zoneName);
  const wet = offered.filter((z) => !ctx.faults.isDry(ctx.region, instanceType, z));
  const from = wet.length ? wet : offered;
  return from[Math.floor(Math.random() * from.length)];
}

/** Dynamic checks for one pool: capacity faults and the spot price. */
export function checkPool(ctx: ActionContext, instanceType: string, zone: string, lifecycle: InstanceLifecycle, maxPrice: string | undefined): number | undefined {
  const od = ctx.market.onDemand(ctx.region, instanceType) ?? 0;
  let effectiveMax: number | undefined;
  if (lifecycle === 'spot') {
    effectiveMax = maxPrice !== undefined && maxPrice !== '' ? Number(maxPrice) : od;
    if (!Number.isFinite(effectiveMax) || effectiveMax <= 0) throw Ec2Error.invalidValue('MaxPrice', String(maxPrice));
    const current = ctx.market.price(ctx.region, zone, instanceType, ctx.clock()) ?? od;
    if (effectiveMax < current) {
      throw new Ec2Error('SpotMaxPriceTooLow', `Your Spot request price of ${effectiveMax} is lower than the minimum required Spot request fulfillment price of ${formatPrice(current)}.`);
    }
  }
  if (ctx.faults.takeCapacityFailure(ctx.region, instanceType, zone)) {
    const others = zones(ctx.region)
      .filter((z) => z.zoneName !== zone && offeredInZone(ctx.region, z.zoneName, instanceType) && !ctx.faults.isDry(ctx.region, instanceType, z.zoneName))
      .map((z) => z.zoneName);
    ctx.events.record('capacity-fault', { region: ctx.region, instanceType, availabilityZone: zone, applied: true });
    throw new Ec2Error(
      'InsufficientInstanceCapacity',
      `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity.` +
        (others.length ? ` You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing ${others.join(', ')}.` : ''),
    );
  }
  return effectiveMax;
}

/** Builds the records (and spot requests) and hands them to the manager, which boots them. */
export function startInstances(ctx: ActionContext, req: LaunchRequest, v: ValidatedLaunch, count: number, reservationId: string): InstanceRecord[] {
  const now = ctx.clock();
  const records: InstanceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const instanceId = newId('i');
    const rec: InstanceRecord = {
      instanceId,
      reservationId,
      region: ctx.region,
      availabilityZone: v.zone,
      instanceType: v.instanceType,
      imageId: v.imageId,
      keyName: req.keyName,
      securityGroupIds: v.securityGroupIds,
      userDataBase64: req.userDataBase64,
      httpTokens: req.httpTokens,
      lifecycle: req.lifecycle,
      maxPrice: v.maxPrice,
      launchIndex: i,
      launchTime: now,
      state: 'pending',
      tags: { ...req.tags },
      volumes: withVolumeIds(v.volumes),
    };
    if (req.lifecycle === 'spot') {
      rec.spotInstanceRequestId = newId('sir').slice(0, 12);
      ctx.store.state.spotRequests.push({
        spotInstanceRequestId: rec.spotInstanceRequestId,
        region: ctx.region,
        instanceId,
        instanceType: v.instanceType,
        availabilityZone: v.zone,
        state: 'active',
        statusCode: 'fulfilled',
        statusMessage: 'Your spot request is fulfilled.',
        createTime: now,
        updateTime: now,
        maxPrice: formatPrice(v.maxPrice ?? 0),
        tags: {},
      });
    }
    records.push(rec);
  }
  ctx.manager.launch(records);
  return records;
}

export function groupNameLookup(ctx: ActionContext): (id: string) => string | undefined {
  return (id) => ctx.store.state.securityGroups.find((g) => g.groupId === id)?.groupName;
}
