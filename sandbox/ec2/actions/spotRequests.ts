import type { ActionHandler } from './common';
import { matchesFilters, paginate, tagFilterValues, tagSet } from './common';
import { Ec2Error } from '../protocol/errors';
import { parseFilters } from '../protocol/queryParams';

const describeSpotInstanceRequests: ActionHandler = (ctx, p) => {
  const ids = p.strList('SpotInstanceRequestId');
  const inRegion = ctx.store.state.spotRequests.filter((r) => r.region === ctx.region);
  for (const id of ids) {
    if (!inRegion.some((r) => r.spotInstanceRequestId === id)) {
      throw new Ec2Error('InvalidSpotInstanceRequestID.NotFound', `The spot instance request ID '${id}' does not exist`);
    }
  }
  const filters = parseFilters(p);
  const list = inRegion
    .filter((r) => !ids.length || ids.includes(r.spotInstanceRequestId))
    .filter((r) => matchesFilters(filters, (n) => {
      switch (n) {
        case 'spot-instance-request-id': return [r.spotInstanceRequestId];
        case 'state': return [r.state];
        case 'status-code': return [r.statusCode];
        case 'instance-id': return r.instanceId ? [r.instanceId] : [];
        case 'launched-availability-zone': return [r.availabilityZone];
        case 'launch.instance-type': return [r.instanceType];
        default: return tagFilterValues(r.tags, n);
      }
    }));
  const { page, nextToken } = paginate(list, p, { min: 5, max: 1000 });
  return {
    spotInstanceRequestSet: page.map((r) => ({
      createTime: new Date(r.createTime),
      instanceId: r.instanceId,
      launchSpecification: { instanceType: r.instanceType, placement: { availabilityZone: r.availabilityZone } },
      launchedAvailabilityZone: r.availabilityZone,
      productDescription: 'Linux/UNIX',
      spotInstanceRequestId: r.spotInstanceRequestId,
      spotPrice: r.maxPrice,
      state: r.state,
      status: { code: r.statusCode, message: r.statusMessage, updateTime: new Date(r.updateTime) },
      tagSet: tagSet(r.tags),
      type: 'one-time',
      instanceInterruptionBehavior: 'terminate',
    })),
    nextToken,
  };
};

export const spotRequestActions: Record<string, ActionHandler> = {
  DescribeSpotInstanceRequests: describeSpotInstanceRequests,
};
