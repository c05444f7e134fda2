import type { ActionContext, ActionHandler } from './common';
import { images } from '../catalog/images';
import { matchesFilters, paginate, tagFilterValues, tagSet } from './common';
import { findTemplate } from '../instances/launch';
import { parseBlockDeviceMappings, volumesFor } from '../instances/blockDevices';
import { Ec2Error } from '../protocol/errors';
import { parseFilters, parseTagSpecifications, type Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { newId, type LaunchTemplateData, type LaunchTemplateRecord } from '../state/store';

/** Reads `LaunchTemplateData.*`; the SDK sends singular list names, plurals are tolerated. */
function parseData(d: Params): LaunchTemplateData {
  const httpTokens = d.str('MetadataOptions.HttpTokens');
  if (httpTokens !== undefined && httpTokens !== 'required' && httpTokens !== 'optional') {
    throw Ec2Error.invalidValue('LaunchTemplateData.MetadataOptions.HttpTokens', httpTokens);
  }
  return {
    imageId: d.str('ImageId'),
    instanceType: d.str('InstanceType'),
    keyName: d.str('KeyName'),
    userData: d.str('UserData'),
    securityGroupIds: d.firstList('SecurityGroupId', 'SecurityGroupIds'),
    securityGroupNames: d.firstList('SecurityGroup', 'SecurityGroups'),
    httpTokens,
    marketType: d.str('InstanceMarketOptions.MarketType'),
    maxPrice: d.str('InstanceMarketOptions.SpotOptions.MaxPrice'),
    availabilityZone: d.str('Placement.AvailabilityZone'),
    tagSpecifications: [...parseTagSpecifications(d), ...parseTagSpecifications(d, 'TagSpecifications')],
    blockDeviceMappings: [...parseBlockDeviceMappings(d), ...parseBlockDeviceMappings(d, 'BlockDeviceMappings')],
  };
}

function templateXml(t: LaunchTemplateRecord): XmlValue {
  return {
    launchTemplateId: t.launchTemplateId,
    launchTemplateName: t.launchTemplateName,
    createTime: new Date(t.createTime),
    createdBy: 'arn:aws:iam::123456789012:user/sandbox',
    defaultVersionNumber: 1,
    latestVersionNumber: 1,
    tagSet: tagSet(t.tags),
  };
}

/**
 * EC2 creates a template whose mappings do not fit its image and says so in `warning`; the
 * launches from it are what fail (RunInstances with the error, CreateFleet in errorSet).
 */
function templateWarning(ctx: ActionContext, data: LaunchTemplateData): XmlValue {
  const image = data.imageId ? images(ctx.region).find((i) => i.imageId === data.imageId) : undefined;
  if (!image) return undefined;
  try {
    volumesFor(image, data.blockDeviceMappings ?? []);
    return undefined;
  } catch (error) {
    if (!(error instanceof Ec2Error)) throw error;
    return { errorSet: [{ code: error.code, message: error.message }] };
  }
}

const createLaunchTemplate: ActionHandler = (ctx, p) => {
  const name = p.required('LaunchTemplateName');
  if (!/^[a-zA-Z0-9().\-/_]{3,128}$/.test(name)) throw Ec2Error.invalidValue('LaunchTemplateName', name);
  const data = p.child('LaunchTemplateData');
  if (!data) throw Ec2Error.missing('LaunchTemplateData');
  if (ctx.store.state.launchTemplates.some((t) => t.region === ctx.region && t.launchTemplateName === name)) {
    throw new Ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
  }
  const tags = Object.assign({}, ...parseTagSpecifications(p).filter((s) => s.resourceType === 'launch-template').map((s) => s.tags));
  const rec: LaunchTemplateRecord = {
    launchTemplateId: newId('lt'),
    launchTemplateName: name,
    region: ctx.region,
    createTime: ctx.clock(),
    data: parseData(data),
    tags,
  };
  ctx.store.state.launchTemplates.push(rec);
  ctx.store.save();
  return { launchTemplate: templateXml(rec), warning: templateWarning(ctx, rec.data) };
};

const describeLaunchTemplates: ActionHandler = (ctx, p) => {
  const ids = p.strList('LaunchTemplateId');
  const names = p.strList('LaunchTemplateName');
  const filters = parseFilters(p);
  let list = ctx.store.state.launchTemplates.filter((t) => t.region === ctx.region);
  if (ids.length) list = ids.map((id) => findTemplate(ctx, id, undefined));
  if (names.length) list = names.map((n) => findTemplate(ctx, undefined, n));
  list = list.filter((t) =>
    matchesFilters(filters, (n) => (n === 'launch-template-name' ? [t.launchTemplateName] : tagFilterValues(t.tags, n))),
  );
  const { page, nextToken } = paginate(list, p, { min: 1, max: 200 });
  return { launchTemplates: page.map(templateXml), nextToken };
};

const describeLaunchTemplateVersions: ActionHandler = (ctx, p) => {
  const t = findTemplate(ctx, p.str('LaunchTemplateId'), p.str('LaunchTemplateName'));
  const d = t.data;
  return {
    launchTemplateVersionSet: [{
      launchTemplateId: t.launchTemplateId,
      launchTemplateName: t.launchTemplateName,
      versionNumber: 1,
      createTime: new Date(t.createTime),
      defaultVersion: true,
      launchTemplateData: {
        imageId: d.imageId,
        instanceType: d.instanceType,
        keyName: d.keyName,
        userData: d.userData,
        securityGroupIdSet: d.securityGroupIds.length ? d.securityGroupIds : undefined,
        metadataOptions: d.httpTokens ? { httpTokens: d.httpTokens } : undefined,
        instanceMarketOptions: d.marketType ? { marketType: d.marketType, spotOptions: d.maxPrice ? { maxPrice: d.maxPrice } : undefined } : undefined,
        blockDeviceMappingSet: d.blockDeviceMappings?.length
          ? d.blockDeviceMappings.map((m) => ({
            deviceName: m.deviceName,
            ebs: m.noDevice ? undefined : { volumeSize: m.volumeSize, volumeType: m.volumeType, encrypted: m.encrypted, snapshotId: m.snapshotId },
            noDevice: m.noDevice ? '' : undefined,
          }))
          : undefined,
        tagSpecificationSet: d.tagSpecifications.length
          ? d.tagSpecifications.map((s) => ({ resourceType: s.resourceType, tagSet: tagSet(s.tags) }))
          : undefined,
      },
    }],
  };
};

const deleteLaunchTemplate: ActionHandler = (ctx, p) => {
  const t = findTemplate(ctx, p.str('LaunchTemplateId'), p.str('LaunchTemplateName'));
  ctx.store.state.launchTemplates = ctx.store.state.launchTemplates.filter((x) => x !== t);
  ctx.store.save();
  return { launchTemplate: templateXml(t) };
};

export const launchTemplateActions: Record<string, ActionHandler> = {
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  DeleteLaunchTemplate: deleteLaunchTemplate,
};
