import * as assert from 'node:assert/strict';
import { FleetNotOursError, terminateBoxVia, type BoxTerminationCloud, type FleetOfBox } from '../../../src/core/boxes/terminateBox';

const OWNER = 'a11ce00000000001';
const box = { instanceId: 'i-0box', region: 'us-east-1' };
const ours = { 'spotbox:managed': 'true', 'spotbox:owner': OWNER, 'spotbox:box': 'llama', 'spotbox:session': 's-1' };

function ec2Error(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

/** The instance, tagged by EC2 with `fleetId` when a fleet launched it, and what DescribeFleets says of that fleet. */
class FakeTerminationCloud implements BoxTerminationCloud {
  readonly calls: string[] = [];
  deleteError?: Error;
  constructor(
    private readonly fleetId: string | undefined,
    private readonly fleet: FleetOfBox | undefined,
  ) {}
  async fleetIdOf(_region: string, instanceId: string): Promise<string | undefined> {
    this.calls.push(`describe ${instanceId}`);
    return this.fleetId;
  }
  async describeFleet(_region: string, fleetId: string): Promise<FleetOfBox | undefined> {
    this.calls.push(`describe ${fleetId}`);
    return this.fleet;
  }
  async deleteFleet(_region: string, fleetId: string): Promise<void> {
    this.calls.push(`delete ${fleetId}`);
    if (this.deleteError) throw this.deleteError;
  }
  async terminateInstance(_region: string, instanceId: string): Promise<void> {
    this.calls.push(`terminate ${instanceId}`);
  }
}

const maintain = (tags: Record<string, string>, extra: Partial<FleetOfBox> = {}): FleetOfBox => ({ fleetId: 'fleet-1', type: 'maintain', state: 'active', tags, ...extra });

describe('Terminate Box with EC2 Fleets (src/core/boxes/terminateBox)', () => {
  it('terminates a box no fleet launched, as before', async () => {
    const cloud = new FakeTerminationCloud(undefined, undefined);
    assert.deepEqual(await terminateBoxVia(cloud, box, OWNER), { kind: 'instance' });
    assert.deepEqual(cloud.calls, ['describe i-0box', 'terminate i-0box']);
  });

  it("deletes this installation's live maintain fleet first, so that nothing relaunches the box", async () => {
    for (const state of ['submitted', 'active', 'modifying']) {
      const cloud = new FakeTerminationCloud('fleet-1', maintain(ours, { state }));
      assert.deepEqual(await terminateBoxVia(cloud, box, OWNER), { kind: 'fleet', fleetId: 'fleet-1' });
      assert.deepEqual(cloud.calls, ['describe i-0box', 'describe fleet-1', 'delete fleet-1', 'terminate i-0box'], state);
    }
  });

  it('refuses a box kept by a fleet that is not ours, touching nothing, and says what to do', async () => {
    const cases: Array<[string, Record<string, string>, string | undefined]> = [
      ["another installation's", { ...ours, 'spotbox:owner': 'b0b0000000000002' }, OWNER],
      ['a user fleet without spotbox:managed', { 'spotbox:owner': OWNER }, OWNER],
      ['an untagged one', {}, OWNER],
      ['any, when the caller has no owner id', ours, undefined],
    ];
    for (const [name, tags, ownerId] of cases) {
      const cloud = new FakeTerminationCloud('fleet-1', maintain(tags));
      await assert.rejects(terminateBoxVia(cloud, box, ownerId), (error: unknown) => {
        assert.ok(error instanceof FleetNotOursError, name);
        assert.match(error.message, /kept running by EC2 Fleet fleet-1 .* would make that fleet launch a replacement/);
        assert.match(error.nextStep ?? '', /aws ec2 delete-fleets --region us-east-1 --fleet-ids fleet-1 --terminate-instances/);
        return true;
      });
      assert.deepEqual(cloud.calls, ['describe i-0box', 'describe fleet-1'], name);
    }
  });

  it('terminates only the instance when its fleet launches nothing more: instant, deleted, or unknown to EC2', async () => {
    for (const fleet of [maintain({}, { type: 'instant' }), maintain({}, { state: 'deleted_running' }), maintain({}, { state: 'failed' }), undefined]) {
      const cloud = new FakeTerminationCloud('fleet-1', fleet);
      assert.deepEqual(await terminateBoxVia(cloud, box, OWNER), { kind: 'instance' });
      assert.deepEqual(cloud.calls, ['describe i-0box', 'describe fleet-1', 'terminate i-0box']);
    }
  });

  it('leaves the box alone when EC2 refuses to delete its fleet, but not when the fleet was already gone', async () => {
    const refused = new FakeTerminationCloud('fleet-1', maintain(ours));
    refused.deleteError = ec2Error('UnauthorizedOperation');
    await assert.rejects(terminateBoxVia(refused, box, OWNER), /Deleting fleet fleet-1 of i-0box in us-east-1 is not allowed/);
    assert.deepEqual(refused.calls.at(-1), 'delete fleet-1', 'not terminated: the fleet would replace it');
    const gone = new FakeTerminationCloud('fleet-1', maintain(ours));
    gone.deleteError = ec2Error('InvalidFleetId.NotFound');
    assert.deepEqual(await terminateBoxVia(gone, box, OWNER), { kind: 'fleet', fleetId: 'fleet-1' });
    assert.equal(gone.calls.at(-1), 'terminate i-0box');
  });
});
