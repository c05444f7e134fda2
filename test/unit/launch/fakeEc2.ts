import type { Image } from '@aws-sdk/client-ec2';
import type { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';

/** An EC2 that answers each call from a table and remembers what it was sent, in order. */
export function fakeEc2(image: Image | undefined): { clients: Ec2ClientPool; sent: Array<{ name: string; input: Record<string, unknown> }> } {
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  const answers: Record<string, unknown> = {
    DescribeSpotPriceHistoryCommand: { SpotPriceHistory: [{ InstanceType: 'g5.xlarge', AvailabilityZone: 'us-east-1a', SpotPrice: '0.40', Timestamp: new Date() }] },
    DescribeImagesCommand: { Images: image ? [image] : [] },
    CreateKeyPairCommand: { KeyMaterial: 'not a real key' },
    CreateSecurityGroupCommand: { GroupId: 'sg-0abc' },
    CreateLaunchTemplateCommand: { LaunchTemplate: { LaunchTemplateId: 'lt-0abc' } },
    // An instant fleet answers its instances; a maintain fleet only its id, its box then in DescribeFleetInstances.
    CreateFleetCommand: { FleetId: 'fleet-0abc', Instances: [{ InstanceIds: ['i-0abc'], InstanceType: 'g5.xlarge' }] },
    DescribeFleetInstancesCommand: { ActiveInstances: [{ InstanceId: 'i-0abc', InstanceType: 'g5.xlarge' }] },
    DeleteFleetsCommand: { SuccessfulFleetDeletions: [{ FleetId: 'fleet-0abc' }] },
    DescribeInstancesCommand: { Reservations: [{ Instances: [{ InstanceType: 'g5.xlarge', Placement: { AvailabilityZone: 'us-east-1a' } }] }] },
  };
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return answers[command.constructor.name] ?? {};
    },
  };
  return { clients: { client: async () => client, dispose: () => undefined } as unknown as Ec2ClientPool, sent };
}

