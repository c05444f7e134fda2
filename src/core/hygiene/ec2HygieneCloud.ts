import type { EC2Client, Tag } from '@aws-sdk/client-ec2';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { TAGS } from '../aws/spotboxTags';
import type { HygieneCloud, TaggedResource } from './orphanTypes';

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
      const [instances, groups, keys, templates] = await Promise.all([
        paginate((NextToken) => ec2.send(new sdk.DescribeInstancesCommand({ Filters: [SPOTBOX_MANAGED, { Name: 'instance-state-name', Values: NOT_TERMINATED }], NextToken }))).then((pages) =>
          pages.flatMap((page) => (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? [])),
        ),
        paginate((NextToken) => ec2.send(new sdk.DescribeSecurityGroupsCommand({ Filters: [SPOTBOX_MANAGED], NextToken }))).then((pages) => pages.flatMap((page) => page.SecurityGroups ?? [])),
        ec2.send(new sdk.DescribeKeyPairsCommand({ Filters: [SPOTBOX_MANAGED] })).then((page) => page.KeyPairs ?? []),
        paginate((NextToken) => ec2.send(new sdk.DescribeLaunchTemplatesCommand({ Filters: [SPOTBOX_MANAGED], NextToken }))).then((pages) => pages.flatMap((page) => page.LaunchTemplates ?? [])),
      ]);
      const resources: TaggedResource[] = [
        ...instances.map((i): TaggedResource => ({ kind: 'instance', id: i.InstanceId ?? '', region, tags: tagMap(i.Tags), createdAt: i.LaunchTime?.getTime(), state: i.State?.Name })),
        ...templates.map((t): TaggedResource => ({ kind: 'launch-template', id: t.LaunchTemplateId ?? '', name: t.LaunchTemplateName, region, tags: tagMap(t.Tags), createdAt: t.CreateTime?.getTime() })),
        ...keys.map((k): TaggedResource => ({ kind: 'key-pair', id: k.KeyName ?? '', region, tags: tagMap(k.Tags), createdAt: k.CreateTime?.getTime() })),
        ...groups.map((g): TaggedResource => ({ kind: 'security-group', id: g.GroupId ?? '', name: g.GroupName, region, tags: tagMap(g.Tags) })),
      ];
      return resources.filter((resource) => resource.id !== '');
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
