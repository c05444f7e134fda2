import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../../../src/core/boxes/box';
import { FleetNotOursError } from '../../../src/core/boxes/terminateBox';
import { endIdleBox, type EndIdleBoxPorts } from '../../../src/core/idle/endIdleBox';
import type { LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';

const box: Box = { cloud: 'aws', instanceId: 'i-idle', name: 'trainer', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state: 'running', sessionId: 'sess-1' };

function record(extra: Partial<LineageRecord> = {}): LineageRecord {
  const launch = { boxName: 'trainer', region: 'us-east-1' } as LaunchRequest;
  return { lineage: 'lin-1', boxName: 'trainer', region: 'us-east-1', launch, checkpointDir: '~/ckpt', workspaceDir: '~/ws', currentInstanceId: 'i-idle', instanceIds: ['i-idle'], idleStopMinutes: 30, ...extra };
}

describe('ending an idle box (src/core/idle/endIdleBox)', () => {
  let directory: string;
  let lineages: LineageStore;
  let calls: string[];
  let warnings: string[];
  let ports: EndIdleBoxPorts;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-idle-end-'));
    lineages = new LineageStore(directory);
    calls = [];
    ports = {
      lineages,
      // What recovery would see at the moment the box starts to go.
      terminate: async (target) => void calls.push(`terminate ${target.instanceId} ended=${String((await lineages.get('lin-1'))?.ended)}`),
      release: async (target) => void calls.push(`release ${target.sessionId}`),
      confirmIdle: async () => (calls.push('check'), { idle: true }),
      logger: { ...silentLogger, warn: (message) => void warnings.push(message) },
    };
    warnings = [];
  });

  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('marks the lineage ended before terminating, then releases the launch\'s resources', async () => {
    await lineages.put(record());
    assert.equal(await endIdleBox(box, ports, 1_000), 'terminated');
    assert.deepEqual(calls, ['check', 'terminate i-idle ended=true', 'release sess-1']);
    assert.equal((await lineages.get('lin-1'))?.ended, true);
  });

  it('terminates a box without a lineage record too', async () => {
    assert.equal(await endIdleBox(box, ports), 'terminated');
    assert.deepEqual(calls, ['terminate i-idle ended=undefined', 'release sess-1']);
  });

  it('leaves alone a box kept running in another window for this idle period, but not for an older one', async () => {
    await lineages.put(record({ idleKeptRunningFrom: 1_000 }));
    assert.equal(await endIdleBox(box, ports, 1_200), 'kept-running');
    assert.deepEqual(calls, []);
    assert.equal((await lineages.get('lin-1'))?.ended, undefined);
    assert.equal(await endIdleBox(box, ports, 900_000), 'terminated');
    // Terminate Now names no period: the user's own answer wins over another window's.
    await lineages.put(record({ idleKeptRunningFrom: 1_000 }));
    assert.equal(await endIdleBox(box, ports), 'terminated');
  });

  it('does not terminate on the journal\'s word when the editor\'s own check finds the box in use (a forged idle report)', async () => {
    await lineages.put(record());
    ports = { ...ports, confirmIdle: async () => (calls.push('check'), { idle: false, reasons: ['1 SSH session on the box'] }) };
    assert.equal(await endIdleBox(box, ports, 1_000), 'in-use');
    assert.deepEqual(calls, ['check']);
    assert.equal((await lineages.get('lin-1'))?.ended, undefined, 'recovery still watches over it');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /trainer \(i-idle\): the box's journal reported it idle, but Spotbox's own check finds it in use \(1 SSH session on the box\); not terminated/);
  });

  it('Terminate Now is the user\'s answer: no check of the box first', async () => {
    ports = { ...ports, confirmIdle: async () => assert.fail('the user chose to terminate') };
    assert.equal(await endIdleBox(box, ports), 'terminated');
  });

  it('leaves a box to a recovery in progress', async () => {
    const recovery = { id: 'r1', trigger: 'notice', owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-idle', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'launching', timeline: {} } as const;
    await lineages.put(record({ recovery }));
    assert.equal(await endIdleBox(box, ports, 1_000), 'recovering');
    assert.deepEqual(calls, []);
  });

  it("keeps the lineage going when the box is kept by another's fleet and the termination is refused", async () => {
    await lineages.put(record());
    const refusal = new FleetNotOursError(box, 'fleet-theirs');
    ports = { ...ports, terminate: async () => Promise.reject(refusal) };
    await assert.rejects(endIdleBox(box, ports), refusal);
    assert.equal((await lineages.get('lin-1'))?.ended, undefined);
    assert.ok(!calls.some((call) => call.startsWith('release')));
  });
});
