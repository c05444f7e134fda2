import * as assert from 'node:assert/strict';
import type { Client } from 'ssh2';
import type { BoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import type { Box } from '../../../src/core/boxes/box';
import { BoxKeptError } from '../../../src/core/profileLaunch/boxKeptError';
import { prepareRunningBox, type RunningBoxStep } from '../../../src/core/profileLaunch/prepareRunningBox';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { PollClock } from '../time/pollClock';

const profile: SpotboxProfile = { ...PROFILE_DEFAULTS, name: 'llama', cloud: 'azure', regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], maxPrice: 1, image: 'microsoft-dsvm:ubuntu-hpc:2204:latest', volumeGb: 100 };
const vmId = '/subscriptions/s/resourceGroups/spotbox-llama-1-eastus/providers/Microsoft.Compute/virtualMachines/llama-1';
const listed: Box = { cloud: 'azure', instanceId: vmId, name: 'llama', region: 'eastus', availabilityZone: 'eastus', instanceType: 'Standard_NC4as_T4_v3', lifecycle: 'spot', state: 'running', publicIp: '203.0.113.9' };
const endpoint: BoxEndpoint = { instanceId: vmId, region: 'eastus', name: 'llama', host: '203.0.113.9', port: 22, user: 'azureuser', privateKeyPath: '/k.pem', hostKeys: [] };

function fakeClient(): Client & { ended: number } {
  const client = { ended: 0, end() { client.ended++; } };
  return client as unknown as Client & { ended: number };
}

describe('prepareRunningBox (every launch once its box exists)', () => {
  it('waits for the listed box, pins its endpoint, provisions it, reports each step and closes SSH', async () => {
    const client = fakeClient();
    const steps: RunningBoxStep[] = [];
    const prepared = await prepareRunningBox(
      { cloud: 'azure', profile, listedId: vmId, keptId: 'llama-1', localRoot: '/work/llama' },
      {
        listBoxes: async () => [listed],
        endpointOf: async (box, onWaiting) => (onWaiting('waiting for the key'), assert.equal(box, listed), endpoint),
        connect: async (to) => (assert.equal(to, endpoint), client),
        provision: async (used, asked, options) => (assert.equal(used, client), assert.equal(asked, profile), assert.equal(options.localRoot, '/work/llama'), { workspace: 'uploaded', session: 'none' } as never),
      },
      { report: (step) => steps.push(step) },
    );
    assert.equal(prepared.box, listed);
    assert.equal(prepared.endpoint, endpoint);
    assert.deepEqual([...new Set(steps)], ['running', 'endpoint', 'provision']);
    assert.equal(client.ended, 1);
  });

  it('a failure keeps the box under the id its cloud knows, says so, and still closes SSH', async () => {
    const client = fakeClient();
    const failing = prepareRunningBox(
      { cloud: 'azure', profile, listedId: vmId, keptId: 'llama-1' },
      { listBoxes: async () => [listed], endpointOf: async () => endpoint, connect: async () => client, provision: async () => { throw new Error('disk full'); } },
      { report: () => undefined },
    );
    await assert.rejects(failing, (error: unknown) => error instanceof BoxKeptError && error.launched.instanceId === 'llama-1' && /llama \(llama-1\) is running, but preparing it failed: disk full/.test(error.message));
    assert.equal(client.ended, 1);
  });

  it("a box that never runs is kept, and the next step names the box's own cloud's console", async () => {
    const clock = new PollClock();
    const failing = prepareRunningBox(
      { cloud: 'gcp', profile: { ...profile, cloud: 'gcp' }, listedId: 'llama-1', keptId: 'llama-1' },
      { listBoxes: async () => [], endpointOf: async () => endpoint },
      { report: () => undefined, waiting: { intervalMs: 1_000, timeoutMs: 60_000, clock } },
    );
    await assert.rejects(clock.drive(failing), (error: unknown) => error instanceof BoxKeptError && /^llama \(llama-1\) was launched, but llama-1 did not reach the running state within 1 minute\./.test(error.message) && /Google Cloud console.*terminate it from the Spot Boxes view/.test(error.nextStep ?? ''));
  });
});
