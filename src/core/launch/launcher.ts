import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CreateFleetCommandOutput, EC2Client, FleetLaunchTemplateOverridesRequest, Tag, TagSpecification, _InstanceType } from '@aws-sdk/client-ec2';
import { SpotboxError, UserCancelledError } from '../errors';
import type { Logger } from '../logging/logger';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { Ec2SpotPrices } from '../aws/ec2SpotPrices';
import { rollBackAfter, RollbackJournal } from './rollbackJournal';
import { TAGS } from '../aws/spotboxTags';
import type { LaunchedBox, LaunchProgress, LaunchRequest } from './launchTypes';
import { waitUntilGone } from './waitUntilGone';
import { createMaintainFleet, fleetErrors as fleetErrorsOf, poolErrorLine, waitForFleetInstance } from './maintainFleet';
import { deleteFleetWithInstances } from '../aws/deleteFleet';
import { checkRootVolumeSize, encryptedRootMapping, rootDeviceOf, type ImageRootDevice } from './rootDevice';
import { writePrivateKeyFile } from '../ssh/privateKeyFile';

export interface LaunchOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: LaunchProgress) => void;
  readonly logger: Logger;
  /**
   * Where each create is recorded with its undo. A caller with steps after the launch that can still
   * fail (launchFromProfile) passes its own and rolls it back then; a failure here rolls it back as always.
   */
  readonly journal?: RollbackJournal;
}

type Ec2Module = typeof import('@aws-sdk/client-ec2');

/**
 * Launches one spot box: price guard, key pair, security group (SSH from the caller only), launch
 * template (IMDSv2 required, encrypted root volume), then an instant fleet over every pool. Whatever
 * fails or is cancelled, every resource this launch created is removed again.
 */
export async function launchBox(clients: Ec2ClientPool, request: LaunchRequest, options: LaunchOptions): Promise<LaunchedBox> {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(request.boxName)) {
    // The name goes into resource names (key pair, group, template) that EC2 restricts; refuse early.
    throw new SpotboxError(`"${request.boxName}" cannot name a box: use 1-40 lower-case letters, digits and dashes.`, 'Change "name" in .spotbox/profile.json.');
  }
  const sdk: Ec2Module = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.client(request.region);
  const journal = options.journal ?? new RollbackJournal(options.logger);
  const sessionId = randomUUID();
  const name = `spotbox-${request.boxName}-${sessionId.slice(0, 8)}`;
  const tags: Tag[] = [
    { Key: 'Name', Value: `spotbox-${request.boxName}` },
    { Key: TAGS.box, Value: request.boxName },
    { Key: TAGS.owner, Value: request.owner },
    { Key: TAGS.session, Value: sessionId },
    { Key: TAGS.managed, Value: 'true' },
  ];
  const instanceTags: Tag[] = [
    ...tags,
    ...(request.sshUser ? [{ Key: TAGS.sshUser, Value: request.sshUser }] : []),
    ...(request.workspaceDir ? [{ Key: TAGS.workspaceDir, Value: request.workspaceDir }] : []),
    ...(request.lineage ? [{ Key: TAGS.lineage, Value: request.lineage }] : []),
  ];
  const tagged = (ResourceType: TagSpecification['ResourceType']): TagSpecification => ({ ResourceType, Tags: ResourceType === 'instance' ? instanceTags : tags });
  const step = (progress: LaunchProgress): void => {
    if (options.signal?.aborted) {
      throw new UserCancelledError();
    }
    options.logger.info(progress.message);
    options.onProgress?.(progress);
  };
  // Creates are never aborted in flight: EC2 may finish one whose caller stopped listening, and a
  // resource (an instance, at worst) whose id we never learnt cannot be rolled back. A cancel takes
  // effect at the next step, once what was created is in the journal.
  const send = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (options.signal?.aborted) {
        throw new UserCancelledError();
      }
      throw toUserError(error, { action, region: request.region });
    }
  };

  try {
    step({ step: 'price-check', message: `Checking spot prices against the $${request.maxPricePerHour}/h guard` });
    await checkPriceGuard(clients, request);
    // Read before anything is created: the root's device name differs per image (sda1, xvda), and
    // a volume smaller than its snapshot is a launch EC2 refuses only after we made the rest.
    const root = await send(`Reading the image ${request.imageId}`, () => describeRootDevice(ec2, sdk, request.imageId, options.signal));
    checkRootVolumeSize(root, request.volumeGb);

    step({ step: 'key-pair', message: `Creating key pair ${name}` });
    const keyPair = await send('Creating the key pair', () =>
      ec2.send(new sdk.CreateKeyPairCommand({ KeyName: name, KeyType: 'ed25519', KeyFormat: 'pem', TagSpecifications: [tagged('key-pair')] })),
    );
    journal.record(`key pair ${name}`, async () => void (await ec2.send(new sdk.DeleteKeyPairCommand({ KeyName: name }))));
    const privateKeyPath = path.join(request.keyDirectory, `${name}.pem`);
    await writePrivateKeyFile(privateKeyPath, keyPair.KeyMaterial ?? '');
    journal.record(`private key ${privateKeyPath}`, () => fs.rm(privateKeyPath, { force: true }));

    step({ step: 'security-group', message: `Creating security group ${name} (SSH from ${request.sshCidr} only)` });
    const group = await send('Creating the security group', () =>
      ec2.send(new sdk.CreateSecurityGroupCommand({ GroupName: name, Description: `Spotbox ${request.boxName}: SSH from ${request.sshCidr} only`, TagSpecifications: [tagged('security-group')] })),
    );
    const securityGroupId = group.GroupId ?? '';
    // Deleting a group still attached to a terminating instance fails for a while: retry until it goes.
    journal.record(`security group ${securityGroupId}`, () =>
      waitUntilGone(async () => void (await ec2.send(new sdk.DeleteSecurityGroupCommand({ GroupId: securityGroupId }))), { retryOn: /DependencyViolation/ }),
    );
    await send('Opening SSH in the security group', () =>
      ec2.send(
        new sdk.AuthorizeSecurityGroupIngressCommand({
          GroupId: securityGroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: request.sshCidr, Description: 'Spotbox: the launching machine' }] }],
        }),
        { abortSignal: options.signal },
      ),
    );

    step({ step: 'launch-template', message: `Creating launch template ${name}` });
    const template = await send('Creating the launch template', () =>
      ec2.send(
        new sdk.CreateLaunchTemplateCommand({
          LaunchTemplateName: name,
          TagSpecifications: [tagged('launch-template')],
          LaunchTemplateData: {
            ImageId: request.imageId,
            KeyName: name,
            SecurityGroupIds: [securityGroupId],
            MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
            ...(request.instanceProfile ? { IamInstanceProfile: { Name: request.instanceProfile } } : {}),
            BlockDeviceMappings: [encryptedRootMapping(root, request.volumeGb)],
            UserData: request.userData ? Buffer.from(request.userData, 'utf8').toString('base64') : undefined,
            TagSpecifications: [tagged('instance'), tagged('volume')],
          },
        }),
      ),
    );
    const launchTemplateId = template.LaunchTemplate?.LaunchTemplateId ?? '';
    journal.record(`launch template ${launchTemplateId}`, async () => void (await ec2.send(new sdk.DeleteLaunchTemplateCommand({ LaunchTemplateId: launchTemplateId }))));

    step({ step: 'fleet', message: `Launching across ${request.pools.length} pool(s) (${request.allocationStrategy})` });
    const fleetErrors: string[] = [];
    // Every type x zone of the profile; a spot pool never above the max-price guard.
    const overridesFor = (capacityType: 'spot' | 'on-demand'): FleetLaunchTemplateOverridesRequest[] =>
      request.pools.map((pool) => ({ InstanceType: pool.instanceType as _InstanceType, AvailabilityZone: pool.availabilityZone, ...(capacityType === 'spot' ? { MaxPrice: String(request.maxPricePerHour) } : {}) }));
    const fleet = async (capacityType: 'spot' | 'on-demand'): Promise<{ instanceId?: string; instanceType?: string; fleet: CreateFleetCommandOutput }> => {
      const output = await send('Launching the fleet', () =>
        ec2.send(
          new sdk.CreateFleetCommand({
            Type: 'instant',
            LaunchTemplateConfigs: [
              {
                LaunchTemplateSpecification: { LaunchTemplateId: launchTemplateId, Version: '$Latest' },
                Overrides: overridesFor(capacityType),
              },
            ],
            TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: capacityType },
            ...(capacityType === 'spot' ? { SpotOptions: { AllocationStrategy: request.allocationStrategy } } : {}),
            TagSpecifications: [tagged('fleet')],
          }),
        ),
      );
      fleetErrors.push(...(output.Errors ?? []).map(poolErrorLine));
      const launched = (output.Instances ?? []).find((group) => (group.InstanceIds ?? []).length > 0);
      const instanceId = launched?.InstanceIds?.[0];
      if (instanceId) {
        journal.record(`instance ${instanceId}`, async () => {
          await ec2.send(new sdk.TerminateInstancesCommand({ InstanceIds: [instanceId] }));
        });
      }
      return { instanceId, instanceType: launched?.InstanceType, fleet: output };
    };

    /**
     * A maintain fleet answers only its id; its box comes a moment later. One that launches nothing
     * in time is deleted at once (a maintain fleet would keep trying, and launch behind our back).
     */
    const maintained = async (capacityType: 'spot' | 'on-demand'): Promise<{ instanceId?: string; instanceType?: string; fleetId?: string }> => {
      const fleetId = await send('Creating the fleet', () =>
        createMaintainFleet(ec2, sdk, {
          launchTemplateId,
          overrides: overridesFor(capacityType),
          capacityType,
          allocationStrategy: request.allocationStrategy,
          tags: tagged('fleet'),
          clientToken: `${sessionId}-${capacityType}`,
        }),
      );
      const removeFleet = async (): Promise<void> =>
        deleteFleetWithInstances(ec2, fleetId).catch((error: unknown) => {
          // Deleted already (the no-capacity path below, then the rollback): nothing launches.
          if (!/NotFound/.test((error as { name?: string }).name ?? '')) throw error;
        });
      journal.record(`fleet ${fleetId} and its boxes`, removeFleet);
      const first = await send('Waiting for the fleet', () => waitForFleetInstance(ec2, sdk, fleetId, { timeoutMs: request.fleetWaitMs ?? 60_000, ...(options.signal ? { signal: options.signal } : {}) }));
      if (first) {
        return { instanceId: first.instanceId, ...(first.instanceType ? { instanceType: first.instanceType } : {}), fleetId };
      }
      fleetErrors.push(...(await fleetErrorsOf(ec2, sdk, fleetId).catch(() => [])));
      await removeFleet();
      return {};
    };

    let lifecycle: 'spot' | 'on-demand' = 'spot';
    const launch = request.fleetType === 'maintain' ? maintained : fleet;
    let launched = await launch('spot');
    if (!launched.instanceId && request.onDemandFallback) {
      step({ step: 'fleet', message: 'No spot capacity in any pool: falling back to on-demand, as the profile allows' });
      lifecycle = 'on-demand';
      launched = await launch('on-demand');
    }
    if (!launched.instanceId) {
      throw new SpotboxError(
        `No capacity for ${request.boxName} in ${request.region}: ${fleetErrors.join('; ') || 'the fleet launched nothing'}.`,
        'Add instance types or zones to the profile, raise maxPrice, try another region, or allow onDemandFallback.',
      );
    }
    step({ step: 'fleet', message: `Launched ${launched.instanceId} (${launched.instanceType ?? '?'}, ${lifecycle})` });
    const description = await ec2.send(new sdk.DescribeInstancesCommand({ InstanceIds: [launched.instanceId] }));
    const reservation = description.Reservations?.[0];
    const instance = reservation?.Instances?.[0];
    // EC2's word on the account: the checkpoint bucket must be this account's (x-amz-expected-bucket-owner).
    const accountId = /^\d{12}$/.test(reservation?.OwnerId ?? '') ? reservation?.OwnerId : undefined;
    return {
      instanceId: launched.instanceId,
      instanceType: instance?.InstanceType ?? launched.instanceType ?? '',
      availabilityZone: instance?.Placement?.AvailabilityZone,
      lifecycle,
      region: request.region,
      sessionId,
      keyPairName: name,
      privateKeyPath,
      securityGroupId,
      launchTemplateId,
      fleetErrors,
      ...(accountId ? { accountId } : {}),
      ...('fleetId' in launched && launched.fleetId ? { fleetId: launched.fleetId } : {}),
    };
  } catch (error) {
    throw await rollBackAfter(journal, error, () => options.onProgress?.({ step: 'rollback', message: 'Removing what this launch created' }));
  }
}

async function describeRootDevice(ec2: EC2Client, sdk: Ec2Module, imageId: string, signal: AbortSignal | undefined): Promise<ImageRootDevice> {
  const described = await ec2.send(new sdk.DescribeImagesCommand({ ImageIds: [imageId] }), { abortSignal: signal });
  return rootDeviceOf(imageId, described.Images?.find((image) => image.ImageId === imageId));
}

/**
 * Refuses before anything is created when even the cheapest wanted pool is above the guard. Prices
 * come from the same reader the calculator uses (paginated, newest price per zone).
 */
async function checkPriceGuard(clients: Ec2ClientPool, request: LaunchRequest): Promise<void> {
  const types = [...new Set(request.pools.map((pool) => pool.instanceType))];
  const quotes = await new Ec2SpotPrices({ clients }).latestSpotPrices(request.region, types);
  const wanted = (type: string, zone: string): boolean => request.pools.some((pool) => pool.instanceType === type && (!pool.availabilityZone || pool.availabilityZone === zone));
  const prices = quotes.filter((quote) => wanted(quote.instanceType, quote.availabilityZone)).map((quote) => quote.usdPerHour);
  const cheapest = Math.min(...prices);
  if (!Number.isFinite(cheapest)) {
    throw new SpotboxError(`No spot price is published for ${types.join(', ')} in ${request.region}.`, 'Check the instance types and region in the profile.');
  }
  if (cheapest > request.maxPricePerHour) {
    throw new SpotboxError(
      `The cheapest spot price for ${types.join(', ')} in ${request.region} is $${cheapest.toFixed(4)}/h, above the $${request.maxPricePerHour}/h guard; nothing was created.`,
      'Raise maxPrice in .spotbox/profile.json, or pick cheaper instance types or another region.',
    );
  }
}
