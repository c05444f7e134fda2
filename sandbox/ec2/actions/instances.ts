import type { ActionContext, ActionHandler, ActionResult } from './common';
import { ACCOUNT_ID, matchesFilters, paginate, tagFilterValues } from './common';
import { findTemplate, groupNameLookup, pickZone, startInstances, validateLaunch, checkPool, type LaunchRequest } from '../instances/launch';
import { instanceXml, stateXml } from '../instances/render';
import { parseBlockDeviceMappings, type BlockDeviceMappingSpec } from '../instances/blockDevices';
import { Ec2Error } from '../protocol/errors';
import { parseFilters, parseTagSpecifications, type Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { newId, type InstanceRecord } from '../state/store';

function tokens(value: string | undefined, name: string): 'required' | 'optional' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'required' && value !== 'optional') throw Ec2Error.invalidValue(name, value);
  return value;
}

function mergedMappings(fromTemplate: readonly BlockDeviceMappingSpec[], given: readonly BlockDeviceMappingSpec[]): BlockDeviceMappingSpec[] {
  return [...fromTemplate.filter((m) => !given.some((g) => g.deviceName === m.deviceName)), ...given];
}

export function lookupInstances(ctx: ActionContext, ids: string[]): InstanceRecord[] {
  ctx.manager.sweep();
  const missing: string[] = [];
  const found: InstanceRecord[] = [];
  for (const id of ids) {
    if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    const rec = ctx.store.state.instances[id];
    if (rec && rec.region === ctx.region) found.push(rec);
    else missing.push(id);
  }
  if (missing.length) {
    throw new Ec2Error('InvalidInstanceID.NotFound', missing.length === 1 ? `The instance ID '${missing[0]}' does not exist` : `The instance IDs '${missing.join(', ')}' do not exist`);
  }
  return found;
}

const runInstances: ActionHandler = (ctx, p) => {
  const minCount = p.int('MinCount');
  const maxCount = p.int('MaxCount');
  if (minCount === undefined) throw Ec2Error.missing('MinCount');
  if (maxCount === undefined) throw Ec2Error.missing('MaxCount');
  if (minCount < 1 || maxCount < minCount) throw new Ec2Error('InvalidParameterValue', `Invalid MinCount/MaxCount: ${minCount}/${maxCount}`);
  const lt = p.child('LaunchTemplate');
  const t = lt ? findTemplate(ctx, lt.str('LaunchTemplateId'), lt.str('LaunchTemplateName')).data : undefined;
  const specs = [...(t?.tagSpecifications ?? []), ...parseTagSpecifications(p)];
  const marketType = p.str('InstanceMarketOptions.MarketType') ?? t?.marketType;
  if (marketType !== undefined && marketType !== 'spot' && marketType !== 'capacity-block') throw Ec2Error.invalidValue('InstanceMarketOptions.MarketType', marketType);
  const req: LaunchRequest = {
    instanceType: p.str('InstanceType') ?? t?.instanceType,
    imageId: p.str('ImageId') ?? t?.imageId,
    keyName: p.str('KeyName') ?? t?.keyName,
    securityGroupIds: p.firstList('SecurityGroupId').length ? p.strList('SecurityGroupId') : t?.securityGroupIds ?? [],
    securityGroupNames: p.firstList('SecurityGroup').length ? p.strList('SecurityGroup') : t?.securityGroupNames ?? [],
    userDataBase64: p.str('UserData') ?? t?.userData,
    httpTokens: tokens(p.str('MetadataOptions.HttpTokens'), 'MetadataOptions.HttpTokens') ?? t?.httpTokens ?? 'optional',
    lifecycle: marketType === 'spot' ? 'spot' : 'on-demand',
    maxPrice: p.str('InstanceMarketOptions.SpotOptions.MaxPrice') ?? t?.maxPrice,
    availabilityZone: p.str('Placement.AvailabilityZone') ?? t?.availabilityZone,
    tags: Object.assign({}, ...specs.filter((s) => s.resourceType === 'instance').map((s) => s.tags)),
    // A mapping given to RunInstances replaces the template's for the same device.
    blockDeviceMappings: mergedMappings(t?.blockDeviceMappings ?? [], parseBlockDeviceMappings(p)),
  };
  const v = validateLaunch(ctx, req);
  const zone = v.zone ?? pickZone(ctx, v.instanceType);
  const maxPrice = checkPool(ctx, v.instanceType, zone, req.lifecycle, req.maxPrice);
  const reservationId = newId('r');
  const records = startInstances(ctx, req, { ...v, zone, maxPrice }, maxCount, reservationId);
  const spotTags = Object.assign({}, ...specs.filter((s) => s.resourceType === 'spot-instances-request').map((s) => s.tags));
  for (const r of records) {
    const sr = ctx.store.state.spotRequests.find((x) => x.spotInstanceRequestId === r.spotInstanceRequestId);
    if (sr) Object.assign(sr.tags, spotTags);
  }
  ctx.store.save();
  const names = groupNameLookup(ctx);
  return {
    reservationId,
    ownerId: ACCOUNT_ID,
    groupSet: [],
    instancesSet: records.map((r) => instanceXml(r, names)),
  };
};

function instanceFilterValues(rec: InstanceRecord, name: string): string[] | undefined {
  switch (name) {
    case 'instance-id': return [rec.instanceId];
    case 'instance-state-name': return [rec.state];
    case 'instance-state-code': return [String(({ pending: 0, running: 16, 'shutting-down': 32, terminated: 48 } as const)[rec.state])];
    case 'instance-lifecycle': return [rec.lifecycle];
    case 'instance-type': return [rec.instanceType];
    case 'availability-zone': return [rec.availabilityZone];
    case 'image-id': return [rec.imageId];
    case 'key-name': return rec.keyName ? [rec.keyName] : [];
    case 'reservation-id': return [rec.reservationId];
    case 'spot-instance-request-id': return rec.spotInstanceRequestId ? [rec.spotInstanceRequestId] : [];
    case 'ip-address': case 'private-ip-address': return rec.address && rec.state === 'running' ? [rec.address.ip] : [];
    case 'instance.group-id': case 'group-id': return rec.securityGroupIds;
    default: return tagFilterValues(rec.tags, name);
  }
}

function selectInstances(ctx: ActionContext, p: Params): InstanceRecord[] {
  const ids = p.strList('InstanceId');
  if (ids.length && p.has('MaxResults')) {
    throw new Ec2Error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const filters = parseFilters(p);
  const base = ids.length ? lookupInstances(ctx, ids) : (ctx.manager.sweep(), ctx.store.instancesIn(ctx.region));
  return base.filter((r) => matchesFilters(filters, (n) => instanceFilterValues(r, n)));
}

const describeInstances: ActionHandler = (ctx, p) => {
  const { page, nextToken } = paginate(selectInstances(ctx, p), p, { min: 5, max: 1000 });
  const names = groupNameLookup(ctx);
  const reservations = new Map<string, InstanceRecord[]>();
  for (const r of page) reservations.set(r.reservationId, [...(reservations.get(r.reservationId) ?? []), r]);
  return {
    reservationSet: [...reservations.entries()].map(([reservationId, recs]) => ({
      reservationId,
      ownerId: ACCOUNT_ID,
      groupSet: [],
      instancesSet: recs.map((r) => instanceXml(r, names)),
    })),
    nextToken,
  };
};

const describeInstanceStatus: ActionHandler = (ctx, p) => {
  const includeAll = p.bool('IncludeAllInstances') ?? false;
  const all = selectInstances(ctx, p).filter((r) => includeAll || r.state === 'running');
  const { page, nextToken } = paginate(all, p, { min: 5, max: 1000 });
  const now = ctx.clock();
  const items: XmlValue[] = page.map((r) => {
    const ok = r.state === 'running' && now - (r.runningAt ?? now) > 0;
    const summary = r.state === 'running'
      ? { status: ok ? 'ok' : 'initializing', details: [{ name: 'reachability', status: ok ? 'passed' : 'initializing' }] }
      : { status: 'not-applicable' };
    return {
      instanceId: r.instanceId,
      availabilityZone: r.availabilityZone,
      instanceState: stateXml(r.state),
      systemStatus: summary,
      instanceStatus: summary,
      eventsSet: r.instanceAction
        ? [{ code: 'instance-stop', description: `Spot interruption: ${r.instanceAction.action}`, notBefore: r.instanceAction.time }]
        : undefined,
    };
  });
  return { instanceStatusSet: items, nextToken };
};

const terminateInstances: ActionHandler = (ctx, p) => {
  const ids = p.strList('InstanceId');
  if (!ids.length) throw Ec2Error.missing('InstanceId');
  const changes = lookupInstances(ctx, ids).map((rec) => {
    const { previous, current } = ctx.manager.terminate(rec);
    return { instanceId: rec.instanceId, currentState: stateXml(current), previousState: stateXml(previous) };
  });
  return { instancesSet: changes };
};

const getConsoleOutput: ActionHandler = (ctx, p): ActionResult => {
  const [rec] = lookupInstances(ctx, [p.required('InstanceId')]);
  const now = ctx.clock();
  const ready = rec.state === 'running' && rec.runningAt !== undefined && now - rec.runningAt >= ctx.consoleDelayMs;
  const text = ready ? ctx.boxHost.consoleOutput(rec.instanceId) : '';
  return {
    instanceId: rec.instanceId,
    timestamp: new Date(now),
    output: text ? Buffer.from(text.slice(-65536), 'utf8').toString('base64') : undefined,
  };
};

export const instanceActions: Record<string, ActionHandler> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  TerminateInstances: terminateInstances,
  GetConsoleOutput: getConsoleOutput,
};
