import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import type { Box } from './box';

/** Terminates a box (spot instances cannot be stopped and started again like on-demand ones). */
export async function terminateBox(clients: Ec2ClientPool, box: Pick<Box, 'instanceId' | 'region'>): Promise<void> {
  const { TerminateInstancesCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.client(box.region);
  try {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [box.instanceId] }));
  } catch (error) {
    throw toUserError(error, { action: `Terminating ${box.instanceId}`, region: box.region });
  }
}
