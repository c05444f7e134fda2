import type { Instance } from '@aws-sdk/client-ec2';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { SpotboxError } from '../errors';

/** The instance as FIS targets it. */
export interface SpotTarget {
  readonly instanceId: string;
  /** arn:<partition>:ec2:<region>:<account>:instance/<id>, the form FIS's resourceArns take. */
  readonly arn: string;
  readonly accountId: string;
}

/**
 * Looks the instance up and refuses what FIS could not interrupt. The account id for the ARN comes
 * from the reservation's OwnerId, which saves a dependency on STS for one number.
 */
export async function resolveSpotTarget(clients: Ec2ClientPool, region: string, instanceId: string, signal?: AbortSignal): Promise<SpotTarget> {
  const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.client(region);
  let reservations;
  try {
    reservations = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), signal ? { abortSignal: signal } : {})).Reservations ?? [];
  } catch (error) {
    const name = (error as { name?: string } | undefined)?.name;
    if (name === 'AbortError') {
      throw error;
    }
    if (name === 'InvalidInstanceID.NotFound' || name === 'InvalidInstanceID.Malformed') {
      throw notFound(region, instanceId, error);
    }
    if (name === 'UnauthorizedOperation') {
      throw new SpotboxError(`AWS denied looking up ${instanceId} in ${region} (UnauthorizedOperation).`, 'Grant your AWS identity ec2:DescribeInstances.', { cause: error });
    }
    throw toUserError(error, { action: `Looking up ${instanceId}`, region });
  }
  const reservation = reservations.find((candidate) => candidate.Instances?.some((instance) => instance.InstanceId === instanceId));
  const instance = reservation?.Instances?.find((candidate) => candidate.InstanceId === instanceId);
  if (!reservation || !instance) {
    throw notFound(region, instanceId);
  }
  refuseUninterruptible(instance);
  const accountId = reservation.OwnerId ?? '';
  if (!/^\d{12}$/.test(accountId)) {
    throw new SpotboxError(`EC2 did not say which account owns ${instanceId} (OwnerId "${accountId}").`, 'Try again; if it persists, check the endpoint_url of the AWS profile.');
  }
  return { instanceId, accountId, arn: instanceArn(region, accountId, instanceId) };
}

export function instanceArn(region: string, accountId: string, instanceId: string): string {
  return `arn:${partitionOf(region)}:ec2:${region}:${accountId}:instance/${instanceId}`;
}

/** The ARN partition: China and GovCloud regions live outside the `aws` partition. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) {
    return 'aws-cn';
  }
  return region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

function refuseUninterruptible(instance: Instance): void {
  const id = instance.InstanceId ?? '';
  if (instance.InstanceLifecycle !== 'spot') {
    throw new SpotboxError(
      `${id} is an on-demand instance; AWS FIS can only send interruption notices to Spot Instances.`,
      'Rehearse on a spot box (an on-demand fallback box is never interrupted by AWS).',
    );
  }
  const state = instance.State?.Name ?? 'unknown';
  if (state !== 'running' && state !== 'pending') {
    throw new SpotboxError(`${id} is ${state}; only a running spot box can be interrupted.`, 'Launch a box, or pick one that is running.');
  }
}

function notFound(region: string, instanceId: string, cause?: unknown): SpotboxError {
  return new SpotboxError(`There is no instance ${instanceId} in ${region}.`, 'Refresh the Spot Boxes view; the box may have been terminated.', { cause });
}
