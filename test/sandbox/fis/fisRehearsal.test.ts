import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  FisClient,
  GetExperimentCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { isCancellation, SpotboxError, userMessageOf } from '../../../src/core/errors';
import type { LaunchedBox } from '../../../src/core/launch/launchTypes';
import { silentLogger, type Logger } from '../../../src/core/logging/logger';
import { rehearseSpotInterruption } from '../../../src/core/rehearsal/fisRehearsal';
import { FIS_ROLE_DOC } from '../../../src/core/rehearsal/rehearsalRequest';
import { SANDBOX_PROFILE } from '../../../sandbox/awsProfile';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { describeAll, eventually, launchTestBox, sandboxImageId, setEnvironment, startTestSandbox, stopTestSandbox, tempDir, waitForState } from '../e2e/sandboxHarness';

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/SpotboxFisRole';

describe('Rehearsing a spot interruption through FIS (src/core/rehearsal) against the sandbox cloud', function () {
  this.timeout(180_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let fis: FisClient;
  let box: LaunchedBox | undefined;
  let onDemandId: string | undefined;
  let doomedId: string | undefined;

  const templates = async (): Promise<string[]> => ((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates ?? []).map((template) => template.id!);
  const fisEvents = () => sandbox!.events.events({ kind: 'fis-experiment' });
  const imds = async (instanceId: string, item: string): Promise<{ status: number; body: string }> => {
    const endpoint = sandbox!.ec2.listInstances().find((instance) => instance.instanceId === instanceId)?.address?.imdsEndpoint;
    assert.ok(endpoint, `${instanceId} has a metadata endpoint`);
    const token = await (await fetch(`${endpoint}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
    const response = await fetch(`${endpoint}/latest/meta-data/${item}`, { headers: { 'X-aws-ec2-metadata-token': token } });
    return { status: response.status, body: await response.text() };
  };

  before(async () => {
    directory = tempDir('spotbox-fis-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    // No endpoint here: it must come from the sandbox profile's `fis` entry, as it will for the extension.
    fis = new FisClient({ region: REGION });
    const imageId = await sandboxImageId(REGION);
    box = await launchTestBox(clients, { boxName: 'fisbox', region: REGION, imageId, volumeGb: 100, keyDirectory: path.join(directory, 'keys') });
    assert.equal(box.lifecycle, 'spot');
    onDemandId = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'g4dn.xlarge', MinCount: 1, MaxCount: 1 }))).Instances?.[0]?.InstanceId;
    assert.ok(onDemandId);
    doomedId = (
      await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'g4dn.xlarge', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot' } }))
    ).Instances?.[0]?.InstanceId;
    assert.ok(doomedId);
    await waitForState(ec2, [box.instanceId, onDemandId, doomedId], 'running');
  });

  after(async () => {
    const ids = [box?.instanceId, onDemandId, doomedId].filter((id): id is string => id !== undefined);
    const live = ids.length ? (await describeAll(ec2, ids).catch(() => [])).filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId!) : [];
    if (live.length > 0) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: live }));
      await waitForState(ec2, live, 'terminated');
    }
    clients?.dispose();
    ec2?.destroy();
    fis?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  /** An experiment template aimed at the on-demand instance (FIS fails such an experiment when it runs). */
  async function onDemandTemplate(description: string): Promise<string> {
    return (
      await fis.send(
        new CreateExperimentTemplateCommand({
          description,
          roleArn: ROLE,
          stopConditions: [{ source: 'none' }],
          targets: { SpotInstances: { resourceType: 'aws:ec2:spot-instance', resourceArns: [`arn:aws:ec2:${REGION}:123456789012:instance/${onDemandId}`], selectionMode: 'ALL' } },
          actions: { interrupt: { actionId: 'aws:ec2:send-spot-instance-interruptions', parameters: { durationBeforeInterruption: 'PT2M' }, targets: { SpotInstances: 'SpotInstances' } } },
        }),
      )
    ).experimentTemplate!.id!;
  }

  it('refuses a rehearsal without a role ARN, with the setting, the permission and the guide, before calling AWS', async () => {
    const error = await rehearseSpotInterruption({ region: REGION, instanceId: box!.instanceId, roleArn: '', leadSeconds: 120 }, { ec2Clients: clients }).then(
      () => assert.fail('rehearsed without a role'),
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof SpotboxError, String(error));
    assert.match(userMessageOf(error), /spotbox\.fisRoleArn.*ec2:SendSpotInstanceInterruptions/);
    assert.ok(userMessageOf(error).includes(FIS_ROLE_DOC));
    assert.deepEqual(await templates(), []);
    assert.deepEqual(fisEvents(), []);
  });

  it('refuses an on-demand box, since FIS can only interrupt Spot Instances', async () => {
    await assert.rejects(
      rehearseSpotInterruption({ region: REGION, instanceId: onDemandId!, roleArn: ROLE, leadSeconds: 3, allowShortLead: true }, { ec2Clients: clients }),
      (error: unknown) => error instanceof SpotboxError && /is an on-demand instance/.test(error.message) && /spot box/.test(error.nextStep ?? ''),
    );
    assert.deepEqual(await templates(), []);
    assert.deepEqual(fisEvents(), []);
  });

  it('FIS itself fails an experiment aimed at an on-demand instance, with a reason, and leaves the box alone', async () => {
    const templateId = await onDemandTemplate('aimed at an on-demand box');
    try {
      const { experiment } = await fis.send(new StartExperimentCommand({ experimentTemplateId: templateId }));
      const failed = await eventually('the experiment to fail', async () => {
        const state = (await fis.send(new GetExperimentCommand({ id: experiment!.id }))).experiment?.state;
        return state?.status === 'failed' ? state : undefined;
      });
      assert.match(failed.reason ?? '', new RegExp(`${onDemandId} is an on-demand instance, not a Spot Instance`));
    } finally {
      await fis.send(new DeleteExperimentTemplateCommand({ id: templateId }));
    }
    assert.deepEqual(sandbox!.ec2.metadataView(onDemandId!), { instanceAction: undefined, rebalanceNoticeTime: undefined });
    assert.equal((await describeAll(ec2, [onDemandId!]))[0]?.State?.Name, 'running');
  });

  it("reports FIS's reason when the experiment fails, and still deletes the template", async () => {
    // The box ends between Spotbox's own check and FIS's target resolution, as it can on AWS.
    const logger: Logger = { ...silentLogger, child: () => logger, info: (line) => (/^Experiment template /.test(line) ? sandbox!.ec2.hardTerminate(doomedId!) : undefined) };
    const error = await rehearseSpotInterruption({ region: REGION, instanceId: doomedId!, roleArn: ROLE, leadSeconds: 3, allowShortLead: true }, { ec2Clients: clients, logger, pollIntervalMs: 100 }).then(
      () => assert.fail('rehearsed on a box that was gone'),
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof SpotboxError, String(error));
    assert.match(error.message, new RegExp(`AWS FIS failed the interruption of ${doomedId} \\(experiment EXP\\w+\\): Target resolution returned empty set of resources`));
    assert.match(error.message, /is (shutting-down|terminated)/);
    assert.match(error.nextStep ?? '', /refresh the Spot Boxes view/);
    assert.deepEqual(await templates(), [], 'the template is deleted after a failure too');
  });

  it('cancelled right after the start: stops the experiment before the notice and still deletes the template (FIS endpoint from the explicit profile)', async () => {
    const earlierEvents = fisEvents().length;
    const controller = new AbortController();
    const logger: Logger = { ...silentLogger, child: () => logger, info: (line) => (/^Experiment \S+ started/.test(line) ? controller.abort() : undefined) };
    // Without AWS_PROFILE the SDK ignores the profile's endpoints (EC2's included), so EC2 is pointed
    // at the sandbox by variable and FIS must find its endpoint through the explicit profile alone.
    const restore = setEnvironment({ AWS_PROFILE: '', AWS_ENDPOINT_URL_EC2: sandbox!.endpoints.ec2 });
    delete process.env.AWS_PROFILE;
    let error: unknown;
    try {
      error = await rehearseSpotInterruption(
        { region: REGION, instanceId: box!.instanceId, roleArn: ROLE, leadSeconds: 3, allowShortLead: true, profile: SANDBOX_PROFILE, signal: controller.signal },
        { logger, pollIntervalMs: 100 },
      ).then(
        () => assert.fail('the rehearsal ignored the cancellation'),
        (rejection: unknown) => rejection,
      );
    } finally {
      restore();
    }
    assert.ok(isCancellation(error), String(error));
    assert.deepEqual(await templates(), [], 'the template is deleted after a cancel too');
    assert.deepEqual(
      fisEvents()
        .slice(earlierEvents)
        .map((event) => event.details.status),
      ['initiating', 'stopped'],
    );
    // The stopped experiment still has its start step queued (it would send the notice). A marker
    // experiment started now queues the same step later; once the marker's has run (FIS fails it:
    // its target is on demand), the stopped one's has run too, and the box must have no notice.
    const markerTemplate = await onDemandTemplate('marker: runs its start step after the stopped experiment');
    try {
      const { experiment: marker } = await fis.send(new StartExperimentCommand({ experimentTemplateId: markerTemplate }));
      await eventually('the marker experiment to have run its start step', async () =>
        (await fis.send(new GetExperimentCommand({ id: marker!.id }))).experiment?.state?.status === 'failed' ? true : undefined,
      );
    } finally {
      await fis.send(new DeleteExperimentTemplateCommand({ id: markerTemplate }));
    }
    assert.deepEqual(sandbox!.ec2.metadataView(box!.instanceId), { instanceAction: undefined, rebalanceNoticeTime: undefined }, 'no notice after a stop');
  });

  it('interrupts a running spot box: the notice is in its metadata at once, the box is terminated after the lead, and no template is left', async () => {
    const lead = 4;
    const started = Date.now();
    const result = await rehearseSpotInterruption(
      { region: REGION, instanceId: box!.instanceId, roleArn: ROLE, leadSeconds: lead, allowShortLead: true },
      { ec2Clients: clients, pollIntervalMs: 100 },
    );
    assert.equal(result.state, 'running');
    assert.equal(result.templateDeleted, true);
    assert.equal(result.leadSeconds, lead);
    assert.match(result.experimentId, /^EXP/);
    assert.deepEqual(await templates(), []);

    const notice = await imds(box!.instanceId, 'spot/instance-action');
    assert.equal(notice.status, 200, 'spot/instance-action is served while the notice is pending');
    const action = JSON.parse(notice.body) as { action: string; time: string };
    assert.equal(action.action, 'terminate');
    assert.ok(Math.abs(Date.parse(action.time) - result.interruptionAt.getTime()) <= 2_000, `${action.time} vs ${result.interruptionAt.toISOString()}`);
    assert.ok(
      sandbox!.events.events({ kind: 'spot-interruption-notice' }).some((event) => event.details.instanceId === box!.instanceId),
      'the EC2 emulator recorded the notice',
    );

    const [terminated] = await waitForState(ec2, [box!.instanceId], 'terminated', 30_000);
    assert.ok(Date.now() - started >= (lead - 1) * 1000, 'not terminated before the lead was over');
    assert.equal(terminated?.StateReason?.Code, 'Server.SpotInstanceTermination');
    const completed = await eventually('the experiment to complete', async () => {
      const experiment = (await fis.send(new GetExperimentCommand({ id: result.experimentId }))).experiment;
      return experiment?.state?.status === 'completed' ? experiment : undefined;
    });
    assert.equal(completed.tags?.['spotbox:rehearsal'], box!.instanceId);
    assert.equal(completed.tags?.['spotbox:managed'], 'true');
  });
});
