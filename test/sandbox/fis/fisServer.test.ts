import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  FisClient,
  GetExperimentCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
  type CreateExperimentTemplateCommandInput,
  type Experiment,
} from '@aws-sdk/client-fis';
import type { InterruptOptions } from '../../../sandbox/ec2/faultApi';
import { EventLog } from '../../../sandbox/eventLog';
import type { FisEc2, FisInstance } from '../../../sandbox/fis/experiments';
import { FisServer } from '../../../sandbox/fis/fisServer';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SpotboxFis`;
const arnOf = (id: string, region = REGION): string => `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`;

/** Records what FIS asks of EC2; the full sandbox test covers the EC2 emulator's side of it. */
class RecordingEc2 implements FisEc2 {
  readonly calls: string[] = [];
  constructor(readonly fleet: FisInstance[]) {}
  instances(): ReadonlyArray<FisInstance> {
    return this.fleet;
  }
  interruptSpot(instanceId: string, options: InterruptOptions): unknown {
    this.calls.push(`interrupt ${instanceId} ${options.leadSeconds}`);
    return {};
  }
  recommendRebalance(instanceId: string): unknown {
    this.calls.push(`rebalance ${instanceId}`);
    return {};
  }
}

const spot = (instanceId: string, tags: Record<string, string> = {}, state = 'running'): FisInstance => ({ instanceId, region: REGION, lifecycle: 'spot', state, tags });

function template(resourceArns: string[], duration = 'PT1S', extra: Partial<CreateExperimentTemplateCommandInput> = {}): CreateExperimentTemplateCommandInput {
  return {
    description: 'test',
    roleArn: ROLE,
    stopConditions: [{ source: 'none' }],
    targets: { SpotInstances: { resourceType: 'aws:ec2:spot-instance', resourceArns, selectionMode: 'ALL' } },
    actions: { interrupt: { actionId: 'aws:ec2:send-spot-instance-interruptions', parameters: { durationBeforeInterruption: duration }, targets: { SpotInstances: 'SpotInstances' } } },
    ...extra,
  };
}

describe('The sandbox FIS (sandbox/fis) through client-fis', function () {
  this.timeout(20_000);
  let directory: string;
  let server: FisServer;
  let ec2: RecordingEc2;
  let fis: FisClient;
  let events: EventLog;
  let url: string;

  const settle = async (id: string, wanted: (experiment: Experiment) => boolean): Promise<Experiment> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { experiment } = await fis.send(new GetExperimentCommand({ id }));
      if (experiment && wanted(experiment)) return experiment;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`experiment ${id} never reached the wanted state`);
  };
  const run = async (input: CreateExperimentTemplateCommandInput): Promise<{ templateId: string; experiment: Experiment }> => {
    const templateId = (await fis.send(new CreateExperimentTemplateCommand(input))).experimentTemplate!.id!;
    const experiment = (await fis.send(new StartExperimentCommand({ experimentTemplateId: templateId }))).experiment!;
    return { templateId, experiment };
  };

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-fis-'));
    events = new EventLog(path.join(directory, 'events.jsonl'));
    ec2 = new RecordingEc2([spot('i-0aaa'), spot('i-0bbb', { team: 'ml' }), spot('i-0ccc', { team: 'ml' }), { ...spot('i-0ddd'), lifecycle: 'on-demand' }, spot('i-0eee', {}, 'terminated')]);
    server = new FisServer({ ec2, events, accountId: ACCOUNT, initiatingMs: 50 });
    ({ url } = await server.start());
    fis = new FisClient({ region: REGION, endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterEach(async () => {
    fis.destroy();
    await server.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('starts an experiment as initiating, then interrupts the target with the lead of durationBeforeInterruption', async () => {
    const { templateId, experiment } = await run(template([arnOf('i-0aaa')], 'PT1S'));
    assert.equal(experiment.state?.status, 'initiating');
    assert.deepEqual(ec2.calls, [], 'targets are resolved only after StartExperiment has answered');
    const running = await settle(experiment.id!, (e) => e.state?.status !== 'initiating');
    assert.equal(running.state?.status, 'running');
    assert.deepEqual(ec2.calls, ['interrupt i-0aaa 1']);
    assert.equal(running.experimentTemplateId, templateId);
    assert.ok(running.startTime instanceof Date);
    const completed = await settle(experiment.id!, (e) => e.state?.status === 'completed');
    assert.equal(completed.actions?.interrupt?.state?.status, 'completed');
    assert.deepEqual(
      events.events({ kind: 'fis-experiment' }).map((event) => event.details.status),
      ['initiating', 'running', 'completed'],
    );
  });

  it('sends a rebalance recommendation first when the lead is over two minutes, and StopExperiment cancels the notice to come', async () => {
    const { experiment } = await run(template([arnOf('i-0aaa')], 'PT3M'));
    await settle(experiment.id!, (e) => e.state?.status === 'running');
    assert.deepEqual(ec2.calls, ['rebalance i-0aaa'], 'the notice is due only two minutes before the end');
    const stopped = (await fis.send(new StopExperimentCommand({ id: experiment.id }))).experiment!;
    assert.equal(stopped.state?.status, 'stopped');
    assert.equal(stopped.actions?.interrupt?.state?.status, 'cancelled');
  });

  it('fails the experiment, like FIS, when the named instance is not a running Spot Instance', async () => {
    for (const [id, why] of [
      ['i-0ddd', /i-0ddd is an on-demand instance, not a Spot Instance/],
      ['i-0eee', /i-0eee is terminated/],
      ['i-0fff', /i-0fff does not exist/],
    ] as const) {
      const { experiment } = await run(template([arnOf(id)]));
      const failed = await settle(experiment.id!, (e) => e.state?.status !== 'initiating');
      assert.equal(failed.state?.status, 'failed');
      assert.match(failed.state?.reason ?? '', /^Target resolution returned empty set of resources for target 'SpotInstances'/);
      assert.match(failed.state?.reason ?? '', why);
    }
    const wrongRegion = await run(template([arnOf('i-0aaa', 'eu-west-1')]));
    assert.match((await settle(wrongRegion.experiment.id!, (e) => e.state?.status === 'failed')).state?.reason ?? '', /is in eu-west-1/);
    assert.deepEqual(ec2.calls, []);
  });

  it('resolves targets by tags with the selection mode', async () => {
    const input = template([]);
    input.targets = { SpotInstances: { resourceType: 'aws:ec2:spot-instance', resourceTags: { team: 'ml' }, selectionMode: 'COUNT(1)' } };
    const { experiment } = await run(input);
    await settle(experiment.id!, (e) => e.state?.status === 'running');
    assert.deepEqual(ec2.calls, ['interrupt i-0bbb 1']);
  });

  it('refuses malformed templates with ValidationException in the x-amzn-ErrorType header', async () => {
    const refused = async (input: CreateExperimentTemplateCommandInput, message: RegExp): Promise<void> => {
      await assert.rejects(fis.send(new CreateExperimentTemplateCommand(input)), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(error.name, 'ValidationException');
        assert.equal(error.$metadata?.httpStatusCode, 400);
        assert.match(error.message, message);
        return true;
      });
    };
    await refused(template([arnOf('i-0aaa')], 'PT16M'), /at most 15 minutes/);
    await refused(template([arnOf('i-0aaa')], 'two minutes'), /not an ISO-8601 duration/);
    await refused({ ...template([arnOf('i-0aaa')]), roleArn: 'SpotboxFis' }, /not a valid IAM role ARN/);
    await refused({ ...template([arnOf('i-0aaa')]), stopConditions: [] }, /stopConditions is required/);
    const wrongType = template([arnOf('i-0aaa')]);
    wrongType.targets!.SpotInstances.resourceType = 'aws:ec2:instance';
    await refused(wrongType, /needs aws:ec2:spot-instance/);
    const otherAction = template([arnOf('i-0aaa')]);
    otherAction.actions!.interrupt.actionId = 'aws:ec2:stop-instances';
    await refused(otherAction, /not supported by the Spotbox sandbox/);
  });

  it('lists and deletes templates per region, and answers ResourceNotFoundException for unknown ids', async () => {
    const { templateId } = await run(template([arnOf('i-0aaa')], 'PT1M'));
    const listed = (await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates ?? [];
    assert.deepEqual(listed.map((t) => t.id), [templateId]);
    const elsewhere = new FisClient({ region: 'eu-west-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      assert.deepEqual((await elsewhere.send(new ListExperimentTemplatesCommand({}))).experimentTemplates, []);
    } finally {
      elsewhere.destroy();
    }
    await fis.send(new DeleteExperimentTemplateCommand({ id: templateId }));
    assert.deepEqual((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates, []);
    await assert.rejects(fis.send(new DeleteExperimentTemplateCommand({ id: templateId })), { name: 'ResourceNotFoundException' });
    await assert.rejects(fis.send(new GetExperimentCommand({ id: 'EXPnope' })), { name: 'ResourceNotFoundException' });
  });
});
