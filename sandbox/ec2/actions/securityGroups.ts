import type { ActionContext, ActionHandler } from './common';
import { ACCOUNT_ID, defaultVpcId, matchesFilters, paginate, tagFilterValues, tagSet } from './common';
import { Ec2Error } from '../protocol/errors';
import { parseFilters, parseTagSpecifications, type Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { newId, type IpPermissionRecord, type SecurityGroupRecord } from '../state/store';

/** Every region's default VPC has a `default` group, created on first use like in a new account. */
function groupsIn(ctx: ActionContext): SecurityGroupRecord[] {
  const all = ctx.store.state.securityGroups;
  if (!all.some((g) => g.region === ctx.region && g.groupName === 'default')) {
    all.unshift({
      groupId: newId('sg'), groupName: 'default', description: 'default VPC security group', region: ctx.region,
      vpcId: defaultVpcId(ctx.region), ipPermissions: [], tags: {},
    });
    ctx.store.save();
  }
  return all.filter((g) => g.region === ctx.region);
}

function findGroup(ctx: ActionContext, p: Params): SecurityGroupRecord {
  const id = p.str('GroupId');
  const name = p.str('GroupName');
  if (!id && !name) throw Ec2Error.missing('GroupId');
  const g = groupsIn(ctx).find((x) => (id ? x.groupId === id : x.groupName === name));
  if (!g) {
    if (id) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${defaultVpcId(ctx.region)}'`);
  }
  return g;
}

function permissionXml(perm: IpPermissionRecord): XmlValue {
  return {
    ipProtocol: perm.ipProtocol,
    fromPort: perm.fromPort,
    toPort: perm.toPort,
    groups: [],
    ipRanges: perm.cidrIps.map((r) => ({ cidrIp: r.cidrIp, description: r.description })),
    ipv6Ranges: [],
    prefixListIds: [],
  };
}

function groupXml(g: SecurityGroupRecord): XmlValue {
  return {
    groupId: g.groupId,
    ipPermissionsEgress: [{ ipProtocol: '-1', groups: [], ipRanges: [{ cidrIp: '0.0.0.0/0' }], ipv6Ranges: [], prefixListIds: [] }],
    tagSet: tagSet(g.tags) ?? [],
    vpcId: g.vpcId,
    securityGroupArn: `arn:aws:ec2:${g.region}:${ACCOUNT_ID}:security-group/${g.groupId}`,
    ownerId: ACCOUNT_ID,
    groupName: g.groupName,
    groupDescription: g.description,
    ipPermissions: g.ipPermissions.map(permissionXml),
  };
}

const createSecurityGroup: ActionHandler = (ctx, p) => {
  const name = p.required('GroupName');
  const description = p.required('GroupDescription');
  if (/^sg-/i.test(name)) throw Ec2Error.invalidValue('GroupName', name, "Group names may not start with 'sg-'.");
  if (groupsIn(ctx).some((g) => g.groupName === name)) {
    throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${defaultVpcId(ctx.region)}'`);
  }
  const tags = Object.assign({}, ...parseTagSpecifications(p).filter((s) => s.resourceType === 'security-group').map((s) => s.tags));
  const g: SecurityGroupRecord = { groupId: newId('sg'), groupName: name, description, region: ctx.region, vpcId: p.str('VpcId') ?? defaultVpcId(ctx.region), ipPermissions: [], tags };
  ctx.store.state.securityGroups.push(g);
  ctx.store.save();
  return { return: true, groupId: g.groupId, securityGroupArn: `arn:aws:ec2:${ctx.region}:${ACCOUNT_ID}:security-group/${g.groupId}`, tagSet: tagSet(g.tags) };
};

const describeSecurityGroups: ActionHandler = (ctx, p) => {
  const ids = p.strList('GroupId');
  const names = p.strList('GroupName');
  const groups = groupsIn(ctx);
  for (const id of ids) if (!groups.some((g) => g.groupId === id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  for (const n of names) if (!groups.some((g) => g.groupName === n)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${n}' does not exist in default VPC`);
  const filters = parseFilters(p);
  const list = groups
    .filter((g) => (!ids.length || ids.includes(g.groupId)) && (!names.length || names.includes(g.groupName)))
    .filter((g) => matchesFilters(filters, (n) => {
      if (n === 'group-id') return [g.groupId];
      if (n === 'group-name') return [g.groupName];
      if (n === 'vpc-id') return [g.vpcId];
      if (n === 'description') return [g.description];
      return tagFilterValues(g.tags, n);
    }));
  const { page, nextToken } = paginate(list, p, { min: 5, max: 1000 });
  return { securityGroupInfo: page.map(groupXml), nextToken };
};

const deleteSecurityGroup: ActionHandler = (ctx, p) => {
  const g = findGroup(ctx, p);
  if (g.groupName === 'default') throw new Ec2Error('CannotDelete', 'the specified group: "default" name: "default" cannot be deleted by a user');
  const users = Object.values(ctx.store.state.instances).filter((i) => i.state !== 'terminated' && i.securityGroupIds.includes(g.groupId));
  if (users.length) throw new Ec2Error('DependencyViolation', `resource ${g.groupId} has a dependent object`);
  ctx.store.state.securityGroups = ctx.store.state.securityGroups.filter((x) => x !== g);
  ctx.store.save();
  return { return: true, groupId: g.groupId };
};

/** Flattens IpPermissions.N (or the legacy top-level CidrIp/IpProtocol form) into single-CIDR rules. */
function requestedRules(p: Params): IpPermissionRecord[] {
  const perms = p.list('IpPermissions');
  const source = perms.length ? perms : p.has('IpProtocol') ? [p] : [];
  if (!source.length) throw Ec2Error.missing('IpPermissions');
  const rules: IpPermissionRecord[] = [];
  for (const perm of source) {
    const ipProtocol = perm.required('IpProtocol');
    const fromPort = perm.int('FromPort');
    const toPort = perm.int('ToPort');
    const ranges = perm.list('IpRanges').map((r) => ({ cidrIp: r.required('CidrIp'), description: r.str('Description') }));
    if (perm === p && p.str('CidrIp')) ranges.push({ cidrIp: p.required('CidrIp'), description: undefined });
    for (const r of ranges) {
      if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(r.cidrIp)) throw Ec2Error.invalidValue('CidrIp', r.cidrIp, 'Invalid CIDR.');
      rules.push({ ipProtocol, fromPort, toPort, cidrIps: [r] });
    }
  }
  return rules;
}

function sameRule(a: IpPermissionRecord, b: IpPermissionRecord): boolean {
  const proto = (x: string): string => (x === 'tcp' ? '6' : x === 'udp' ? '17' : x === 'icmp' ? '1' : x);
  return proto(a.ipProtocol) === proto(b.ipProtocol) && a.fromPort === b.fromPort && a.toPort === b.toPort;
}

const authorizeIngress: ActionHandler = (ctx, p) => {
  const g = findGroup(ctx, p);
  const rules = requestedRules(p);
  for (const rule of rules) {
    const existing = g.ipPermissions.find((x) => sameRule(x, rule));
    if (existing?.cidrIps.some((c) => c.cidrIp === rule.cidrIps[0].cidrIp)) {
      throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "peer: ${rule.cidrIps[0].cidrIp}, ${rule.ipProtocol.toUpperCase()}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW" already exists`);
    }
  }
  const created: XmlValue[] = [];
  for (const rule of rules) {
    const existing = g.ipPermissions.find((x) => sameRule(x, rule));
    if (existing) existing.cidrIps.push(...rule.cidrIps);
    else g.ipPermissions.push(rule);
    created.push({
      securityGroupRuleId: newId('sgr'), groupId: g.groupId, groupOwnerId: ACCOUNT_ID, isEgress: false,
      ipProtocol: rule.ipProtocol, fromPort: rule.fromPort, toPort: rule.toPort, cidrIpv4: rule.cidrIps[0].cidrIp,
    });
  }
  ctx.store.save();
  return { return: true, securityGroupRuleSet: created };
};

const revokeIngress: ActionHandler = (ctx, p) => {
  const g = findGroup(ctx, p);
  const unknown: XmlValue[] = [];
  for (const rule of requestedRules(p)) {
    const existing = g.ipPermissions.find((x) => sameRule(x, rule));
    const cidr = rule.cidrIps[0].cidrIp;
    if (!existing || !existing.cidrIps.some((c) => c.cidrIp === cidr)) {
      unknown.push(permissionXml(rule));
      continue;
    }
    existing.cidrIps = existing.cidrIps.filter((c) => c.cidrIp !== cidr);
    if (!existing.cidrIps.length) g.ipPermissions = g.ipPermissions.filter((x) => x !== existing);
  }
  ctx.store.save();
  return { return: true, unknownIpPermissionSet: unknown.length ? unknown : undefined };
};

export const securityGroupActions: Record<string, ActionHandler> = {
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeIngress,
  RevokeSecurityGroupIngress: revokeIngress,
};
