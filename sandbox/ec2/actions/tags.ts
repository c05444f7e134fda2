import type { ActionContext, ActionHandler } from './common';
import { matchesFilters, paginate } from './common';
import { Ec2Error } from '../protocol/errors';
import { parseFilters, type Params } from '../protocol/queryParams';

interface Taggable {
  readonly resourceType: string;
  readonly id: string;
  readonly tags: Record<string, string>;
}

/** Every taggable resource of the caller's region, as DescribeTags lists them. */
function taggables(ctx: ActionContext): Taggable[] {
  const s = ctx.store.state;
  const r = ctx.region;
  return [
    ...ctx.store.instancesIn(r).map((i) => ({ resourceType: 'instance', id: i.instanceId, tags: i.tags })),
    ...s.securityGroups.filter((g) => g.region === r).map((g) => ({ resourceType: 'security-group', id: g.groupId, tags: g.tags })),
    ...s.keyPairs.filter((k) => k.region === r).map((k) => ({ resourceType: 'key-pair', id: k.keyPairId, tags: k.tags })),
    ...s.launchTemplates.filter((t) => t.region === r).map((t) => ({ resourceType: 'launch-template', id: t.launchTemplateId, tags: t.tags })),
    ...s.spotRequests.filter((q) => q.region === r).map((q) => ({ resourceType: 'spot-instances-request', id: q.spotInstanceRequestId, tags: q.tags })),
    ...s.fleets.filter((f) => f.region === r).map((f) => ({ resourceType: 'fleet', id: f.fleetId, tags: f.tags })),
  ];
}

const NOT_FOUND: Record<string, string> = {
  i: 'InvalidInstanceID.NotFound',
  sg: 'InvalidGroup.NotFound',
  key: 'InvalidKeyPair.NotFound',
  lt: 'InvalidLaunchTemplateId.NotFound',
  sir: 'InvalidSpotInstanceRequestID.NotFound',
  fleet: 'InvalidFleetId.NotFound',
};

/** Keys EC2 sets itself (aws:ec2:fleet-id, ...): callers may neither set nor delete them. */
function checkReserved(key: string): string {
  if (key.toLowerCase().startsWith('aws:')) {
    throw Ec2Error.invalidValue('key', key, "Tag keys starting with 'aws:' are reserved for internal use");
  }
  return key;
}

function resolve(ctx: ActionContext, p: Params): Taggable[] {
  const ids = p.strList('ResourceId');
  if (!ids.length) throw Ec2Error.missing('ResourceId');
  const all = taggables(ctx);
  return ids.map((id) => {
    const t = all.find((x) => x.id === id);
    if (!t) {
      const prefix = id.split('-')[0];
      const code = NOT_FOUND[prefix];
      if (!code) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
      throw new Ec2Error(code, `The ID '${id}' does not exist`);
    }
    return t;
  });
}

const createTags: ActionHandler = (ctx, p) => {
  const targets = resolve(ctx, p);
  const tags = p.list('Tag');
  if (!tags.length) throw Ec2Error.missing('Tag');
  for (const tag of tags) checkReserved(tag.required('Key'));
  for (const t of targets) for (const tag of tags) t.tags[tag.required('Key')] = tag.str('Value') ?? '';
  ctx.store.save();
  return { return: true };
};

const deleteTags: ActionHandler = (ctx, p) => {
  const targets = resolve(ctx, p);
  const tags = p.list('Tag');
  for (const tag of tags) checkReserved(tag.required('Key'));
  for (const t of targets) {
    if (!tags.length) for (const k of Object.keys(t.tags)) if (!k.toLowerCase().startsWith('aws:')) delete t.tags[k];
    for (const tag of tags) {
      const key = tag.required('Key');
      const value = tag.str('Value');
      if (key in t.tags && (value === undefined || t.tags[key] === value)) delete t.tags[key];
    }
  }
  ctx.store.save();
  return { return: true };
};

const describeTags: ActionHandler = (ctx, p) => {
  const filters = parseFilters(p);
  const rows = taggables(ctx).flatMap((t) => Object.entries(t.tags).map(([key, value]) => ({ ...t, key, value })));
  const list = rows.filter((row) => matchesFilters(filters, (n) => {
    switch (n) {
      case 'resource-id': return [row.id];
      case 'resource-type': return [row.resourceType];
      case 'key': case 'tag-key': return [row.key];
      case 'value': case 'tag-value': return [row.value];
      default: return n.startsWith('tag:') ? (row.tags[n.slice(4)] !== undefined ? [row.tags[n.slice(4)]] : []) : undefined;
    }
  }));
  const { page, nextToken } = paginate(list, p, { min: 5, max: 1000 });
  return { tagSet: page.map((r) => ({ resourceId: r.id, resourceType: r.resourceType, key: r.key, value: r.value })), nextToken };
};

export const tagActions: Record<string, ActionHandler> = {
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
};
