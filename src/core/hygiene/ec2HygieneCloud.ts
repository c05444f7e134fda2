import type { EC2Client, FleetData, LaunchTemplate, Tag } from '@aws-sdk/client-ec2';
import { deleteFleetWithInstances } from '../aws/deleteFleet';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { TAGS } from '../aws/spotboxTags';
import type { FleetFacts, HygieneCloud, TaggedResource } from './orphanTypes';

type Ec2Module = typeof import('@aws-sdk/client-ec2');

// Every launch, since the first version, tags spotbox:managed=true on all it creates. A bare
// spotbox:* tag key (anyone can write one) does not make a resource Spotbox's. Owners are told
// apart afterwards (ownership.ts): the sweep shows other owners' resources, apart.
const SPOTBOX_MANAGED = { Name: `tag:${TAGS.managed}`, Values: ['true'] };
const NOT_TERMINATED = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * The sweep's view of EC2 through the shared per-region clients. Errors are the SDK's own, so the
 * caller can tell a DependencyViolation (retry) from anything else; the sweep words them for users.
 */
export function ec2HygieneCloud(clients: Ec2ClientPool): HygieneCloud {
  const connect = async (region: string): Promise<{ sdk: Ec2Module; ec2: EC2Client }> => ({ sdk: await import('@aws-sdk/client-ec2'), ec2: await clients.client(region) });
  return {
    async listTagged(region) {
      const { sdk, ec2 } = await connect(region);
      const [instances, groups, keys, templates, fleets] = await Promise.all([
        paginate((NextToken) => ec2.send(new sdk.DescribeInstancesCommand({ Filters: [SPOTBOX_MANAGED, { Name: 'instance-state-name', Values: NOT_TERMINATED }], NextToken }))).then((pages) =>
          pages.flatMap((page) => (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? [])),
        ),
        paginate((NextToken) => ec2.send(new sdk.DescribeSecurityGroupsCommand({ Filters: [SPOTBOX_MANAGED], NextToken }))).then((pages) => pages.flatMap((page) => page.SecurityGroups ?? [])),
        ec2.send(new sdk.DescribeKeyPairsCommand({ Filters: [SPOTBOX_MANAGED] })).then((page) => page.KeyPairs ?? []),
        paginate((NextToken) => ec2.send(new sdk.DescribeLaunchTemplatesCommand({ Filters: [SPOTBOX_MANAGED], NextToken }))).then((pages) => pages.flatMap((page) => page.LaunchTemplates ?? [])),
        // DescribeFleets documents no tag filter: the managed tag is checked here. Instant fleets
        // (every launch makes one) launch once and are never live: only maintain fleets matter.
        paginate((NextToken) => ec2.send(new sdk.DescribeFleetsCommand({ Filters: [{ Name: 'type', Values: ['maintain'] }], NextToken }))).then((pages) =>
          pages.flatMap((page) => page.Fleets ?? []).filter((fleet) => fleet.Type === 'maintain' && !(fleet.FleetState ?? '').startsWith('deleted') && tagMap(fleet.Tags)[TAGS.managed] === 'true'),
        ),
      ]);
      const templateExists = await templateLookup(ec2, sdk, templates);
      const resources: TaggedResource[] = [
        ...(await Promise.all(fleets.map(async (f): Promise<TaggedResource> => ({ kind: 'fleet', id: f.FleetId ?? '', region, tags: tagMap(f.Tags), createdAt: f.CreateTime?.getTime(), fleet: await fleetFacts(f, templateExists) })))),
        ...instances.map((i): TaggedResource => ({ kind: 'instance', id: i.InstanceId ?? '', region, tags: tagMap(i.Tags), createdAt: i.LaunchTime?.getTime(), state: i.State?.Name })),
        ...templates.map((t): TaggedResource => ({ kind: 'launch-template', id: t.LaunchTemplateId ?? '', name: t.LaunchTemplateName, region, tags: tagMap(t.Tags), createdAt: t.CreateTime?.getTime() })),
        ...keys.map((k): TaggedResource => ({ kind: 'key-pair', id: k.KeyName ?? '', region, tags: tagMap(k.Tags), createdAt: k.CreateTime?.getTime() })),
        ...groups.map((g): TaggedResource => ({ kind: 'security-group', id: g.GroupId ?? '', name: g.GroupName, region, tags: tagMap(g.Tags) })),
      ];
      return resources.filter((resource) => resource.id !== '');
    },

    async deleteFleet(region, fleetId) {
      await deleteFleetWithInstances(await clients.client(region), fleetId);
    },

    async terminateInstances(region, instanceIds) {
      const { sdk, ec2 } = await connect(region);
      await ec2.send(new sdk.TerminateInstancesCommand({ InstanceIds: [...instanceIds] }));
    },

    async remainingInstances(region, instanceIds) {
      const { sdk, ec2 } = await connect(region);
      // A filter rather than InstanceIds: an id EC2 has already forgotten is gone, not an error.
      const pages = await paginate((NextToken) =>
        ec2.send(new sdk.DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [...instanceIds] }, { Name: 'instance-state-name', Values: NOT_TERMINATED }], NextToken })),
      );
      return pages.flatMap((page) => (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? [])).map((instance) => instance.InstanceId ?? '');
    },

    async deleteLaunchTemplate(region, launchTemplateId) {
      const { sdk, ec2 } = await connect(region);
      await ec2.send(new sdk.DeleteLaunchTemplateCommand({ LaunchTemplateId: launchTemplateId }));
    },

    async deleteKeyPair(region, keyName) {
      const { sdk, ec2 } = await connect(region);
      await ec2.send(new sdk.DeleteKeyPairCommand({ KeyName: keyName }));
    },

    async deleteSecurityGroup(region, groupId) {
      const { sdk, ec2 } = await connect(region);
      await ec2.send(new sdk.DeleteSecurityGroupCommand({ GroupId: groupId }));
    },
  };
}

/** Whether a launch template still exists, by id or name: the listed ones first, EC2 asked about the others. */
async function templateLookup(ec2: EC2Client, sdk: Ec2Module, listed: readonly LaunchTemplate[]): Promise<(spec: { id?: string; name?: string }) => Promise<boolean>> {
  const ids = new Set(listed.map((template) => template.LaunchTemplateId));
  const names = new Set(listed.map((template) => template.LaunchTemplateName));
  return async ({ id, name }) => {
    if ((id && ids.has(id)) || (!id && name && names.has(name))) return true;
    if (!id && !name) return true;
    try {
      const found = await ec2.send(new sdk.DescribeLaunchTemplatesCommand(id ? { LaunchTemplateIds: [id] } : { LaunchTemplateNames: [name!] }));
      return (found.LaunchTemplates ?? []).length > 0;
    } catch (error) {
      // Any other failure fails the listing: a fleet must not be called broken on a failed look.
      if (/NotFound/.test((error as { name?: string }).name ?? '')) return false;
      throw error;
    }
  };
}

async function fleetFacts(fleet: FleetData, templateExists: (spec: { id?: string; name?: string }) => Promise<boolean>): Promise<FleetFacts> {
  const specs = (fleet.LaunchTemplateConfigs ?? []).map((config) => config.LaunchTemplateSpecification ?? {});
  const exists = await Promise.all(specs.map((spec) => templateExists({ ...(spec.LaunchTemplateId ? { id: spec.LaunchTemplateId } : {}), ...(spec.LaunchTemplateName ? { name: spec.LaunchTemplateName } : {}) })));
  return {
    state: fleet.FleetState ?? '',
    ...(fleet.ActivityStatus ? { activityStatus: fleet.ActivityStatus } : {}),
    targetCapacity: fleet.TargetCapacitySpecification?.TotalTargetCapacity ?? 0,
    errorCodes: (fleet.Errors ?? []).map((error) => error.ErrorCode ?? '').filter(Boolean),
    launchTemplateExists: exists.every(Boolean),
  };
}

async function paginate<T extends { NextToken?: string }>(page: (nextToken: string | undefined) => Promise<T>): Promise<T[]> {
  const pages: T[] = [];
  let nextToken: string | undefined;
  do {
    const current = await page(nextToken);
    pages.push(current);
    nextToken = current.NextToken || undefined;
  } while (nextToken);
  return pages;
}

function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((tag) => tag.Key !== undefined).map((tag) => [tag.Key!, tag.Value ?? '']));
}
