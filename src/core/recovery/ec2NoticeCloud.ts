import { backgroundPause } from '../time/backgroundPause';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { confirmSpotNotice, NoticeChecks, type NoticeCloud } from './noticeConfirmation';

/** What EC2 knows of an instance's spot notice, over DescribeInstances and DescribeSpotInstanceRequests. */
export function ec2NoticeCloud(clients: () => Ec2ClientPool, region: string): NoticeCloud {
  const notFound = (error: unknown, code: string): boolean => (error as { name?: string } | undefined)?.name === code;
  return {
    async describeInstance(instanceId) {
      const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
      try {
        const output = await (await clients().client(region)).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
        const instance = output.Reservations?.[0]?.Instances?.[0];
        return instance && { state: instance.State?.Name, ...(instance.SpotInstanceRequestId ? { spotInstanceRequestId: instance.SpotInstanceRequestId } : {}) };
      } catch (error) {
        if (notFound(error, 'InvalidInstanceID.NotFound')) {
          return undefined;
        }
        throw error;
      }
    },
    async spotRequestStatus(spotInstanceRequestId) {
      const { DescribeSpotInstanceRequestsCommand } = await import('@aws-sdk/client-ec2');
      try {
        const output = await (await clients().client(region)).send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [spotInstanceRequestId] }));
        return output.SpotInstanceRequests?.[0]?.Status?.Code;
      } catch (error) {
        if (notFound(error, 'InvalidSpotInstanceRequestID.NotFound')) {
          return undefined;
        }
        throw error;
      }
    },
  };
}

/** The shared checks over the real EC2, with real time; `budgetMs` only for tests that need it shorter. */
export function ec2NoticeChecks(clients: () => Ec2ClientPool, options: { budgetMs?: number } = {}): NoticeChecks {
  return new NoticeChecks((region, instanceId) =>
    confirmSpotNotice(ec2NoticeCloud(clients, region), instanceId, {
      now: Date.now,
      sleep: backgroundPause,
      ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
    }),
  );
}
